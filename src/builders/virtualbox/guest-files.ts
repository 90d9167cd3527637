import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sleep } from '../../base/errors.js';
import type { RunContext } from '../../core/plugin.js';
import type { Step } from '../../core/steps.js';
import { obtain } from '../../util/download.js';
import type { VirtualBoxConfig } from './config.js';
import type { VirtualBoxState } from './state.js';

// Where VirtualBox installs its guest additions ISO on Linux, macOS and Windows.
const INSTALLED_ADDITIONS = ['/usr/share/virtualbox/VBoxGuestAdditions.iso', '/usr/lib/virtualbox/additions/VBoxGuestAdditions.iso', '/Applications/VirtualBox.app/Contents/MacOS/VBoxGuestAdditions.iso', 'C:\\Program Files\\Oracle\\VirtualBox\\VBoxGuestAdditions.iso'];

/**
 * Finds the guest additions ISO as Packer does: guest_additions_url (checked against
 * guest_additions_sha256), else the one VirtualBox installed, else VirtualBox's download
 * for this version. Under the qemu driver there is no VirtualBox to take it from, so
 * without guest_additions_url the build says it goes without.
 */
export function stepGuestAdditionsIso(config: VirtualBoxConfig): Step<VirtualBoxState> {
  return {
    name: 'guest-additions-iso',
    async run(state, ctx) {
      const ga = config.guestAdditions;
      if (ga.mode === 'disable') return;
      const version = state.version;
      let url = ga.url !== undefined ? ctx.render(ga.url, { Version: version ?? '' }) : undefined;
      let checksum = ga.sha256 ? `sha256:${ga.sha256}` : 'none';
      if (url === undefined && version !== undefined) {
        const installed = INSTALLED_ADDITIONS.find((f) => existsSync(f));
        if (installed) return void (state.guestAdditionsIso = installed);
        url = `https://download.virtualbox.org/virtualbox/${version}/VBoxGuestAdditions_${version}.iso`;
        checksum = `file:https://download.virtualbox.org/virtualbox/${version}/SHA256SUMS`;
      }
      if (url === undefined) {
        ctx.ui.say(`Guest additions: none (guest_additions_mode "${ga.mode}" needs VirtualBox's ISO, and the qemu driver has no VirtualBox to take it from; set guest_additions_url, or guest_additions_mode "disable")`);
        return;
      }
      state.guestAdditionsIso = await obtain([url], checksum, { ui: ctx.ui, signal: ctx.signal, option: 'guest_additions_url' });
    },
  };
}

/** Uploads .vbox_version and (mode upload) the guest additions ISO, before provisioning, as Packer does. */
export function stepUploadGuestFiles(config: VirtualBoxConfig): Step<VirtualBoxState> {
  return {
    name: 'upload-guest-files',
    async run(state, ctx) {
      const comm = state.communicator;
      if (!comm || comm.type === 'none') return;
      if (config.versionFile && state.version !== undefined) {
        ctx.ui.say(`Uploading the VirtualBox version (${state.version}) to ${config.versionFile}`);
        await uploadText(comm, `${state.version}`, config.versionFile, ctx);
      }
      if (config.guestAdditions.mode === 'upload' && state.guestAdditionsIso) {
        const target = ctx.render(config.guestAdditions.path, { Version: state.version ?? '' });
        ctx.ui.say(`Uploading the guest additions ISO to ${target}`);
        await comm.upload(state.guestAdditionsIso, target, { signal: ctx.signal });
      }
    },
  };
}

async function uploadText(comm: NonNullable<VirtualBoxState['communicator']>, text: string, target: string, ctx: RunContext): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'boxwright-upload-'));
  try {
    const file = path.join(dir, 'content');
    writeFileSync(file, text);
    await comm.upload(file, target, { signal: ctx.signal });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Waits post_shutdown_delay after the guest is off, before anything touches its disk (both drivers). */
export function stepPostShutdownDelay(config: VirtualBoxConfig): Step<VirtualBoxState> {
  return {
    name: 'post-shutdown-delay',
    async run(_state, ctx) {
      if (config.postShutdownDelayMs > 0) await sleep(config.postShutdownDelayMs, ctx.signal);
    },
  };
}
