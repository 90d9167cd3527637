import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeStreamOptimizedVmdk } from '../../../src/formats/vmdk-stream.js';
import { tempDir } from '../../support/cli.js';

const MiB = 1024 * 1024;

/** A raw disk of `sizeMiB` with the given byte runs written into it. */
function rawDisk(dir: string, sizeMiB: number, writes: [offset: number, data: Buffer][]): string {
  const file = path.join(dir, 'disk.raw');
  execFileSync('qemu-img', ['create', '-q', '-f', 'raw', file, `${sizeMiB}M`]);
  const fd = openSync(file, 'r+');
  for (const [offset, data] of writes) writeSync(fd, data, 0, data.length, offset);
  closeSync(fd);
  return file;
}

function sector(file: string, index: number): Buffer {
  const fd = openSync(file, 'r');
  const b = Buffer.alloc(512);
  readSync(fd, b, 0, 512, index < 0 ? statSync(file).size + index * 512 : index * 512);
  closeSync(fd);
  return b;
}

const sample = (): [number, Buffer][] => [
  [0, Buffer.from('boot sector')],
  [5 * MiB + 100, randomBytes(200_000)],
  [40 * MiB - 10, Buffer.alloc(20, 0x61)], // straddles two grains and two grain tables
  [60 * MiB, Buffer.alloc(64 * 1024)], // written, but all zero: must not become a grain
];

describe('streamOptimized VMDK writer', () => {
  it('writes the spec layout (GD at end, markers, footer, EOS) that qemu-img checks and finds identical to the source', async () => {
    const dir = tempDir();
    const raw = rawDisk(dir, 64, sample());
    const out = path.join(dir, 'disk.vmdk');
    const result = await writeStreamOptimizedVmdk({ source: raw, output: out, adapterType: 'lsilogic' });
    expect(result.capacityBytes).toBe(64 * MiB);
    // Grains touched: 1 (boot), 4 (200 kB from 5 MiB+100), 2 (the straddle); the zero one is skipped.
    expect(result.grains).toBe(7);

    const head = sector(out, 0);
    expect(head.toString('latin1', 0, 4)).toBe('KDMV');
    expect(head.readUInt32LE(4)).toBe(3);
    expect(head.readUInt32LE(8)).toBe(0x30001);
    expect(head.readBigUInt64LE(56)).toBe(0xffffffffffffffffn);
    expect(head.readUInt16LE(77)).toBe(1);
    const descriptor = readFileSync(out)
      .subarray(512, 512 * 21)
      .toString('utf8');
    expect(descriptor).toContain('createType="streamOptimized"');
    expect(descriptor).toContain(`RW ${(64 * MiB) / 512} SPARSE "disk.vmdk"`);
    expect(descriptor).toContain('ddb.adapterType = "lsilogic"');

    // The last three sectors: footer marker, footer (the header with the real GD offset), EOS.
    const footerMarker = sector(out, -3);
    expect(footerMarker.readBigUInt64LE(0)).toBe(1n);
    expect(footerMarker.readUInt32LE(12)).toBe(3);
    const footer = sector(out, -2);
    const gdOffset = Number(footer.readBigUInt64LE(56));
    expect(footer.subarray(0, 56)).toEqual(head.subarray(0, 56));
    expect(sector(out, gdOffset - 1).readUInt32LE(12)).toBe(2); // GD marker before the GD
    expect(sector(out, -1)).toEqual(Buffer.alloc(512));
    expect(statSync(out).size % 512).toBe(0);

    expect(execFileSync('qemu-img', ['check', out], { encoding: 'utf8' })).toContain('No errors were found');
    expect(execFileSync('qemu-img', ['compare', '-f', 'raw', '-F', 'vmdk', raw, out], { encoding: 'utf8' })).toContain(
      'Images are identical',
    );
    expect(
      JSON.parse(execFileSync('qemu-img', ['info', '--output=json', out], { encoding: 'utf8' }))['format-specific']
        .data['create-type'],
    ).toBe('streamOptimized');
  });

  it('reads qcow2 in place, and compressed or backed qcow2 through a flattened copy; the same disk gives the same bytes', async () => {
    const dir = tempDir();
    const raw = rawDisk(dir, 48, sample().slice(0, 3));
    const plain = path.join(dir, 'plain.qcow2');
    const compressed = path.join(dir, 'compressed.qcow2');
    const overlay = path.join(dir, 'overlay.qcow2');
    execFileSync('qemu-img', ['convert', '-O', 'qcow2', raw, plain]);
    execFileSync('qemu-img', ['convert', '-c', '-O', 'qcow2', raw, compressed]);
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', plain, '-F', 'qcow2', overlay]);
    const outputs: Buffer[] = [];
    for (const source of [plain, compressed, overlay]) {
      const out = path.join(dir, 'same-name', 'disk.vmdk');
      execFileSync('mkdir', ['-p', path.dirname(out)]);
      await writeStreamOptimizedVmdk({ source, output: out });
      expect(
        execFileSync('qemu-img', ['compare', '-f', 'raw', '-F', 'vmdk', raw, out], { encoding: 'utf8' }),
      ).toContain('Images are identical');
      outputs.push(readFileSync(out));
      expect(readFileSync(out).length).toBeGreaterThan(0);
    }
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[2]).toEqual(outputs[0]);
    // No scratch copy or partial file is left next to the output.
    expect(execFileSync('ls', [path.join(dir, 'same-name')], { encoding: 'utf8' }).trim()).toBe('disk.vmdk');
  });

  it('a cancelled write leaves no file, not even a partial one', async () => {
    const dir = tempDir();
    const raw = rawDisk(dir, 64, [[0, randomBytes(32 * MiB)]]);
    const out = path.join(dir, 'disk.vmdk');
    const controller = new AbortController();
    const writing = writeStreamOptimizedVmdk({ source: raw, output: out, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(writing).rejects.toThrow();
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('disk.vmdk'))).toEqual([]);
  });
});
