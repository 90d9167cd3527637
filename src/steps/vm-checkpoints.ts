import { constants } from 'node:fs';
import { copyFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { formatElapsed, formatUtcSeconds } from '../base/duration.js';
import { CancelledError, messageOf } from '../base/errors.js';
import type { LocalVmSettings } from '../config/local-vm.js';
import { pruneBeyondCap } from '../core/checkpoint-cap.js';
import { canonical, digest, digestPaths } from '../core/checkpoint-keys.js';
import type { Communicator } from '../core/communicator.js';
import type { PipelineStep } from '../core/pipeline.js';
import type { BuildContext, ProvisionCheckpoints } from '../core/plugin.js';
import {
  workingDiskPath,
  type DefinedMachine,
  type DiskLayers,
  type FrozenLayer,
  type MachineDriver,
  type RunningVm,
  type StoppedVm,
} from '../machines/driver.js';
import { canSetClock, setGuestClock } from './guest-clock.js';
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
  /** The key of the machine after the shutdown, when every provisioner has a key. */
  finishedKey: string | undefined;
  /** An earlier build's finished machine with that key: exported as it is, never started. */
  finished: LayerCheckpoint | undefined;
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
          build.checkpointCache.dir,
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
      const workDisk = workingDiskPath(output.path, settings.output.vmName);
      const last = keys.at(-1);
      const finishedKey = last && digest(`finished\n${last}\n${canonical(settings.shutdown)}`);
      const kept = finishedKey ? await store.find(finishedKey) : undefined;
      const finished = kept && build.adoptProvisioning({ fingerprint: kept.fingerprint }) ? kept : undefined;
      let resume: VmCheckpoints['resume'];
      for (let index = keys.length - 1; index >= 0 && !resume && !finished; index--) {
        const checkpoint = keys[index] && (await store.find(keys[index]!));
        if (checkpoint) resume = { index, checkpoint };
      }
      const start = resume ? resume.index + 1 : 0;
      // A finished machine is never started: its disk is the export's, on top of its chain.
      const first = !finished && keys[start] ? store.layerPath(keys[start]!) : workDisk;
      if (finished)
        ctx.ui.say(
          `Nothing changed since a build that finished (saved ${formatUtcSeconds(finished.savedAt)}): its disk is exported without starting the machine; pass -no-checkpoints to rebuild from scratch`,
        );
      if (resume) {
        ctx.log(`checkpoint ${resume.checkpoint.key} matches the state after provisioner ${resume.index + 1}`);
        ctx.ui.say(
          resume.checkpoint.state
            ? 'Starting from the checkpoint: the machine saved with it, without the installer or boot_command'
            : "Starting from the checkpoint's disk: the machine boots from it, without the installer or boot_command",
        );
      }
      return {
        vmCheckpoints: {
          store,
          keys,
          resume,
          chain: finished?.files ?? resume?.checkpoint.files ?? [],
          current: first,
          workDisk,
          pending: new Set(first === workDisk ? [] : [first]),
          stopped: Boolean(finished),
          finishedKey,
          finished,
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

/**
 * After the shutdown: keeps the finished machine's last layer (what the last provisioner and
 * the shutdown wrote) with the fingerprint, so that a build in which nothing changed exports
 * it without starting the machine. Only when every layer under it is a kept checkpoint's.
 */
export function stepKeepFinished(
  build: BuildContext,
): PipelineStep<{ vmCheckpoints: VmCheckpoints | undefined; stopped: StoppedVm }, object> {
  return {
    name: 'keep-finished',
    async run({ vmCheckpoints: c, stopped }, ctx) {
      if (!c?.finishedKey || c.finished || c.stopped || c.current !== c.workDisk) return {};
      if (c.chain.some((file) => c.pending.has(file))) return {};
      const layer = c.store.layerPath(c.finishedKey);
      const storeVars = stopped.firmwareVars;
      const vars = storeVars && c.store.varsPath(c.finishedKey);
      // One kept earlier but not taken (it had no fingerprint, say) is replaced.
      const replaced = await c.store.find(c.finishedKey);
      try {
        await copyFile(c.workDisk, layer, constants.COPYFILE_FICLONE);
        if (storeVars && vars) await copyFile(storeVars, vars);
        await c.store.complete(c.finishedKey, {
          after: `${c.keys.length} of ${c.keys.length}, shut down`,
          build: ctx.buildName,
          files: [...c.chain, layer],
          replay: [],
          fingerprint: build.provisionedFingerprint(),
          firmwareVars: vars,
        });
      } catch (err) {
        await rm(layer, { force: true });
        if (vars) await rm(vars, { force: true });
        ctx.ui.error(`Warning: could not keep the finished machine's disk: ${messageOf(err)}`);
        return {};
      }
      for (const file of [replaced?.files.at(-1), replaced?.firmwareVars])
        if (file && file !== layer && file !== vars) await rm(file, { force: true });
      ctx.ui.message('Kept the finished machine: a build with nothing changed exports it without starting it');
      await keepUnderCap(c, build);
      return {};
    },
  };
}

/** The finished machine of an earlier build, as it is: the export reads its disk, and nothing starts. */
export function stepTakeFinished(): PipelineStep<{ machine: DefinedMachine }, { stopped: StoppedVm }> {
  return {
    name: 'take-finished',
    async run({ machine }, ctx) {
      if (!machine.unstarted) throw new Error('the driver cannot export a machine it has not started');
      return { stopped: await machine.unstarted(ctx) };
    },
  };
}

/** What the driver is asked to make the disk from, before the first provisioner: the layer to write, on the chain kept. */
export function startingLayers(checkpoints: VmCheckpoints): DiskLayers {
  return {
    first: checkpoints.current,
    resumeFrom: checkpoints.chain.at(-1),
    resumeState: checkpoints.resume?.checkpoint.state,
    resumeFirmwareVars: (checkpoints.finished ?? checkpoints.resume?.checkpoint)?.firmwareVars,
  };
}

async function fileIdentity(file: string): Promise<string> {
  const info = await stat(file);
  return `${path.resolve(file)} ${info.size} ${info.mtimeMs}`;
}

/**
 * How the provision step keeps checkpoints of a local VM: after a provisioner, the guest
 * syncs its file systems, the disk's layer is frozen, and the machine goes on writing to a
 * new one; the frozen chain is recorded as the checkpoint, with the running machine when
 * the driver can save it and its clock can be set when it continues. A checkpoint must also
 * do without the running machine (another QEMU cannot load it): what a boot would lose
 * still decides whether it is kept, and what to upload again.
 */
export function vmProvisionCheckpoints(
  checkpoints: VmCheckpoints,
  running: RunningVm,
  communicator: Communicator,
  ctx: BuildContext,
): ProvisionCheckpoints {
  const { keys } = checkpoints;
  let before = new Set<string>();
  let keepMachine = false;
  const setClock = async () => {
    const now = new Date();
    try {
      await setGuestClock(communicator, now, ctx.signal);
      ctx.log(`set the continued machine's clock to ${now.toISOString()}`);
    } catch (err) {
      if (ctx.signal.aborted) throw new CancelledError('Build was cancelled.');
      const behind = now.getTime() - (checkpoints.resume?.checkpoint.savedAt.getTime() ?? now.getTime());
      ctx.ui.error(
        `Warning: could not set the clock of the machine continued from the checkpoint (${messageOf(err)}); it runs ${formatElapsed(behind)} behind`,
      );
    }
  };
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
      // A machine that continues, rather than boots, still has its /tmp.
      replay: running.continued ? [] : checkpoints.resume.checkpoint.replay,
    },
    async start() {
      // Three commands in the guest, on channels of their own: each costs a round trip.
      await Promise.all([
        running.continued ? setClock() : undefined,
        (async () => {
          try {
            const [listed, root] = await Promise.all([
              listVolatile(communicator, ctx.signal),
              canSetClock(communicator, ctx.signal),
            ]);
            before = listed;
            keepMachine = Boolean(running.freezeDisk) && root;
            if (!keepMachine)
              ctx.log('checkpoints keep the disk only: the guest user is not root and has no passwordless sudo');
          } catch (err) {
            stop(err, 'checkpoints');
          }
        })(),
      ]);
    },
    async save(index, key, writes) {
      if (checkpoints.stopped) return;
      const nextKey = keys[index + 1];
      const next = nextKey ? checkpoints.store.layerPath(nextKey) : checkpoints.workDisk;
      let verdict: VolatileVerdict;
      let frozen: FrozenLayer;
      try {
        verdict = await syncAndJudge(communicator, before, writes, ctx.signal);
        if (!running.freezeDisk) throw new Error('the driver cannot freeze the disk');
        // No running machine for a checkpoint that is not kept (below).
        const stateFile = keepMachine && !verdict.lost.length ? checkpoints.store.statePath(key) : undefined;
        frozen = await running.freezeDisk(next, ctx, { stateFile, firmwareVars: checkpoints.store.varsPath(key) });
      } catch (err) {
        stop(err, `a checkpoint after provisioner ${index + 1}`);
        return;
      }
      const { state, firmwareVars } = frozen;
      if (nextKey) checkpoints.pending.add(next);
      const own = [...(state ? [state.file] : []), ...(firmwareVars ? [firmwareVars] : [])];
      for (const file of own) checkpoints.pending.add(file);
      const files = [...checkpoints.chain, checkpoints.current];
      checkpoints.chain = files;
      checkpoints.current = next;
      const after = `${index + 1} of ${keys.length}`;
      if (verdict.lost.length) {
        // Only the layer serves a later checkpoint; the variable store is copied again then.
        for (const file of own) {
          await rm(file, { force: true });
          checkpoints.pending.delete(file);
        }
        // The layer stays in the chain; a later checkpoint that holds it may still be kept.
        ctx.ui.message(
          `No checkpoint after provisioner ${after}: ${verdict.lost.join(', ')} would be missing from a build resumed there, which boots from the checkpoint's disk (/tmp and /dev/shm do not outlive a boot)`,
        );
        return;
      }
      await checkpoints.store.complete(key, {
        after,
        build: ctx.buildName,
        files,
        replay: verdict.replay,
        state,
        firmwareVars,
      });
      for (const file of [...files, ...own]) checkpoints.pending.delete(file);
      ctx.ui.message(`Kept a checkpoint after provisioner ${after}${state ? ', with the running machine' : ''}`);
      await keepUnderCap(checkpoints, ctx);
    },
  };
}

/** Removes the oldest checkpoints beyond the cap; this build's own, and the layers under it, stay. */
async function keepUnderCap(checkpoints: VmCheckpoints, ctx: BuildContext): Promise<void> {
  const ours = new Set([...checkpoints.keys, checkpoints.finishedKey].filter((k): k is string => Boolean(k)));
  const inUse = new Set([...checkpoints.chain, checkpoints.current]);
  const kept = async () =>
    (await checkpoints.store.list()).map((c) => ({ ...c, id: c.key, name: c.key.slice(0, 12), created: c.savedAt }));
  const remove = async (c: LayerCheckpoint) =>
    inUse.has(c.files.at(-1)!) ? [] : checkpoints.store.remove(c.key, inUse);
  await pruneBeyondCap(kept, ctx.checkpointCache.maxBytes, ours, remove, ctx.ui, messageOf);
}
