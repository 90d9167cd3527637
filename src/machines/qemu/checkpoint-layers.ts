import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Fingerprint } from '../../core/fingerprint.js';
import type { GuestWrites } from '../../core/plugin.js';
import type { SavedMachineState } from '../driver.js';
import { partialNameFor } from '../../util/temp-name.js';

/**
 * A kept state of a QEMU-backed build's disk: a chain of qcow2 layers, the last of which
 * holds what the provisioners up to "after" wrote. Each layer backs onto the one before by
 * its file name, so the chain is only as good as its files: a checkpoint whose chain lost a
 * file is not offered.
 */
export interface LayerCheckpoint {
  key: string;
  /** "2 of 3": the provisioner it was kept after. */
  after: string;
  build: string;
  savedAt: Date;
  /** The chain, first layer (the whole disk) first; the last is this checkpoint's own. */
  files: string[];
  /** The size of its own layer and saved machine. */
  bytes: number;
  /** Uploads to run again on resume: their files were in /tmp, which the disk does not keep across a boot. */
  replay: GuestWrites[];
  /** A finished machine's checkpoint (after the shutdown): the fingerprint its build took. */
  fingerprint?: Fingerprint;
  /** The running machine saved with its layer: a build resumed here continues it instead of booting. */
  state?: SavedMachineState;
  /** A UEFI machine's variable store (its boot entries) as it was with this layer. */
  firmwareVars?: string;
}

interface Record {
  key: string;
  after: string;
  build: string;
  savedAt: string;
  files: string[];
  replay?: GuestWrites[];
  fingerprint?: Fingerprint;
  state?: SavedMachineState;
  firmwareVars?: string;
}

/** Unreferenced layers younger than this may belong to a build still running; they are left alone. */
const IN_FLIGHT_MS = 6 * 3_600_000;

/**
 * Where QEMU-backed builds keep their checkpoints: `DIR/KEY.json` says a checkpoint is
 * complete and lists its chain; the layers are `DIR/layers/KEY-RUN.qcow2`, one name per
 * build, so two builds of one template never write into the same file, and a running
 * machine saved with a layer is `DIR/layers/KEY-RUN.state`, a UEFI variable store `DIR/layers/KEY-RUN.vars`.
 */
export class LayerStore {
  private readonly runTag = randomBytes(4).toString('hex');

  constructor(readonly dir: string) {}

  /** The file this build writes the layer of `key` into. */
  layerPath(key: string): string {
    return path.join(this.dir, 'layers', `${key}-${this.runTag}.qcow2`);
  }

  /** The file this build saves the running machine of `key` into. */
  statePath(key: string): string {
    return path.join(this.dir, 'layers', `${key}-${this.runTag}.state`);
  }

  /** The file this build copies the UEFI variable store of `key` into. */
  varsPath(key: string): string {
    return path.join(this.dir, 'layers', `${key}-${this.runTag}.vars`);
  }

  async prepare(): Promise<void> {
    await mkdir(path.join(this.dir, 'layers'), { recursive: true });
  }

  /** The complete checkpoint of `key`, when its whole chain is still there. */
  async find(key: string): Promise<LayerCheckpoint | undefined> {
    const record = await this.read(path.join(this.dir, `${key}.json`));
    if (!record) return undefined;
    // A UEFI machine's disk does not boot without the boot entries in its variable store.
    for (const file of [...record.files, ...(record.firmwareVars ? [record.firmwareVars] : [])])
      if (!(await stat(file).catch(() => undefined))) return undefined;
    // Without its state file the checkpoint is still its disk.
    if (record.state && !(await stat(record.state.file).catch(() => undefined))) delete record.state;
    return record;
  }

  /** Marks the layer chain `files` as the checkpoint of `key`: written whole, then renamed into place. */
  async complete(
    key: string,
    meta: {
      after: string;
      build: string;
      files: string[];
      replay: GuestWrites[];
      fingerprint?: Fingerprint;
      state?: SavedMachineState;
      firmwareVars?: string;
    },
  ): Promise<void> {
    const file = path.join(this.dir, `${key}.json`);
    const record: Record = { key, ...meta, savedAt: new Date().toISOString() };
    const partial = partialNameFor(file);
    await writeFile(partial, `${JSON.stringify(record, null, 2)}\n`);
    await rename(partial, file);
  }

  /** Every complete checkpoint, newest first. */
  async list(): Promise<LayerCheckpoint[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const found: LayerCheckpoint[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const checkpoint = await this.read(path.join(this.dir, name));
      if (checkpoint) found.push(checkpoint);
    }
    return found.sort((a, b) => b.savedAt.getTime() - a.savedAt.getTime());
  }

  /**
   * Removes the checkpoint of `key` and every checkpoint whose chain runs through its layer,
   * then the layers no checkpoint uses any more (except those in `keep`). Returns the keys removed.
   */
  async remove(key: string, keep: ReadonlySet<string> = new Set()): Promise<string[]> {
    const all = await this.list();
    const target = all.find((c) => c.key === key);
    if (!target) return [];
    const own = target.files.at(-1)!;
    const doomed = all.filter((c) => c.files.includes(own));
    for (const c of doomed) await rm(path.join(this.dir, `${c.key}.json`), { force: true });
    const used = new Set((await this.list()).flatMap(filesOf));
    for (const file of new Set(doomed.flatMap(filesOf)))
      if (!used.has(file) && !keep.has(file)) await rm(file, { force: true });
    return doomed.map((c) => c.key);
  }

  /** Deletes layers no checkpoint uses (left by a killed build), once they are old enough not to be a running build's. */
  async sweep(keep: ReadonlySet<string> = new Set()): Promise<void> {
    const used = new Set((await this.list()).flatMap(filesOf));
    const layers = path.join(this.dir, 'layers');
    for (const name of await readdir(layers).catch(() => [] as string[])) {
      const file = path.join(layers, name);
      if (used.has(file) || keep.has(file)) continue;
      const info = await stat(file).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > IN_FLIGHT_MS) await rm(file, { force: true });
    }
  }

  private async read(file: string): Promise<LayerCheckpoint | undefined> {
    let record: Record;
    try {
      record = JSON.parse(await readFile(file, 'utf8')) as Record;
    } catch {
      return undefined;
    }
    if (!Array.isArray(record.files) || !record.files.length) return undefined;
    const own = await stat(record.files.at(-1)!).catch(() => undefined);
    const state = record.state && (await stat(record.state.file).catch(() => undefined));
    const vars = record.firmwareVars ? await stat(record.firmwareVars).catch(() => undefined) : undefined;
    return {
      ...record,
      savedAt: new Date(record.savedAt),
      bytes: (own?.size ?? 0) + (state?.size ?? 0) + (vars?.size ?? 0),
      replay: record.replay ?? [],
    };
  }
}

/** The files a checkpoint owns or uses: its chain, its saved machine and its variable store. */
function filesOf(c: LayerCheckpoint): string[] {
  return [...c.files, ...(c.state ? [c.state.file] : []), ...(c.firmwareVars ? [c.firmwareVars] : [])];
}
