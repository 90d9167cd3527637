/**
 * What a builder or post-processor produced. `kind` says what a post-processor may take:
 * a post-processor declares the kinds it accepts, and the plan checks chains with it.
 */
export type ArtifactKind = 'none' | 'file' | 'qemu-disk' | 'virtualbox-ovf' | 'vmware-vmx' | 'docker-image' | 'docker-tar' | 'amazon-ami' | 'vagrant-box';

export interface Artifact {
  /** Stable id of what made it, as Packer's BuilderId (printed in machine-readable output). */
  builderId: string;
  kind: ArtifactKind;
  /** Packer's artifact id (an AMI id, an image id, a path). */
  id: string;
  files: string[];
  /** One human sentence, shown in the artifact list at the end of a build. */
  description: string;
  /** Removes what the artifact holds; used when a post-processor does not keep its input. */
  destroy(): Promise<void>;
  /** Facts later post-processors need (a disk's format, the accelerator it was built with). */
  properties?: Readonly<Record<string, string>>;
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
