import { spawn } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { appendFile, open, rename, rm, stat } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { partialNameFor } from '../../util/temp-name.js';

/**
 * A saved machine's memory holds what its provisioners had in memory, sensitive values in
 * their environment included, long after they ended. The file is therefore sealed:
 *
 *   "BWSTATE1" | salt (16) | iv (12) | check (16) | AES-256-GCM(zstd(QEMU's migration stream)) | tag (16)
 *
 * with a key derived (scrypt) from the template's sensitive values; `check`, a hash of the
 * key, tells other values from damage before anything is read. A later build of the same
 * template can open it; without those values it is noise. zstd -1 takes a memory image to
 * about a third, faster than the disk could write it whole.
 */
const MAGIC = Buffer.from('BWSTATE1');
const SALT = 16;
const IV = 12;
const CHECK = 16;
const TAG = 16;
const HEADER = MAGIC.length + SALT + IV + CHECK;

function checkOf(key: Buffer): Buffer {
  return createHash('sha256').update('check').update(key).digest().subarray(0, CHECK);
}

function keyFor(secrets: readonly string[], salt: Buffer): Promise<Buffer> {
  const material = JSON.stringify(['boxwright machine state', ...[...new Set(secrets)].sort()]);
  return new Promise((resolve, reject) =>
    scrypt(material, salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 ** 2 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** Writes the migration stream `input` to `file`, compressed and sealed, through a partial file. */
export async function writeMachineState(
  input: Readable,
  file: string,
  secrets: readonly string[],
  signal: AbortSignal,
): Promise<void> {
  const partial = partialNameFor(file);
  // The stream is taken at once (QEMU may already be sending); the key is ready while zstd works.
  const zstd = zstdProcess(['-q', '-1', '-T0', '-c']);
  const compressing = pipeline(input, zstd.stdin, { signal });
  const sealing = async () => {
    const salt = randomBytes(SALT);
    const iv = randomBytes(IV);
    const key = await keyFor(secrets, salt);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const out = createWriteStream(partial);
    out.write(Buffer.concat([MAGIC, salt, iv, checkOf(key)]));
    await pipeline(zstd.stdout, cipher, out, { signal });
    await appendFile(partial, cipher.getAuthTag());
  };
  await settleAll([compressing, sealing(), zstd.done], async () => {
    zstd.kill();
    await rm(partial, { force: true });
  });
  await rename(partial, file);
}

/**
 * Waits for every part of a pipeline to end. At the first failure `undo` runs (to stop the
 * other parts), and again once all have ended (to remove what they wrote meanwhile); then
 * that failure is thrown.
 */
async function settleAll(parts: Promise<unknown>[], undo: () => Promise<void>): Promise<void> {
  let first: { reason: unknown } | undefined;
  await Promise.all(
    parts.map((part) =>
      part.catch(async (reason: unknown) => {
        if (first) return;
        first = { reason };
        await undo();
      }),
    ),
  );
  if (first) {
    await undo();
    throw first.reason;
  }
}

/**
 * Streams the migration stream kept in `file` into `output`. Fails when the file is not a
 * state, the secrets are not the ones it was sealed with, or it was cut short or altered.
 */
export async function readMachineState(
  file: string,
  secrets: readonly string[],
  output: Writable,
  signal: AbortSignal,
): Promise<void> {
  const { size } = await stat(file);
  if (size < HEADER + TAG) throw new Error(`${file} is too short to be a saved machine`);
  const head = Buffer.alloc(HEADER);
  const tag = Buffer.alloc(TAG);
  const handle = await open(file, 'r');
  try {
    await handle.read(head, 0, HEADER, 0);
    await handle.read(tag, 0, TAG, size - TAG);
  } finally {
    await handle.close();
  }
  if (!head.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error(`${file} is not a saved machine`);
  const salt = head.subarray(MAGIC.length, MAGIC.length + SALT);
  const key = await keyFor(secrets, salt);
  if (!head.subarray(HEADER - CHECK).equals(checkOf(key)))
    throw new Error('it was saved by a build with other sensitive values');
  const decipher = createDecipheriv('aes-256-gcm', key, head.subarray(MAGIC.length + SALT, HEADER - CHECK));
  decipher.setAuthTag(tag);
  const zstd = zstdProcess(['-q', '-d', '-c']);
  try {
    await settleAll(
      [
        pipeline(createReadStream(file, { start: HEADER, end: size - TAG - 1 }), decipher, zstd.stdin, { signal }),
        pipeline(zstd.stdout, output, { signal }),
        zstd.done,
      ],
      async () => zstd.kill(),
    );
  } catch (err) {
    if ((err as Error).message.includes('authenticate'))
      throw new Error(`${file} was altered or cut short since it was saved`);
    throw err;
  }
}

function zstdProcess(args: string[]): {
  stdin: Writable;
  stdout: Readable;
  done: Promise<void>;
  kill(): void;
} {
  const child = spawn('zstd', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`could not run zstd: ${err.message} (install the zstd package)`)));
    child.once('close', (code, signal) =>
      code === 0
        ? resolve()
        : reject(
            new Error(
              `zstd ${args.join(' ')} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}: ${stderr.trim()}`,
            ),
          ),
    );
  });
  return { stdin: child.stdin, stdout: child.stdout, done, kill: () => child.kill('SIGKILL') };
}
