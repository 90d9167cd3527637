/**
 * VMware's .vmx files (../shared/FORMATS.md §3): `key = "value"` lines, keys
 * case-insensitive. Written as Packer writes them: keys lower-cased and sorted, every value
 * quoted, no comments.
 */

export type VmxDiskAdapter = 'lsilogic' | 'lsisas1068' | 'buslogic' | 'pvscsi' | 'sata' | 'nvme' | 'ide';
export type VmxNic = 'e1000' | 'e1000e' | 'vmxnet3';
/** Every disk adapter and NIC a .vmx names, for option schemas. */
export const VMX_DISK_ADAPTERS: readonly VmxDiskAdapter[] = [
  'lsilogic',
  'lsisas1068',
  'buslogic',
  'pvscsi',
  'sata',
  'nvme',
  'ide',
];
export const VMX_NICS: readonly VmxNic[] = ['e1000', 'e1000e', 'vmxnet3'];

/** The machine a .vmx describes, as far as a build needs it. */
export interface VmxMachine {
  name: string;
  /** VMware's guest id (debian11-64, ubuntu-64, otherlinux-64). */
  guestOs: string;
  memoryMb: number;
  cpus: number;
  /** Cores per socket; undefined leaves VMware's default. */
  cores: number | undefined;
  /** virtualHW.version */
  hardwareVersion: number;
  firmware: 'bios' | 'efi';
  adapter: VmxDiskAdapter;
  /** The disk file, relative to the .vmx. */
  diskFile: string;
  /** undefined when the machine has no network adapter. */
  nic: VmxNic | undefined;
  /** ethernet0.connectionType: nat, bridged, hostonly, or custom. */
  network: string;
}

/** Reads a .vmx into lower-cased keys and unquoted values; comments and blank lines are dropped. */
export function parseVmx(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('//')) continue;
    const m = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    const value = m[2]!.trim();
    values.set(
      m[1]!.trim().toLowerCase(),
      value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value.slice(1, -1) : value,
    );
  }
  return values;
}

/** Writes keys lower-cased and sorted, every value quoted, as Packer does. */
export function encodeVmx(values: Map<string, string>): string {
  const keys = [...values.keys()].map((k) => k.toLowerCase()).sort();
  const lower = new Map([...values].map(([k, v]) => [k.toLowerCase(), v]));
  return `${keys.map((k) => `${k} = "${lower.get(k)!.replace(/"/g, '|22')}"`).join('\n')}\n`;
}

/** Where the disk sits on each adapter: the controller key prefix and the disk's slot. */
function diskSlot(adapter: VmxDiskAdapter): { controller: string; disk: string } {
  switch (adapter) {
    case 'sata':
      return { controller: 'sata0', disk: 'sata0:0' };
    case 'nvme':
      return { controller: 'nvme0', disk: 'nvme0:0' };
    case 'ide':
      return { controller: 'ide0', disk: 'ide0:0' };
    default:
      return { controller: 'scsi0', disk: 'scsi0:0' };
  }
}

/**
 * Packer's default key set for a machine, with `vmxData` (the template's vmx_data) merged
 * over it; `removeEthernet` drops every ethernet key (vmx_remove_ethernet_interfaces).
 */
export function vmxFor(
  m: VmxMachine,
  options: { vmxData?: Record<string, string>; removeEthernet?: boolean } = {},
): Map<string, string> {
  const v = new Map<string, string>([
    ['.encoding', 'UTF-8'],
    ['config.version', '8'],
    ['virtualhw.version', String(m.hardwareVersion)],
    ['virtualhw.productcompatibility', 'hosted'],
    ['displayname', m.name],
    ['guestos', m.guestOs],
    ['memsize', String(m.memoryMb)],
    ['numvcpus', String(m.cpus)],
    ['nvram', `${m.name}.nvram`],
    ['extendedconfigfile', `${m.name}.vmxf`],
    ['floppy0.present', 'FALSE'],
    ['usb.present', 'FALSE'],
    ['sound.present', 'FALSE'],
    ['tools.synctime', 'TRUE'],
    ['pcibridge0.present', 'TRUE'],
  ]);
  for (const n of [4, 5, 6, 7]) {
    v.set(`pcibridge${n}.present`, 'TRUE');
    v.set(`pcibridge${n}.virtualdev`, 'pcieRootPort');
    v.set(`pcibridge${n}.functions`, '8');
  }
  if (m.cores !== undefined) v.set('cpuid.corespersocket', String(m.cores));
  if (m.firmware === 'efi') v.set('firmware', 'efi');
  const slot = diskSlot(m.adapter);
  v.set(`${slot.controller}.present`, 'TRUE');
  if (slot.controller === 'scsi0') v.set('scsi0.virtualdev', m.adapter);
  v.set(`${slot.disk}.present`, 'TRUE');
  v.set(`${slot.disk}.filename`, m.diskFile);
  if (m.nic) {
    v.set('ethernet0.present', 'TRUE');
    v.set('ethernet0.connectiontype', m.network);
    v.set('ethernet0.virtualdev', m.nic);
    v.set('ethernet0.addresstype', 'generated');
  }
  for (const [key, value] of Object.entries(options.vmxData ?? {})) v.set(key.toLowerCase(), value);
  if (options.removeEthernet) for (const key of [...v.keys()]) if (key.startsWith('ethernet')) v.delete(key);
  return v;
}

/** The machine a parsed .vmx describes; throws with the reason when it names no disk. */
export function machineFromVmx(v: Map<string, string>): VmxMachine {
  const adapters: [string, VmxDiskAdapter | undefined][] = [
    ['scsi0:0', undefined],
    ['sata0:0', 'sata'],
    ['nvme0:0', 'nvme'],
    ['ide0:0', 'ide'],
  ];
  const found = adapters.find(
    ([slot]) => v.get(`${slot}.present`)?.toUpperCase() === 'TRUE' && v.get(`${slot}.filename`),
  );
  if (!found) throw new Error('it names no disk (no scsi0:0, sata0:0, nvme0:0 or ide0:0 with a fileName)');
  const [slot, kind] = found;
  const scsi = (v.get('scsi0.virtualdev') ?? 'lsilogic').toLowerCase();
  const adapter: VmxDiskAdapter =
    kind ?? (['lsilogic', 'lsisas1068', 'buslogic', 'pvscsi'].includes(scsi) ? (scsi as VmxDiskAdapter) : 'lsilogic');
  const nicPresent = v.get('ethernet0.present')?.toUpperCase() === 'TRUE';
  const nicDev = (v.get('ethernet0.virtualdev') ?? 'e1000').toLowerCase();
  const cores = v.get('cpuid.corespersocket');
  return {
    name: v.get('displayname') ?? 'vm',
    guestOs: v.get('guestos') ?? 'other-64',
    memoryMb: Number(v.get('memsize') ?? 512),
    cpus: Number(v.get('numvcpus') ?? 1),
    cores: cores === undefined ? undefined : Number(cores),
    hardwareVersion: Number(v.get('virtualhw.version') ?? 21),
    firmware: v.get('firmware')?.toLowerCase() === 'efi' ? 'efi' : 'bios',
    adapter,
    diskFile: v.get(`${slot}.filename`)!,
    nic: nicPresent ? ((['e1000', 'e1000e', 'vmxnet3'].includes(nicDev) ? nicDev : 'e1000') as VmxNic) : undefined,
    network: v.get('ethernet0.connectiontype') ?? 'nat',
  };
}
