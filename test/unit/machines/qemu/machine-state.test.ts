import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readMachineState, writeMachineState } from '../../../../src/machines/qemu/machine-state.js';
import { tempDir } from '../../../support/cli.js';

const SECRET = 'db-pass-8e41c7';
const signal = new AbortController().signal;

/** A stand-in for a migration stream: compressible memory with a secret left in it. */
function memoryImage(): Buffer {
  return Buffer.concat([
    Buffer.alloc(3 * 1024 ** 2),
    Buffer.from(`TOKEN=${SECRET}\0PATH=/usr/bin\0`),
    randomBytes(256 * 1024),
    Buffer.alloc(1024 ** 2, 'page cache '),
  ]);
}

async function readBack(file: string, secrets: string[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  await readMachineState(file, secrets, sink, signal);
  return Buffer.concat(chunks);
}

describe('a saved machine state file', () => {
  it('gives back the stream it was given, compressed, with no sensitive value in clear', async () => {
    const file = path.join(tempDir(), 'm.state');
    const image = memoryImage();
    await writeMachineState(Readable.from([image]), file, [SECRET, 'vagrant'], signal);
    const kept = readFileSync(file);
    expect(kept.length).toBeLessThan(image.length / 3);
    expect(kept.includes(SECRET)).toBe(false);
    expect(kept.includes('page cache')).toBe(false);
    // The order the secrets come in does not matter.
    expect((await readBack(file, ['vagrant', SECRET])).equals(image)).toBe(true);
  });

  it('refuses other sensitive values, a cut-short file and something else, saying which', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'm.state');
    await writeMachineState(Readable.from([memoryImage()]), file, [SECRET], signal);
    await expect(readBack(file, ['another-value'])).rejects.toThrow(
      'it was saved by a build with other sensitive values',
    );
    const cut = path.join(dir, 'cut.state');
    writeFileSync(cut, readFileSync(file).subarray(0, 40_000));
    await expect(readBack(cut, [SECRET])).rejects.toThrow();
    const other = path.join(dir, 'other.state');
    writeFileSync(other, Buffer.alloc(100, 1));
    await expect(readBack(other, [SECRET])).rejects.toThrow(`${other} is not a saved machine`);
    truncateSync(file, 10);
    await expect(readBack(file, [SECRET])).rejects.toThrow('is too short to be a saved machine');
  });

  it('leaves no file behind when the stream fails', async () => {
    const dir = tempDir();
    const input = new PassThrough();
    const writing = writeMachineState(input, path.join(dir, 'm.state'), [], signal);
    input.write(Buffer.alloc(1024));
    input.destroy(new Error('QEMU went away'));
    await expect(writing).rejects.toThrow();
    expect(readdirSync(dir)).toEqual([]);
  });
});
