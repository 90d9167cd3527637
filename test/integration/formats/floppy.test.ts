import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeFloppy } from '../../../src/formats/floppy.js';
import { tempDir } from '../../support/cli.js';

const signal = new AbortController().signal;
const mtools = (tool: string, args: string[]) =>
  execFileSync(tool, args, { encoding: 'utf8', env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });

describe('floppy images (mtools)', () => {
  it('makes a 1.44 MB FAT floppy with the label and the whole tree', async () => {
    const dir = tempDir();
    const stage = path.join(dir, 'stage');
    mkdirSync(path.join(stage, 'scripts'), { recursive: true });
    writeFileSync(path.join(stage, 'Autounattend.xml'), '<unattend/>');
    writeFileSync(path.join(stage, 'scripts', 'setup.ps1'), 'Write-Host hi');
    const image = path.join(dir, 'floppy.img');
    await makeFloppy(stage, image, 'win answers', signal);
    expect(statSync(image).size).toBe(1_474_560);
    expect(mtools('mlabel', ['-i', image, '-s', '::'])).toContain('WIN ANSWERS');
    expect(mtools('mtype', ['-i', image, '::/Autounattend.xml'])).toBe('<unattend/>');
    expect(mtools('mtype', ['-i', image, '::/scripts/setup.ps1'])).toBe('Write-Host hi');
  });

  it('refuses files that do not fit, before writing anything', async () => {
    const dir = tempDir();
    const stage = path.join(dir, 'stage');
    mkdirSync(stage);
    writeFileSync(path.join(stage, 'big.bin'), Buffer.alloc(1_500_000));
    const image = path.join(dir, 'floppy.img');
    await expect(makeFloppy(stage, image, 'packer', signal)).rejects.toThrow('more than a 1.44 MB floppy holds');
    expect(existsSync(image)).toBe(false);
  });
});
