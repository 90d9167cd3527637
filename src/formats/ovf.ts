import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { XMLParser } from 'fast-xml-parser';
import * as tar from 'tar-stream';
import { streamToFile } from '../util/stream-to-file.js';
import type { VmxDiskAdapter, VmxNic } from './vmx.js';

/**
 * OVF 1.0 envelopes, manifests and OVA archives as VirtualBox writes and reads them
 * (../shared/FORMATS.md §2): one virtual system, its disks as streamOptimized VMDKs.
 */

export type DiskController = 'ide' | 'sata' | 'scsi' | 'nvme' | 'virtio';
export type NicType = 'E1000' | 'PCNet32' | 'virtio';

/** VirtualBox's nic_type names, to the chip family an OVF records. */
export const OVF_NIC_OF_VIRTUALBOX_TYPE: Readonly<Record<string, NicType>> = {
  '82540EM': 'E1000',
  '82543GC': 'E1000',
  '82545EM': 'E1000',
  Am79C970A: 'PCNet32',
  Am79C973: 'PCNet32',
  virtio: 'virtio',
};

/** VirtualBox's hard_drive_interface names, to the controller an OVF records. */
export const OVF_CONTROLLER_OF_VIRTUALBOX: Readonly<
  Record<'ide' | 'sata' | 'scsi' | 'pcie' | 'virtio', DiskController>
> = {
  ide: 'ide',
  sata: 'sata',
  scsi: 'scsi',
  pcie: 'nvme',
  virtio: 'virtio',
};

export interface OvfDisk {
  /** File name next to the .ovf (or inside the .ova). */
  file: string;
  capacityBytes: number;
  fileBytes: number;
}

export interface OvfMachine {
  name: string;
  /** VirtualBox OS type id (Debian_64, Ubuntu_64, ...). */
  osType: string;
  cpus: number;
  memoryMb: number;
  controller: DiskController;
  nic: NicType;
  /** UEFI; absent for BIOS. Written as the firmware key VMware reads (vmw:Config), which VirtualBox 7 imports too. */
  firmware?: 'efi';
  /** For VMware: its virtual hardware family and its own names for the guest, the disk adapter and the NIC. */
  vmware?: { hardwareVersion: number; guestOs: string; adapter: VmxDiskAdapter; nic: VmxNic | undefined };
  disks: OvfDisk[];
}

/** VMware's OVF names for its disk adapters (ResourceType, ResourceSubType), as ovftool writes them. */
const VMWARE_CONTROLLER: Record<VmxDiskAdapter, { type: number; subtype: string }> = {
  lsilogic: { type: 6, subtype: 'lsilogic' },
  lsisas1068: { type: 6, subtype: 'lsilogicsas' },
  buslogic: { type: 6, subtype: 'buslogic' },
  pvscsi: { type: 6, subtype: 'VirtualSCSI' },
  sata: { type: 20, subtype: 'vmware.sata.ahci' },
  nvme: { type: 20, subtype: 'vmware.nvme.controller' },
  ide: { type: 5, subtype: 'PIIX4' },
};
const VMWARE_NIC: Record<VmxNic, string> = { e1000: 'E1000', e1000e: 'E1000e', vmxnet3: 'VmxNet3' };

/** The vSphere guest id OVF readers expect for a .vmx guestOS id: "debian11-64" → "debian11_64Guest", "ubuntu-64" → "ubuntu64Guest". */
export function vsphereGuestId(vmxGuestOs: string): string {
  const id = vmxGuestOs
    .toLowerCase()
    .replace(/^otherlinux/, 'otherLinux')
    .replace(/^other(\d)xlinux/, 'other$1xLinux');
  if (id === 'other-64') return 'otherGuest64';
  const m = /^(.*)-64$/.exec(id);
  if (!m) return `${id}Guest`;
  return /\d$/.test(m[1]!) ? `${m[1]}_64Guest` : `${m[1]}64Guest`;
}

export const STREAM_OPTIMIZED_URI = 'http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized';

/** CIM operating system ids for VirtualBox OS types; the OperatingSystemSection needs a number. */
const CIM_OS: Record<string, number> = {
  Other: 1,
  Linux: 36,
  Linux26: 36,
  Other_64: 102,
  Linux_64: 101,
  Linux26_64: 100,
  RedHat: 79,
  RedHat_64: 80,
  Ubuntu: 93,
  Ubuntu_64: 94,
  Debian: 95,
  Debian_64: 96,
  Oracle: 108,
  Oracle_64: 109,
  FreeBSD: 42,
  FreeBSD_64: 78,
  Windows10: 119,
  Windows10_64: 120,
  Windows2016_64: 118,
  Windows2012_64: 112,
  Windows2008_64: 103,
};

export function cimOsId(osType: string): number {
  return CIM_OS[osType] ?? (osType.endsWith('_64') ? 102 : 1);
}

const CONTROLLER_ITEM: Record<DiskController, { type: number; subtype: string; name: string }> = {
  ide: { type: 5, subtype: 'PIIX4', name: 'ideController0' },
  sata: { type: 20, subtype: 'AHCI', name: 'sataController0' },
  scsi: { type: 6, subtype: 'lsilogic', name: 'scsiController0' },
  nvme: { type: 20, subtype: 'NVMe', name: 'nvmeController0' },
  virtio: { type: 20, subtype: 'VirtioSCSI', name: 'virtioController0' },
};

const escape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** An Item with its rasd children in alphabetical order, as VMware requires and VirtualBox writes. */
function item(fields: Record<string, string | number>): string {
  const body = Object.keys(fields)
    .sort()
    .map((k) => `        <rasd:${k}>${escape(String(fields[k]))}</rasd:${k}>`)
    .join('\n');
  return `      <Item>\n${body}\n      </Item>`;
}

export function renderOvf(m: OvfMachine): string {
  const controller = m.vmware
    ? { ...CONTROLLER_ITEM[m.controller], ...VMWARE_CONTROLLER[m.vmware.adapter] }
    : CONTROLLER_ITEM[m.controller];
  const items = [
    item({
      Caption: `${m.cpus} virtual CPU`,
      Description: 'Number of virtual CPUs',
      ElementName: `${m.cpus} virtual CPU`,
      InstanceID: 1,
      ResourceType: 3,
      VirtualQuantity: m.cpus,
    }),
    item({
      AllocationUnits: 'MegaBytes',
      Caption: `${m.memoryMb} MB of memory`,
      Description: 'Memory Size',
      ElementName: `${m.memoryMb} MB of memory`,
      InstanceID: 2,
      ResourceType: 4,
      VirtualQuantity: m.memoryMb,
    }),
    item({
      Address: 0,
      Caption: controller.name,
      Description: `${m.controller.toUpperCase()} Controller`,
      ElementName: controller.name,
      InstanceID: 3,
      ResourceSubType: controller.subtype,
      ResourceType: controller.type,
    }),
    ...m.disks.map((_, i) =>
      item({
        AddressOnParent: i,
        Caption: `disk${i + 1}`,
        Description: 'Disk Image',
        ElementName: `disk${i + 1}`,
        HostResource: `/disk/vmdisk${i + 1}`,
        InstanceID: 4 + i,
        Parent: 3,
        ResourceType: 17,
      }),
    ),
    item({
      AutomaticAllocation: 'true',
      Caption: `Ethernet adapter on 'NAT'`,
      Connection: 'NAT',
      ElementName: `Ethernet adapter on 'NAT'`,
      InstanceID: 4 + m.disks.length,
      ResourceSubType: m.vmware?.nic ? VMWARE_NIC[m.vmware.nic] : m.nic,
      ResourceType: 10,
    }),
  ];
  return `<?xml version="1.0"?>
<Envelope ovf:version="1.0" xml:lang="en-US" xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:vbox="http://www.virtualbox.org/ovf/machine" xmlns:vmw="http://www.vmware.com/schema/ovf">
  <References>
${m.disks.map((d, i) => `    <File ovf:id="file${i + 1}" ovf:href="${escape(d.file)}" ovf:size="${d.fileBytes}"/>`).join('\n')}
  </References>
  <DiskSection>
    <Info>List of the virtual disks used in the package</Info>
${m.disks.map((d, i) => `    <Disk ovf:capacity="${d.capacityBytes}" ovf:diskId="vmdisk${i + 1}" ovf:fileRef="file${i + 1}" ovf:format="${STREAM_OPTIMIZED_URI}"/>`).join('\n')}
  </DiskSection>
  <NetworkSection>
    <Info>Logical networks used in the package</Info>
    <Network ovf:name="NAT">
      <Description>Logical network used by this appliance.</Description>
    </Network>
  </NetworkSection>
  <VirtualSystem ovf:id="${escape(m.name)}">
    <Info>A virtual machine</Info>
    <OperatingSystemSection ovf:id="${cimOsId(m.osType)}"${m.vmware ? ` vmw:osType="${escape(vsphereGuestId(m.vmware.guestOs))}"` : ''}>
      <Info>The kind of installed guest operating system</Info>
      ${m.vmware ? `<Description>${escape(m.vmware.guestOs)}</Description>` : `<vbox:OSType ovf:required="false">${escape(m.osType)}</vbox:OSType>`}
    </OperatingSystemSection>
    <VirtualHardwareSection>
      <Info>Virtual hardware requirements for a virtual machine</Info>
      <System>
        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>
        <vssd:InstanceID>0</vssd:InstanceID>
        <vssd:VirtualSystemIdentifier>${escape(m.name)}</vssd:VirtualSystemIdentifier>
        <vssd:VirtualSystemType>${m.vmware ? `vmx-${String(m.vmware.hardwareVersion).padStart(2, '0')}` : 'virtualbox-2.2'}</vssd:VirtualSystemType>
      </System>
${items.join('\n')}${m.firmware === 'efi' ? '\n      <vmw:Config ovf:required="false" vmw:key="firmware" vmw:value="efi"/>' : ''}
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
`;
}

type Node = Record<string, unknown>;
const list = (v: unknown): Node[] => (v === undefined ? [] : Array.isArray(v) ? (v as Node[]) : [v as Node]);

/** Reads an OVF back into the machine it describes; throws with the reason when VirtualBox would refuse it. */
export function parseOvf(xml: string): OvfMachine {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    removeNSPrefix: true,
    parseTagValue: false,
    textNodeName: '#text',
  });
  const doc = parser.parse(xml) as Node;
  const envelope = doc.Envelope as Node | undefined;
  if (!envelope) throw new Error('not an OVF file: no Envelope element');
  const files = new Map(
    list((envelope.References as Node | undefined)?.File).map((f) => [String(f['@id']), String(f['@href'])]),
  );
  const diskNodes = list((envelope.DiskSection as Node | undefined)?.Disk);
  const systems = list(envelope.VirtualSystem);
  if (systems.length !== 1)
    throw new Error(`the OVF holds ${systems.length} virtual systems; boxwright reads exactly one`);
  const system = systems[0]!;
  const os = system.OperatingSystemSection as Node | undefined;
  const osTypeNode = os?.OSType as Node | string | undefined;
  const osType = typeof osTypeNode === 'object' ? String(osTypeNode['#text'] ?? '') : String(osTypeNode ?? '');
  const hardware = system.VirtualHardwareSection as Node | undefined;
  const items = [...list(hardware?.Item), ...list(hardware?.StorageItem), ...list(hardware?.EthernetPortItem)];
  const value = (it: Node, key: string) => {
    const v = it[key];
    return typeof v === 'object' && v !== null
      ? String((v as Node)['#text'] ?? '')
      : v === undefined
        ? undefined
        : String(v);
  };
  const byType = (t: number) => items.filter((it) => Number(value(it, 'ResourceType')) === t);
  const cpus = Number(value(byType(3)[0] ?? {}, 'VirtualQuantity') ?? 1);
  const memoryItem = byType(4)[0] ?? {};
  const units = value(memoryItem, 'AllocationUnits') ?? 'MegaBytes';
  const memoryMb =
    Number(value(memoryItem, 'VirtualQuantity') ?? 0) * (/^(GigaBytes|GB|byte \* 2\^30)$/.test(units) ? 1024 : 1);
  const controllerItem = [...byType(5), ...byType(6), ...byType(20)][0];
  const subtype = controllerItem ? (value(controllerItem, 'ResourceSubType') ?? '') : '';
  const controller: DiskController = !controllerItem
    ? 'sata'
    : Number(value(controllerItem, 'ResourceType')) === 5
      ? 'ide'
      : Number(value(controllerItem, 'ResourceType')) === 6
        ? 'scsi'
        : /nvme/i.test(subtype)
          ? 'nvme'
          : /virtio/i.test(subtype)
            ? 'virtio'
            : 'sata';
  const nicSub = value(byType(10)[0] ?? {}, 'ResourceSubType') ?? 'E1000';
  const nic: NicType = /pcnet/i.test(nicSub) ? 'PCNet32' : /virtio/i.test(nicSub) ? 'virtio' : 'E1000';
  const disks = byType(17).map((it) => {
    const ref = (value(it, 'HostResource') ?? '').replace(/^ovf:\/\/?disk\/|^\/disk\//, '');
    const disk = diskNodes.find((d) => String(d['@diskId']) === ref);
    if (!disk)
      throw new Error(`a disk item refers to "${value(it, 'HostResource')}", which the DiskSection does not define`);
    const file = files.get(String(disk['@fileRef']));
    if (!file) throw new Error(`disk ${ref} refers to file "${disk['@fileRef']}", which References does not list`);
    return { file, capacityBytes: Number(disk['@capacity']), fileBytes: 0 };
  });
  const efi = list(hardware?.Config).some(
    (c) => String(c['@key']) === 'firmware' && /^efi$/i.test(String(c['@value'])),
  );
  return {
    name: String(system['@id'] ?? ''),
    osType,
    cpus,
    memoryMb,
    controller,
    nic,
    ...(efi ? { firmware: 'efi' as const } : {}),
    disks,
  };
}

/** SHA256 of each file, streamed, as manifest lines in the compact form both VirtualBox and ESXi read. */
export async function manifestText(files: string[]): Promise<string> {
  const lines: string[] = [];
  for (const file of files) {
    const hash = createHash('sha256');
    await pipeline(createReadStream(file), hash);
    lines.push(`SHA256(${path.basename(file)})= ${hash.digest('hex')}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Packs an OVA: the .ovf first, the .mf next, then the disks in References order, bare
 * names and regular files only, so VirtualBox's forward-only reader finds every disk.
 */
export async function writeOva(
  output: string,
  ovfFile: string,
  mfFile: string,
  disks: string[],
  signal: AbortSignal = new AbortController().signal,
): Promise<void> {
  const pack = tar.pack();
  const writing = streamToFile(pack as unknown as NodeJS.ReadableStream, output, signal);
  try {
    for (const file of [ovfFile, mfFile, ...disks]) {
      const { size } = await stat(file);
      await new Promise<void>((resolve, reject) => {
        const entry = pack.entry(
          { name: path.basename(file), size, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, type: 'file' },
          (err) => (err ? reject(err) : resolve()),
        );
        createReadStream(file).on('error', reject).pipe(entry);
      });
    }
    pack.finalize();
  } catch (err) {
    // Ending the archive with an error makes streamToFile remove the partial file.
    pack.destroy(err as Error);
  }
  await writing;
}
