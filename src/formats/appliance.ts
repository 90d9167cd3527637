import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { UserError } from '../base/errors.js';
import { parseOvf, type OvfMachine } from './ovf.js';
import { streamToFile } from '../util/stream-to-file.js';
import { makeTempDir, removeTempDir } from '../util/temp-dir.js';

/** An appliance on disk: its OVF, the machine it describes, and where its files are. */
export interface Appliance {
  ovfFile: string;
  machine: OvfMachine;
  dir: string;
}

/**
 * Unpacks an .ova into `dir`, streamed entry by entry. Only plain file names are taken,
 * as an OVA holds no folders; anything else would write outside `dir`.
 */
export async function unpackOva(ova: string, dir: string, signal: AbortSignal): Promise<void> {
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const name = header.name.replace(/^\.\//, '');
      if (header.type !== 'file') {
        stream.resume();
        return void stream.on('end', next);
      }
      if (name.includes('/') || name === '..' || name === '.') {
        stream.resume();
        return void reject(
          new UserError(
            `${ova} holds "${header.name}", which is not a plain file name`,
            'an OVA keeps its .ovf, .mf and disks at the top level; re-export the appliance',
          ),
        );
      }
      streamToFile(stream as unknown as NodeJS.ReadableStream, path.join(dir, name), signal).then(() => next(), reject);
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  await Promise.all([pipeline(createReadStream(ova), extract, { signal }), done]);
}

/** Checks the files an OVF manifest lists (SHA1 or SHA256 lines), as VirtualBox does on import. */
export async function verifyManifest(mfFile: string, dir: string, signal: AbortSignal): Promise<void> {
  const text = await readFile(mfFile, 'utf8');
  for (const line of text.split(/\r?\n/)) {
    const m = /^(SHA1|SHA256|SHA512)\s*\(([^)]+)\)\s*=\s*([0-9a-fA-F]+)$/.exec(line.trim());
    if (!m) continue;
    const hash = createHash(m[1]!.toLowerCase());
    const file = path.join(dir, path.basename(m[2]!));
    await pipeline(createReadStream(file), hash, { signal }).catch((err: Error) => {
      throw new UserError(
        `the manifest ${path.basename(mfFile)} lists ${m[2]}, which cannot be read (${err.message})`,
        'the appliance is incomplete; export it again',
      );
    });
    const actual = hash.digest('hex');
    if (actual !== m[3]!.toLowerCase())
      throw new UserError(
        `${m[2]} does not match the manifest ${path.basename(mfFile)} (${m[1]} ${actual}, expected ${m[3]})`,
        'the appliance is damaged or was changed after export; export it again',
      );
  }
}

/** Reads an .ovf (in place) or an .ova (unpacked into a temporary folder the caller removes). */
export async function openAppliance(source: string, signal: AbortSignal): Promise<Appliance & { unpacked?: string }> {
  let dir = path.dirname(source);
  let ovfFile = source;
  let unpacked: string | undefined;
  if (/\.ova$/i.test(source)) {
    unpacked = await makeTempDir('ova');
    try {
      await unpackOva(source, unpacked, signal);
      const names = await readdir(unpacked);
      const ovf = names.find((n) => /\.ovf$/i.test(n));
      if (!ovf)
        throw new UserError(
          `${source} holds no .ovf file`,
          "an OVA starts with the appliance's .ovf; check that this file is an OVA",
        );
      dir = unpacked;
      ovfFile = path.join(unpacked, ovf);
    } catch (err) {
      await removeTempDir(unpacked);
      throw err;
    }
  }
  try {
    let machine: OvfMachine;
    try {
      machine = parseOvf(await readFile(ovfFile, 'utf8'));
    } catch (err) {
      throw new UserError(
        `${path.basename(ovfFile)} cannot be read as an OVF: ${(err as Error).message}`,
        'source_path must be an appliance exported by VirtualBox, VMware or boxwright',
      );
    }
    const mf = ovfFile.replace(/\.ovf$/i, '.mf');
    if (existsSync(mf)) await verifyManifest(mf, dir, signal);
    for (const disk of machine.disks)
      if (!existsSync(path.join(dir, disk.file)))
        throw new UserError(
          `the OVF names the disk ${disk.file}, which is not next to it in ${dir}`,
          'copy the whole appliance (the .ovf with its .vmdk files), or use the .ova',
        );
    return { ovfFile, machine, dir, unpacked };
  } catch (err) {
    if (unpacked) await removeTempDir(unpacked);
    throw err;
  }
}
