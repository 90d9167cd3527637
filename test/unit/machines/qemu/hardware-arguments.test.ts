import { describe, expect, it } from 'vitest';
import { machineSignature, qemuArguments, type MachineSpec } from '../../../../src/machines/qemu/machine.js';
import { virtualBoxProfile } from '../../../../src/machines/qemu/profiles.js';

function spec(extra: Partial<MachineSpec> = {}): MachineSpec {
  return {
    accelerator: 'tcg',
    machineType: 'pc',
    memoryMb: 1024,
    cpus: 2,
    disks: [{ file: '/d/disk.qcow2', format: 'qcow2' }],
    diskInterface: 'virtio',
    cdroms: [],
    firmware: { kind: 'bios' },
    bootFromCdrom: false,
    netDevice: 'virtio-net-pci',
    workDir: '/w',
    extraArgs: [],
    ...extra,
  };
}

/** The value after each occurrence of a flag. */
const valuesOf = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));

describe('QEMU arguments from a hardware profile', () => {
  it('puts a VirtualBox SATA disk on an AHCI controller and an Intel NIC on e1000', () => {
    const profile = virtualBoxProfile({ controller: 'sata', nicType: '82540EM', chipset: 'piix3' });
    const args = qemuArguments(spec({ ...profile }));
    expect(valuesOf(args, '-machine')).toEqual(['pc']);
    expect(valuesOf(args, '-device')).toEqual(['ahci,id=ahci0', 'ide-hd,drive=disk0,bus=ahci0.0', 'e1000,netdev=net0']);
  });

  it('gives the ICH9 chipset the q35 machine, and the AMD NIC types PCnet', () => {
    const profile = virtualBoxProfile({ controller: 'ide', nicType: 'Am79C973', chipset: 'ich9' });
    expect(profile).toEqual({ machineType: 'q35', diskInterface: 'ide', netDevice: 'pcnet' });
    const args = qemuArguments(spec({ ...profile }));
    expect(valuesOf(args, '-drive')[0]).toMatch(/,if=ide$/);
    expect(valuesOf(args, '-device')).toContain('pcnet,netdev=net0');
  });

  it('maps each VirtualBox controller to the QEMU part with the same guest driver', () => {
    const disk = (controller: 'ide' | 'sata' | 'scsi' | 'pcie' | 'virtio') =>
      virtualBoxProfile({ controller, nicType: 'virtio', chipset: 'piix3' }).diskInterface;
    expect([disk('ide'), disk('sata'), disk('scsi'), disk('pcie'), disk('virtio')]).toEqual([
      'ide',
      'sata',
      'lsi',
      'nvme',
      'virtio-scsi',
    ]);
    expect(valuesOf(qemuArguments(spec({ diskInterface: 'lsi' })), '-device')).toContain('lsi53c895a,id=scsi0');
    expect(valuesOf(qemuArguments(spec({ diskInterface: 'nvme' })), '-device')).toContain(
      'nvme,serial=boxwright0,drive=disk0',
    );
  });

  it('forwards the SSH port on loopback only, and boots an installer from the CD once', () => {
    const args = qemuArguments(
      spec({ cdroms: ['/i/installer.iso'], bootFromCdrom: true, sshForward: { hostPort: 2345, guestPort: 22 } }),
    );
    expect(valuesOf(args, '-netdev')).toEqual(['user,id=net0,hostfwd=tcp:127.0.0.1:2345-:22']);
    expect(valuesOf(args, '-boot')).toEqual(['once=d']);
    expect(valuesOf(args, '-drive')).toContain('file=/i/installer.iso,media=cdrom,readonly=on,if=ide,index=2');
  });

  it("boots UEFI from OVMF with the build's own copy of the variable store", () => {
    const args = qemuArguments(
      spec({
        firmware: { kind: 'efi', code: '/ovmf/CODE.fd', varsTemplate: '/ovmf/VARS.fd' },
        efiVars: '/out/efivars.fd',
      }),
    );
    expect(valuesOf(args, '-drive').filter((d) => d.startsWith('if=pflash'))).toEqual([
      'if=pflash,format=raw,unit=0,file=/ovmf/CODE.fd,readonly=on',
      'if=pflash,format=raw,unit=1,file=/out/efivars.fd',
    ]);
  });

  it("writes Packer's disk_cache, disk_discard and disk_detect_zeroes into every drive", () => {
    const args = qemuArguments(spec({ drive: { cache: 'unsafe', discard: 'ignore', detectZeroes: 'unmap' } }));
    expect(valuesOf(args, '-drive')).toEqual([
      'file=/d/disk.qcow2,format=qcow2,cache=unsafe,discard=ignore,detect-zeroes=unmap,if=virtio',
    ]);
  });
});

describe('the signature a saved machine state loads under', () => {
  const VERSION = 'QEMU emulator version 7.2.22';
  const base = machineSignature(spec(), VERSION);

  it('stays the same when only where things are changes: files, sockets, the forwarded port, VNC', () => {
    const moved = spec({
      disks: [{ file: '/elsewhere/layer-2.qcow2', format: 'qcow2' }],
      workDir: '/tmp/qemu-other',
      sshForward: { hostPort: 4022, guestPort: 22 },
      vnc: { bindAddress: '127.0.0.1', display: 12, password: false },
    });
    expect(machineSignature(moved, VERSION)).toBe(
      machineSignature(spec({ sshForward: { hostPort: 3001, guestPort: 22 } }), VERSION),
    );
    expect(machineSignature(spec({ workDir: '/x', disks: [{ file: '/y.qcow2', format: 'qcow2' }] }), VERSION)).toBe(
      base,
    );
  });

  it('leaves out the boot order: a machine that booted an installer continues as one that did not', () => {
    expect(machineSignature(spec({ cdroms: ['/iso/a.iso'], bootFromCdrom: true }), VERSION)).toBe(
      machineSignature(spec({ cdroms: ['/other/a.iso'], bootFromCdrom: false }), VERSION),
    );
  });

  it('changes with QEMU, the accelerator and any device the state describes', () => {
    const changed = [
      machineSignature(spec(), 'QEMU emulator version 8.2.0'),
      machineSignature(spec({ accelerator: 'kvm' }), VERSION),
      machineSignature(spec({ memoryMb: 2048 }), VERSION),
      machineSignature(spec({ cpus: 1 }), VERSION),
      machineSignature(spec({ netDevice: 'e1000' }), VERSION),
      machineSignature(spec({ cdroms: ['/iso/seed.iso'] }), VERSION),
      machineSignature(spec({ extraArgs: [['-device', 'virtio-rng-pci']] }), VERSION),
    ];
    for (const signature of changed) expect(signature).not.toBe(base);
    expect(new Set(changed).size).toBe(changed.length);
  });
});
