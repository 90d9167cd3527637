import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { CancelledError, messageOf } from '../base/errors.js';
import type { LocalVmSettings } from '../config/local-vm.js';
import { pruneBeyondCap } from '../core/checkpoint-cap.js';
import { digestPaths } from '../core/checkpoint-keys.js';
import type { Communicator } from '../core/communicator.js';
import type { PipelineStep } from '../core/pipeline.js';
import type { BuildContext, ProvisionCheckpoints } from '../core/plugin.js';
import { workingDiskPath, type DiskLayers, type MachineDriver, type RunningVm } from '../machines/driver.js';
import { LayerStore, type LayerCheckpoint } from '../machines/qemu/checkpoint-layers.js';
import { listVolatile, syncAndJudge, type VolatileVerdict } from './volatile-state.js';
import type { OutputDirectory } from './output-directory.js';

/** A local VM build's checkpoints: where its disk's layers go and which one it resumed from. */
export interface VmCheckpoints {
  store: LayerStore;
  keys: (string | undefined)[];
  resume: { index: number; checkpoint: LayerCheckpoint } | undefined;
  /** The layers below the one the machine writes to, first first. */
  chain: string[];
  /** The layer the machine writes to now. */
  current: string;
  /** The usual working disk in the output directory: the top layer after the last checkpoint. */
  workDisk: string;
  /** Layers this build made that no complete checkpoint holds yet; cleanup removes them. */
  pending: Set<string>;
  /** Set when a checkpoint could not be kept: the build goes on without more. */
  stopped: boolean;
}

/**
 * Works out the checkpoint keys of a local VM build and finds the longest run of
 * provisioners an earlier build kept. The base of the keys is the source (its checksum, or
 * its path, size and time when there is none), the family's options except where the
 * output goes, and the contents of the floppy, CD and HTTP files the guest may read.
 */
export function stepFindVmCheckpoint(
  settings: LocalVmSettings,
  driver: MachineDriver,
  build: BuildContext,
): PipelineStep<{ source: string; output: OutputDirectory }, { vmCheckpoints: VmCheckpoints | undefined }> {
  return {
    name: 'vm-checkpoint',
    async run({ source, output }, ctx) {
      if (!settings.checkpoints) return { vmCheckpoints: undefined };
      const { output: _output, shutdown: _shutdown, checkpoints: _checkpoints, ...shaping } = settings;
      const keys = await build.checkpointKeys({
        driver: driver.name,
        source: settings.source.checksum !== 'none' ? settings.source.checksum : await fileIdentity(source),
        media: await digestPaths(
          [
            ...settings.floppy.files,
            ...settings.floppy.dirs,
            ...settings.cd.files,
            ...settings.cd.dirs,
            ...(settings.http?.directory ? [settings.http.directory] : []),
          ],
          build.cwd,
        ),
        shaping,
      });
      if (!keys?.[0]) return { vmCheckpoints: undefined };
      const support = driver.diskLayers?.() ?? {
        supported: false,
        why: `the ${driver.name} driver cannot layer disks`,
      };
      if (!support.supported) {
        ctx.ui.say(`No checkpoints for this build: ${support.why}`);
        return { vmCheckpoints: undefined };
      }
      const store = new LayerStore(path.join(build.checkpointCache.dir, 'qemu'));
      await store.prepare();
      let resume: VmCheckpoints['resume'];
      for (let index = keys.length - 1; index >= 0 && !resume; index--) {
        const checkpoint = keys[index] && (await store.find(keys[index]!));
        if (checkpoint) resume = { index, checkpoint };
      }
      const workDisk = workingDiskPath(output.path, settings.output.vmName);
      const start = resume ? resume.index + 1 : 0;
      const first = keys[start] ? store.layerPath(keys[start]!) : workDisk;
      if (resume) {
        ctx.log(`checkpoint ${resume.checkpoint.key} matches the state after provisioner ${resume.index + 1}`);
        ctx.ui.say(
          "Starting from the checkpoint's disk: the machine boots from it, without the installer or boot_command",
        );
      }
      return {
        vmCheckpoints: {
          store,
          keys,
          resume,
          chain: resume?.checkpoint.files ?? [],
          current: first,
          workDisk,
          pending: new Set(first === workDisk ? [] : [first]),
          stopped: false,
        },
      };
    },
    async cleanup({ vmCheckpoints }) {
      if (!vmCheckpoints) return;
      for (const file of vmCheckpoints.pending) await rm(file, { force: true });
    },
    leftover: ({ vmCheckpoints }) =>
      vmCheckpoints?.pending.size ? `unfinished checkpoint layers ${[...vmCheckpoints.pending].join(', ')}` : undefined,
  };
}

/** What the driver is asked to make the disk from, before the first provisioner: the layer to write, on the chain kept. */
export function startingLayers(checkpoints: VmCheckpoints): DiskLayers {
  return { first: checkpoints.current, resumeFrom: checkpoints.chain.at(-1) };
}

async function fileIdentity(file: string): Promise<string> {
  const info = await stat(file);
  return `${path.resolve(file)} ${info.size} ${info.mtimeMs}`;
}

/**
 * How the provision step keeps checkpoints of a local VM: after a provisioner, the guest
 * syncs its file systems, the disk's layer is frozen, and the machine goes on writing to a
 * new one; the frozen chain is recorded as the checkpoint.
 */
export function vmProvisionCheckpoints(
  checkpoints: VmCheckpoints,
  running: RunningVm,
  communicator: Communicator,
  ctx: BuildContext,
): ProvisionCheckpoints {
  const { keys } = checkpoints;
  let before = new Set<string>();
  const stop = (err: unknown, what: string) => {
    if (ctx.signal.aborted) throw new CancelledError('Build was cancelled.');
    checkpoints.stopped = true;
    ctx.ui.error(`Warning: could not keep ${what}: ${messageOf(err)}; the build goes on without more`);
  };
  return {
    keys,
    resumeAfter: checkpoints.resume && {
      index: checkpoints.resume.index,
      savedAt: checkpoints.resume.checkpoint.savedAt,
      replay: checkpoints.resume.checkpoint.replay,
    },
    async start() {
      try {
        before = await listVolatile(communicator, ctx.signal);
      } catch (err) {
        stop(err, 'checkpoints');
      }
    },
    async save(index, key, writes) {
      if (checkpoints.stopped) return;
      const nextKey = keys[index + 1];
      const next = nextKey ? checkpoints.store.layerPath(nextKey) : checkpoints.workDisk;
      let verdict: VolatileVerdict;
      try {
        verdict = await syncAndJudge(communicator, before, writes, ctx.signal);
        if (!running.freezeDisk) throw new Error('the driver cannot freeze the disk');
        await running.freezeDisk(next, ctx);
      } catch (err) {
        stop(err, `a checkpoint after provisioner ${index + 1}`);
        return;
      }
      if (nextKey) checkpoints.pending.add(next);
      const files = [...checkpoints.chain, checkpoints.current];
      checkpoints.chain = files;
      checkpoints.current = next;
      const after = `${index + 1} of ${keys.length}`;
      if (verdict.lost.length) {
        // The layer stays in the chain; a later checkpoint that holds it may still be kept.
        ctx.ui.message(
          `No checkpoint after provisioner ${after}: ${verdict.lost.join(', ')} would be missing from a build resumed there, which boots from the checkpoint's disk (/tmp and /dev/shm do not outlive a boot)`,
        );
        return;
      }
      await checkpoints.store.complete(key, { after, build: ctx.buildName, files, replay: verdict.replay });
      for (const file of files) checkpoints.pending.delete(file);
      ctx.ui.message(`Kept a checkpoint after provisioner ${after}`);
      await keepUnderCap(checkpoints, ctx);
    },
  };
}

/** Removes the oldest checkpoints beyond the cap; this build's own, and the layers under it, stay. */
async function keepUnderCap(checkpoints: VmCheckpoints, ctx: BuildContext): Promise<void> {
  const ours = new Set(checkpoints.keys.filter((k): k is string => Boolean(k)));
  const inUse = new Set([...checkpoints.chain, checkpoints.current]);
  const kept = async () =>
    (await checkpoints.store.list()).map((c) => ({ ...c, id: c.key, name: c.key.slice(0, 12), created: c.savedAt }));
  const remove = async (c: LayerCheckpoint) =>
    inUse.has(c.files.at(-1)!) ? [] : checkpoints.store.remove(c.key, inUse);
  await pruneBeyondCap(kept, ctx.checkpointCache.maxBytes, ours, remove, ctx.ui, messageOf);
}
