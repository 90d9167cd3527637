/** The raw bytes a disk holds, as a SHA-256 and a length: equal for every format carrying the same disk. */
export interface DiskContent {
  sha256: string;
  bytes: number;
}

import type { Fingerprint } from './fingerprint.js';

/** What every artifact has, whatever made it. */
interface ArtifactBase {
  /** Stable id of what made it, as Packer's BuilderId (printed in machine-readable output). */
  builderId: string;
  /** Packer's artifact id (an AMI id list, an image id, a path). */
  id: string;
  files: string[];
  /** One human sentence, shown in the artifact list at the end of a build. */
  description: string;
  /** Removes what the artifact holds; used when a post-processor does not keep its input. */
  destroy(): Promise<void>;
  /** The disk it carries, once measured (export post-processors, amazon-import, the manifest). */
  content?: DiskContent;
  /** The disk artifact it was made from, when its content was not measured yet (a box from a qemu disk). */
  diskSource?: Artifact;
  /** The machine it holds, as its build saw it after provisioning. */
  fingerprint?: Fingerprint;
}

/** Nothing kept (null builder, a discarded container), or plain files. */
export interface FilesArtifact extends ArtifactBase {
  kind: 'none' | 'file';
}

/** A disk image from the qemu builder, with what a libvirt box needs to boot it again. */
export interface DiskImageArtifact extends ArtifactBase {
  kind: 'qemu-disk';
  disk: { format: 'qcow2' | 'raw'; accelerator: string; firmware: { kind: 'bios' } | { kind: 'efi'; code: string } };
}

/** A VirtualBox appliance: NAME.ovf + VMDK + .mf, or one .ova. */
export interface ApplianceArtifact extends ArtifactBase {
  kind: 'virtualbox-ovf';
  appliance: { format: 'ovf' | 'ova'; driver: string };
}

/** A VMware VM folder (.vmx and its disks). */
export interface VmxArtifact extends ArtifactBase {
  kind: 'vmware-vmx';
}

/** An image in the Docker engine, with the references docker-tag or docker-import gave it. */
export interface DockerImageArtifact extends ArtifactBase {
  kind: 'docker-image';
  image: { id: string; tags: string[] };
}

/** A container's file system exported as a tar (docker builder, export_path). */
export interface DockerTarArtifact extends ArtifactBase {
  kind: 'docker-tar';
}

/** AMIs, one per region, with the snapshots behind each and the AMI they were built from. */
export interface AmiArtifact extends ArtifactBase {
  kind: 'amazon-ami';
  amis: { region: string; id: string; snapshots?: string[] }[];
  sourceAmi?: string;
  /** amazon-import over EBS direct: the snapshot written and the checksum AWS accepted for it. */
  ebsDirect?: { snapshotId: string; aggregateChecksum: string; changedBlocks: number };
}

/** A Vagrant box for one provider. */
export interface VagrantBoxArtifact extends ArtifactBase {
  kind: 'vagrant-box';
  box: { provider: string; sha256: string };
}

/**
 * What a builder or post-processor produced. `kind` says what a post-processor may take:
 * a post-processor declares the kinds it accepts, and the plan checks chains with it.
 */
export type Artifact =
  | FilesArtifact
  | DiskImageArtifact
  | ApplianceArtifact
  | VmxArtifact
  | DockerImageArtifact
  | DockerTarArtifact
  | AmiArtifact
  | VagrantBoxArtifact;
export type ArtifactKind = Artifact['kind'];

/** The kinds whose artifacts are files on this machine: what checksum and compress can read. */
export const KINDS_WITH_FILES = [
  'file',
  'qemu-disk',
  'virtualbox-ovf',
  'vmware-vmx',
  'docker-tar',
  'vagrant-box',
] as const;
export type ArtifactOfKind<K extends ArtifactKind> = Extract<Artifact, { kind: K }>;

/** Narrows an input to the kind a post-processor needs; the plan checked the chain, so anything else is a bug. */
export function expectKind<K extends ArtifactKind>(artifact: Artifact, ...kinds: K[]): ArtifactOfKind<K> {
  if (!(kinds as ArtifactKind[]).includes(artifact.kind))
    throw new Error(`internal: expected ${kinds.join(' or ')}, got ${artifact.kind} (${artifact.id})`);
  return artifact as ArtifactOfKind<K>;
}

/** Packer's id of an AMI artifact: "REGION:AMI" pairs joined by commas. */
export function amiArtifactId(amis: AmiArtifact['amis']): string {
  return amis.map((a) => `${a.region}:${a.id}`).join(',');
}

/** The kinds of artifact each builder type produces, named for messages. */
export const KIND_NAMES: Record<ArtifactKind, string> = {
  none: 'nothing (no files)',
  file: 'files',
  'qemu-disk': 'a QEMU disk image',
  'virtualbox-ovf': 'a VirtualBox OVF/OVA',
  'vmware-vmx': 'a VMware VMX folder',
  'docker-image': 'a Docker image',
  'docker-tar': 'a Docker image tar',
  'amazon-ami': 'Amazon AMIs',
  'vagrant-box': 'a Vagrant box',
};
