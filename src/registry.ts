import { amazonEbsBuilder } from './builders/amazon/index.js';
import { dockerBuilder } from './builders/docker/index.js';
import { fileBuilder } from './builders/file/index.js';
import { nullBuilder } from './builders/null/index.js';
import { qemuBuilder } from './builders/qemu/index.js';
import { virtualBoxIsoBuilder, virtualBoxOvfBuilder } from './builders/virtualbox/index.js';
import { vmwareIsoBuilder, vmwareVmxBuilder } from './builders/vmware/index.js';
import type { Builder, PluginKind, PostProcessor, Provisioner } from './core/plugin.js';
import { dockerImportPostProcessor } from './post-processors/docker-import/index.js';
import { dockerPushPostProcessor } from './post-processors/docker-push/index.js';
import { dockerSavePostProcessor } from './post-processors/docker-save/index.js';
import { dockerTagPostProcessor } from './post-processors/docker-tag/index.js';
import { amazonImportPostProcessor } from './post-processors/amazon-import/index.js';
import { artificePostProcessor } from './post-processors/artifice/index.js';
import { checksumPostProcessor } from './post-processors/checksum/index.js';
import { compressPostProcessor } from './post-processors/compress/index.js';
import { manifestPostProcessor } from './post-processors/manifest/index.js';
import { shellLocalPostProcessor } from './post-processors/shell-local/index.js';
import { vagrantPostProcessor } from './post-processors/vagrant/index.js';
import { virtualBoxExportPostProcessor } from './post-processors/virtualbox-export/index.js';
import { vmwareExportPostProcessor } from './post-processors/vmware-export/index.js';
import { ansibleProvisioner } from './provisioners/ansible/index.js';
import { ansibleLocalProvisioner } from './provisioners/ansible-local/index.js';
import { breakpointProvisioner } from './provisioners/breakpoint/index.js';
import { fingerprintProvisioner } from './provisioners/fingerprint/index.js';
import { fileProvisioner } from './provisioners/file/index.js';
import { shellProvisioner } from './provisioners/shell/index.js';
import { shellLocalProvisioner } from './provisioners/shell-local/index.js';
import type { PluginRegistry } from './template/registry.js';

// Adding a plugin is adding its folder and one line here.
const builders: Builder[] = [
  nullBuilder as Builder,
  fileBuilder as Builder,
  qemuBuilder as Builder,
  dockerBuilder as Builder,
  virtualBoxIsoBuilder as Builder,
  virtualBoxOvfBuilder as Builder,
  vmwareIsoBuilder as Builder,
  vmwareVmxBuilder as Builder,
  amazonEbsBuilder as Builder,
];
const provisioners: Provisioner[] = [
  shellLocalProvisioner as Provisioner,
  shellProvisioner as Provisioner,
  fileProvisioner as Provisioner,
  breakpointProvisioner as Provisioner,
  fingerprintProvisioner as Provisioner,
  ansibleProvisioner as Provisioner,
  ansibleLocalProvisioner as Provisioner,
];
const postProcessors: PostProcessor[] = [
  manifestPostProcessor as PostProcessor,
  shellLocalPostProcessor as PostProcessor,
  checksumPostProcessor as PostProcessor,
  vagrantPostProcessor as PostProcessor,
  dockerTagPostProcessor as PostProcessor,
  dockerImportPostProcessor as PostProcessor,
  dockerSavePostProcessor as PostProcessor,
  dockerPushPostProcessor as PostProcessor,
  virtualBoxExportPostProcessor as PostProcessor,
  vmwareExportPostProcessor as PostProcessor,
  amazonImportPostProcessor as PostProcessor,
  compressPostProcessor as PostProcessor,
  artificePostProcessor as PostProcessor,
];

// Packer types users' templates name that boxwright will grow into; named so the error says "not yet", not "unknown".
const PLANNED: Record<PluginKind, string[]> = {
  builder: [
    'amazon-instance',
    'amazon-chroot',
    'amazon-ebssurrogate',
    'amazon-ebsvolume',
    'googlecompute',
    'azure-arm',
    'hyperv-iso',
    'hyperv-vmcx',
    'parallels-iso',
    'parallels-pvm',
    'vsphere-clone',
    'proxmox',
    'proxmox-iso',
    'proxmox-clone',
    'hcloud',
    'linode',
    'scaleway',
    'cloudstack',
    'oracle-oci',
    'alicloud-ecs',
    'tencentcloud-cvm',
    'yandex',
    'lxd',
    'lxc',
    'vagrant',
    'digitalocean',
    'openstack',
    'vsphere-iso',
  ],
  provisioner: [
    'chef-solo',
    'chef-client',
    'puppet-masterless',
    'puppet-server',
    'salt-masterless',
    'powershell',
    'windows-shell',
    'windows-restart',
    'inspec',
    'converge',
  ],
  'post-processor': [
    'vagrant-cloud',
    'vsphere',
    'vsphere-template',
    'googlecompute-import',
    'alicloud-import',
    'yandex-export',
    'exoscale-import',
    'googlecompute-export',
    'digitalocean-import',
  ],
};

/** The plugins compiled into boxwright. */
export const registry: PluginRegistry = {
  builder: (type) => builders.find((p) => p.type === type),
  provisioner: (type) => provisioners.find((p) => p.type === type),
  postProcessor: (type) => postProcessors.find((p) => p.type === type),
  implemented: (kind) =>
    (kind === 'builder' ? builders : kind === 'provisioner' ? provisioners : postProcessors).map((p) => p.type),
  planned: (kind) => PLANNED[kind],
};
