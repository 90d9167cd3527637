import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Communicator } from '../../core/communicator.js';
import type { PipelineStep } from '../../core/pipeline.js';
import type { RunContext } from '../../core/plugin.js';
import type { FamilySteps } from '../../steps/local-vm.js';
import { obtain } from '../../util/download.js';
import type { VirtualBoxConfig } from './config.js';
import { makeTempDir, removeTempDir } from '../../util/temp-dir.js';

// Where VirtualBox installs its guest additions ISO on Linux, macOS and Windows.
const INSTALLED_ADDITIONS = [
  '/usr/share/virtualbox/VBoxGuestAdditions.iso',
  '/usr/lib/virtualbox/additions/VBoxGuestAdditions.iso',
  '/Applications/VirtualBox.app/Contents/MacOS/VBoxGuestAdditions.iso',
  'C:\\Program Files\\Oracle\\VirtualBox\\VBoxGuestAdditions.iso',
];

type GuestTools = { iso: string; attach: boolean } | undefined;

/**
 * VirtualBox's guest tools as a family of the local-VM pipeline. `version` is VirtualBox's
 * when VirtualBox runs the build; under the qemu driver there is none.
 */
export function guestAdditionsSteps(config: VirtualBoxConfig, version: string | undefined): FamilySteps {
  return {
    guestTools: stepFindGuestAdditions(config, version),
    beforeProvision: stepUploadGuestFiles(config, version),
  };
}

/**
 * Finds the guest additions ISO as Packer does: guest_additions_url (checked against
 * guest_additions_sha256), else the one VirtualBox installed, else VirtualBox's download
 * for this version. Under the qemu driver there is no VirtualBox to take it from, so
 * without guest_additions_url the build says it goes without.
 */
function stepFindGuestAdditions(
  config: VirtualBoxConfig,
  version: string | undefined,
): PipelineStep<object, { guestTools: GuestTools }> {
  return {
    name: 'guest-additions-iso',
    async run(_state, ctx) {
      const ga = config.guestAdditions;
      if (ga.mode === 'disable') return { guestTools: undefined };
      const attach = ga.mode === 'attach';
      let url = ga.url !== undefined ? ctx.render(ga.url, { Version: version ?? '' }) : undefined;
      let checksum = ga.sha256 ? `sha256:${ga.sha256}` : 'none';
      if (url === undefined && version !== undefined) {
        const installed = INSTALLED_ADDITIONS.find((f) => existsSync(f));
        if (installed) return { guestTools: { iso: installed, attach } };
        url = `https://download.virtualbox.org/virtualbox/${version}/VBoxGuestAdditions_${version}.iso`;
        checksum = `file:https://download.virtualbox.org/virtualbox/${version}/SHA256SUMS`;
      }
      if (url === undefined) {
        ctx.ui.say(
          `Guest additions: none (guest_additions_mode "${ga.mode}" needs VirtualBox's ISO, and the qemu driver has no VirtualBox to take it from; set guest_additions_url, or guest_additions_mode "disable")`,
        );
        return { guestTools: undefined };
      }
      return {
        guestTools: {
          iso: await obtain([url], checksum, { ui: ctx.ui, signal: ctx.signal, option: 'guest_additions_url' }),
          attach,
        },
      };
    },
  };
}

/** Uploads .vbox_version and (mode upload) the guest additions ISO, before provisioning, as Packer does. */
function stepUploadGuestFiles(
  config: VirtualBoxConfig,
  version: string | undefined,
): PipelineStep<{ communicator: Communicator; guestTools: GuestTools }, object> {
  return {
    name: 'upload-guest-files',
    async run({ communicator, guestTools }, ctx) {
      if (communicator.type === 'none') return {};
      if (config.versionFile && version !== undefined) {
        ctx.ui.say(`Uploading the VirtualBox version (${version}) to ${config.versionFile}`);
        await uploadText(communicator, version, config.versionFile, ctx);
      }
      if (guestTools && !guestTools.attach) {
        const target = ctx.render(config.guestAdditions.path, { Version: version ?? '' });
        ctx.ui.say(`Uploading the guest additions ISO to ${target}`);
        await communicator.upload(guestTools.iso, target, { signal: ctx.signal });
      }
      return {};
    },
  };
}

async function uploadText(comm: Communicator, text: string, target: string, ctx: RunContext): Promise<void> {
  const dir = await makeTempDir('upload');
  try {
    const file = path.join(dir, 'content');
    writeFileSync(file, text);
    await comm.upload(file, target, { signal: ctx.signal });
  } finally {
    await removeTempDir(dir);
  }
}
