import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import * as tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import {
  manifestText,
  parseOvf,
  renderOvf,
  STREAM_OPTIMIZED_URI,
  writeOva,
  type OvfMachine,
} from '../../../src/formats/ovf.js';
import { writeStreamOptimizedVmdk } from '../../../src/formats/vmdk-stream.js';
import { tempDir } from '../../support/cli.js';

const machine = (disk: { file: string; capacityBytes: number; fileBytes: number }): OvfMachine => ({
  name: 'debian-12 <dev>',
  osType: 'Debian_64',
  cpus: 2,
  memoryMb: 2048,
  controller: 'sata',
  nic: 'E1000',
  disks: [disk],
});

describe('OVF, manifest and OVA', () => {
  it('writes an OVF that parses back to the same machine, with the items VirtualBox requires', () => {
    const m = machine({ file: 'debian-disk001.vmdk', capacityBytes: 3 * 1024 ** 3, fileBytes: 1234 });
    const xml = renderOvf(m);
    expect(parseOvf(xml)).toEqual({ ...m, disks: [{ ...m.disks[0], fileBytes: 0 }] });
    expect(xml).toContain('xmlns="http://schemas.dmtf.org/ovf/envelope/1"');
    expect(xml).toContain(`ovf:format="${STREAM_OPTIMIZED_URI}"`);
    expect(xml).toContain('<OperatingSystemSection ovf:id="96">');
    expect(xml).toContain('<rasd:AllocationUnits>MegaBytes</rasd:AllocationUnits>');
    expect(xml).toContain('<rasd:ResourceSubType>AHCI</rasd:ResourceSubType>');
    expect(xml).toContain('ovf:id="debian-12 &lt;dev&gt;"');
    // rasd children in alphabetical order inside every item (VMware requires it).
    for (const block of xml.split('<Item>').slice(1)) {
      const names = [...block.split('</Item>')[0]!.matchAll(/<rasd:(\w+)>/g)].map((x) => x[1]!);
      expect(names).toEqual([...names].sort());
    }
    for (const [controller, sub] of [
      ['ide', 'PIIX4'],
      ['scsi', 'lsilogic'],
      ['nvme', 'NVMe'],
    ] as const) {
      const other = renderOvf({ ...m, controller, nic: 'PCNet32' });
      expect(other).toContain(`<rasd:ResourceSubType>${sub}</rasd:ResourceSubType>`);
      expect(parseOvf(other)).toMatchObject({ controller, nic: 'PCNet32' });
    }
  });

  it('refuses an OVF whose disk item points at no disk', () => {
    const xml = renderOvf(machine({ file: 'd.vmdk', capacityBytes: 1, fileBytes: 1 })).replace(
      '/disk/vmdisk1',
      '/disk/missing',
    );
    expect(() => parseOvf(xml)).toThrow('/disk/missing');
  });

  it('packs .ovf, .mf and the disk into an OVA in that order; the disk inside is the source disk', async () => {
    const dir = tempDir();
    const raw = path.join(dir, 'disk.raw');
    execFileSync('qemu-img', ['create', '-q', '-f', 'raw', raw, '16M']);
    const fd = openSync(raw, 'r+');
    writeSync(fd, randomBytes(300_000), 0, 300_000, 3 * 1024 * 1024);
    closeSync(fd);
    const vmdk = path.join(dir, 'box-disk001.vmdk');
    const written = await writeStreamOptimizedVmdk({ source: raw, output: vmdk });
    const ovf = path.join(dir, 'box.ovf');
    writeFileSync(
      ovf,
      renderOvf({
        ...machine({ file: 'box-disk001.vmdk', capacityBytes: written.capacityBytes, fileBytes: written.fileBytes }),
        name: 'box',
      }),
    );
    const mf = path.join(dir, 'box.mf');
    writeFileSync(mf, await manifestText([ovf, vmdk]));
    const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
    expect(readFileSync(mf, 'utf8')).toBe(`SHA256(box.ovf)= ${sha(ovf)}\nSHA256(box-disk001.vmdk)= ${sha(vmdk)}\n`);

    const ova = path.join(dir, 'box.ova');
    await writeOva(ova, ovf, mf, [vmdk]);
    const names: string[] = [];
    const extract = tar.extract();
    createReadStream(ova).pipe(extract);
    const copy = path.join(dir, 'from-ova.vmdk');
    for await (const entry of extract) {
      names.push(entry.header.name);
      expect(entry.header.type).toBe('file');
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      if (entry.header.name.endsWith('.vmdk')) writeFileSync(copy, Buffer.concat(chunks));
    }
    expect(names).toEqual(['box.ovf', 'box.mf', 'box-disk001.vmdk']);
    expect(statSync(copy).size).toBe(statSync(vmdk).size);
    expect(execFileSync('qemu-img', ['compare', '-f', 'raw', '-F', 'vmdk', raw, copy], { encoding: 'utf8' })).toContain(
      'Images are identical',
    );
  });
});
