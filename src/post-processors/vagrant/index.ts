import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { expectKind, type Artifact } from '../../core/artifact.js';
import type { PostProcessor, PostProcessResult, RunContext } from '../../core/plugin.js';
import { isBoxVersion, recordInCatalog, versionFromDate } from '../../formats/box-catalog.js';
import { writeBox, type BoxEntry } from '../../formats/vagrant-box.js';
import { chooseGzip } from '../../formats/gzip-engine.js';
import { archiveTime } from '../../formats/tarball.js';
import { openAppliance } from '../../formats/appliance.js';
import { qemuImg } from '../../util/qemu-img.js';

interface ProviderOptions {
  output: string;
  compressionLevel: number;
  include: string[];
  vagrantfileTemplate: string | undefined;
}

interface VagrantConfig extends ProviderOptions {
  /** The catalog's box name (default: local/ and the template's file name), shared by every build and provider of a template. */
  boxName: string;
  /** X.Y.Z; default: the build's start time, so newer builds sort higher. */
  boxVersion: string | undefined;
  boxDescription: string | undefined;
  /** Record the box in OUTPUT_DIR/BOX_NAME.json for `vagrant box add` and `vagrant box update`. */
  catalog: boolean;
  providerOverride: string | undefined;
  architecture: string | undefined;
  /** Per-provider replacements of the options above (Packer's "override"). */
  override: Record<string, Partial<ProviderOptions>>;
}

/** What goes into a box for one provider, besides the Vagrantfile and includes. */
interface ProviderContents {
  entries: BoxEntry[];
  metadata: Record<string, unknown>;
  vagrantfile: string;
  /** Removes what the provider unpacked for the box (an OVA's files), once the box is written. */
  cleanup?: () => Promise<void>;
}

const PROVIDERS: Record<string, (artifact: Artifact, ctx: RunContext) => Promise<ProviderContents>> = {
  async libvirt(artifact, ctx) {
    const disk = artifact.files[0]!;
    const info = await qemuImg.info(disk, ctx.signal);
    if (info.format !== 'qcow2')
      throw new Error(
        `a libvirt box needs a qcow2 disk, but ${path.basename(disk)} is ${info.format}; set "format": "qcow2" in the qemu builder`,
      );
    // vagrant-libvirt wants whole GiB; round up so the guest never sees a smaller disk.
    const virtualSize = Math.ceil(info.virtualSize / 1024 ** 3);
    const { accelerator, firmware } = expectKind(artifact, 'qemu-disk').disk;
    const driver = accelerator === 'kvm' ? 'kvm' : 'qemu';
    // A disk built under UEFI may not boot under libvirt's default BIOS; the box names the OVMF the build used.
    const efiCode = firmware.kind === 'efi' ? firmware.code : undefined;
    const loader = efiCode ? `    libvirt.loader = "${efiCode}"\n` : '';
    return {
      entries: [{ name: 'box.img', path: disk }],
      metadata: { provider: 'libvirt', format: 'qcow2', virtual_size: virtualSize },
      vagrantfile: `Vagrant.configure("2") do |config|\n  config.vm.provider :libvirt do |libvirt|\n    libvirt.driver = "${driver}"\n${loader}  end\nend\n`,
    };
  },
  async virtualbox(artifact, ctx) {
    // A box holds the appliance unpacked, with its OVF named box.ovf, as `vagrant package` writes it.
    const source = artifact.files.find((f) => /\.(ovf|ova)$/i.test(f));
    if (!source)
      throw new Error(
        `a virtualbox box needs an .ovf or .ova, and the build made ${artifact.files.map((f) => path.basename(f)).join(', ') || 'no files'}`,
      );
    const appliance = await openAppliance(source, ctx.signal);
    const ovfText = await readFile(appliance.ovfFile, 'utf8');
    // VirtualBox's own exports carry the NIC's MAC; Vagrant sets it again on `vagrant up`.
    const mac = /MACAddress="([0-9A-Fa-f]{12})"/.exec(ovfText)?.[1];
    return {
      entries: [
        { name: 'box.ovf', content: ovfText },
        ...appliance.machine.disks.map((d) => ({ name: d.file, path: path.join(appliance.dir, d.file) })),
      ],
      metadata: { provider: 'virtualbox' },
      vagrantfile: `Vagrant.configure("2") do |config|\n${mac ? `  config.vm.base_mac = "${mac}"\n` : ''}end\n`,
      cleanup: async () => {
        if (appliance.unpacked) await rm(appliance.unpacked, { recursive: true, force: true });
      },
    };
  },
  async vmware_desktop(artifact) {
    // The VM folder as VMware leaves it, minus logs and lock files, which belong to one run on one host.
    const files = artifact.files.filter((f) => !/\.(log|lck)$/i.test(f) && !/\.lck[\\/]/i.test(f));
    if (!files.some((f) => f.toLowerCase().endsWith('.vmx')))
      throw new Error(
        `a vmware_desktop box needs a .vmx, and the build made ${artifact.files.map((f) => path.basename(f)).join(', ') || 'no files'}`,
      );
    return {
      entries: files.map((f) => ({ name: path.basename(f), path: f })),
      metadata: { provider: 'vmware_desktop' },
      vagrantfile: 'Vagrant.configure("2") do |config|\nend\n',
    };
  },
  async aws(artifact) {
    const amis = expectKind(artifact, 'amazon-ami').amis;
    if (amis.length === 0) throw new Error(`an aws box needs AMIs, and the build made none (${artifact.id})`);
    const regions = amis
      .map(({ region, id: ami }) => `    aws.region_config ${JSON.stringify(region)}, ami: ${JSON.stringify(ami)}\n`)
      .join('');
    return {
      entries: [],
      metadata: { provider: 'aws' },
      vagrantfile: `Vagrant.configure("2") do |config|\n  config.vm.provider :aws do |aws|\n${regions}  end\nend\n`,
    };
  },
  async docker(artifact) {
    // A tag survives a rebuild that replaces the image id; the id is used when there is no tag.
    const image = expectKind(artifact, 'docker-image').image.tags[0] ?? artifact.id;
    return {
      entries: [],
      metadata: { provider: 'docker' },
      vagrantfile: `Vagrant.configure("2") do |config|\n  config.vm.provider :docker do |docker|\n    docker.image = ${JSON.stringify(image)}\n  end\nend\n`,
    };
  },
};

/** The provider each artifact kind becomes, as Packer maps builders to providers. */
const PROVIDER_OF: Partial<Record<Artifact['kind'], string>> = {
  'qemu-disk': 'libvirt',
  'docker-image': 'docker',
  'virtualbox-ovf': 'virtualbox',
  'vmware-vmx': 'vmware_desktop',
  'amazon-ami': 'aws',
};

/** Providers whose box only points at the input (an image in the engine), so the input must stay. */
const REFERENCING_PROVIDERS = new Set(['docker', 'aws']);

const options = {
  output: { type: 'string', minLength: 1 },
  compression_level: { type: 'integer', minimum: 0, maximum: 9 },
  include: { type: 'array', items: { type: 'string', minLength: 1 } },
  vagrantfile_template: { type: 'string', minLength: 1 },
};

/** Packages a build's output as a Vagrant box (Packer's vagrant post-processor). */
export const vagrantPostProcessor: PostProcessor<VagrantConfig> = {
  kind: 'post-processor',
  type: 'vagrant',
  accepts: ['qemu-disk', 'docker-image', 'virtualbox-ovf', 'vmware-vmx', 'amazon-ami'],
  produces: 'vagrant-box',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...options,
      output: { ...options.output, default: 'boxes/packer_{{.BuildName}}_{{.Provider}}.box' },
      compression_level: { ...options.compression_level, default: 6 },
      include: { ...options.include, default: [] },
      vagrantfile_template_generated: { type: 'boolean' },
      box_name: { type: 'string', minLength: 1 },
      box_version: { type: 'string', minLength: 1, description: '"1.2.0"' },
      box_description: { type: 'string' },
      catalog: { type: 'boolean', default: true },
      provider_override: { type: 'string', enum: ['libvirt', 'virtualbox', 'vmware_desktop', 'docker', 'aws'] },
      architecture: { type: 'string', enum: ['amd64', 'arm64', 'i386'] },
      override: {
        type: 'object',
        additionalProperties: { type: 'object', additionalProperties: false, properties: options },
      },
    },
  },
  lateFields: { output: ['BuildName', 'Provider', 'ArtifactId'], override: ['BuildName', 'Provider', 'ArtifactId'] },
  prepare(o, ctx) {
    for (const [i, file] of ((o.include as string[]) ?? []).entries()) {
      if (!existsSync(file))
        ctx.problems.error(
          ['include', i],
          `"${file}" does not exist`,
          'paths are relative to the directory boxwright runs in',
        );
    }
    if (typeof o.vagrantfile_template === 'string' && !existsSync(o.vagrantfile_template))
      ctx.problems.error(['vagrantfile_template'], `"${o.vagrantfile_template}" does not exist`);
    const override = Object.fromEntries(
      Object.entries((o.override as Record<string, Record<string, unknown>>) ?? {}).map(([provider, v]) => [
        provider,
        {
          output: v.output as string | undefined,
          compressionLevel: v.compression_level as number | undefined,
          include: v.include as string[] | undefined,
          vagrantfileTemplate: v.vagrantfile_template as string | undefined,
        },
      ]),
    );
    if (typeof o.box_version === 'string' && !isBoxVersion(o.box_version))
      ctx.problems.error(
        ['box_version'],
        `"${o.box_version}" is not a version Vagrant accepts`,
        'write X.Y.Z with numbers, such as "1.2.0"',
      );
    return {
      // One name for every build and provider of a template; the "local/" namespace keeps its
      // catalog file (local-NAME.json) from ever being the template itself (NAME.json).
      boxName: (o.box_name as string | undefined) ?? `local/${ctx.templateName}`,
      boxVersion: o.box_version as string | undefined,
      boxDescription: o.box_description as string | undefined,
      catalog: o.catalog as boolean,
      output: o.output as string,
      compressionLevel: o.compression_level as number,
      include: o.include as string[],
      vagrantfileTemplate: o.vagrantfile_template as string | undefined,
      providerOverride: o.provider_override as string | undefined,
      architecture: o.architecture as string | undefined,
      override,
    };
  },
  async process(config, artifact, ctx) {
    const provider = config.providerOverride ?? PROVIDER_OF[artifact.kind];
    const make = provider ? PROVIDERS[provider] : undefined;
    if (!provider || !make) throw new Error(`no Vagrant provider takes ${artifact.kind} artifacts yet`);
    const chosen = {
      ...config,
      ...Object.fromEntries(Object.entries(config.override[provider] ?? {}).filter(([, v]) => v !== undefined)),
    } as VagrantConfig;
    const contents = await make(artifact, ctx);
    try {
      return await packageBox(config, chosen, provider, contents, artifact, ctx);
    } finally {
      await contents.cleanup?.();
    }
  },
};

/** Writes the box and records it in the catalog. */
async function packageBox(
  config: VagrantConfig,
  chosen: VagrantConfig,
  provider: string,
  contents: ProviderContents,
  artifact: Artifact,
  ctx: RunContext,
): Promise<PostProcessResult> {
  const metadata = { ...contents.metadata, ...(config.architecture ? { architecture: config.architecture } : {}) };
  const vagrantfile = chosen.vagrantfileTemplate
    ? await readFile(chosen.vagrantfileTemplate, 'utf8')
    : contents.vagrantfile;
  const output = path.resolve(
    ctx.render(chosen.output, { BuildName: ctx.buildName, Provider: provider, ArtifactId: artifact.id }),
  );
  await mkdir(path.dirname(output), { recursive: true });
  const mtime = archiveTime(ctx.startedAt);
  const gzip = chosen.compressionLevel > 0 ? chooseGzip(chosen.compressionLevel) : undefined;
  if (gzip?.fallback) ctx.ui.message(gzip.fallback);
  ctx.ui.say(
    `Creating a Vagrant box for the ${provider} provider: ${path.relative(process.cwd(), output) || output} (${gzip ? `gzip: ${gzip.engine.description}` : 'a plain tar'})`,
  );
  const box = await writeBox({
    entries: [
      ...contents.entries,
      { name: 'metadata.json', content: `${JSON.stringify(metadata)}\n` },
      { name: 'Vagrantfile', content: vagrantfile },
      ...chosen.include.map((f) => ({ name: path.basename(f), path: f })),
    ],
    output,
    gzip: gzip?.engine,
    mtime,
    signal: ctx.signal,
  });
  ctx.ui.message(`Box ${path.basename(output)}: ${(box.size / 1024 ** 2).toFixed(1)} MiB, sha256 ${box.sha256}`);
  if (config.catalog) {
    const catalogFile = path.join(path.dirname(output), `${config.boxName.replaceAll('/', '-')}.json`);
    const version = config.boxVersion ?? versionFromDate(ctx.startedAt);
    await recordInCatalog(catalogFile, {
      name: config.boxName,
      description: config.boxDescription,
      version,
      provider,
      boxPath: output,
      sha256: box.sha256,
      architecture: config.architecture,
    });
    ctx.ui.message(
      `Recorded ${config.boxName} ${version} (${provider}) in ${path.relative(process.cwd(), catalogFile) || catalogFile}; add it with: vagrant box add ${catalogFile}`,
    );
  }
  return {
    artifact: {
      builderId: 'boxwright.post-processor.vagrant',
      kind: 'vagrant-box',
      id: provider,
      files: [output],
      description: `'${provider}' provider box: ${output}`,
      destroy: () => rm(output, { force: true }),
      box: { provider, sha256: box.sha256 },
      ...(artifact.content ? { content: artifact.content } : { diskSource: artifact }),
    },
    keepInput: false,
    // Packer 1.6.6 deletes the image a docker box points to unless keep_input_artifact is set; the box would be useless. An aws box points at its AMIs the same way.
    forceKeep: REFERENCING_PROVIDERS.has(provider),
  };
}
