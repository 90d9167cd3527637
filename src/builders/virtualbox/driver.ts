import { UserError } from '../../base/errors.js';
import type { BuildContext } from '../../core/plugin.js';
import type { Step } from '../../core/steps.js';
import { VBoxManage } from '../../machines/vboxmanage/vboxmanage.js';
import type { VirtualBoxConfig } from './config.js';
import { qemuDriverSteps } from './qemu-driver.js';
import type { VirtualBoxState } from './state.js';
import { vboxmanageDriverSteps } from './vboxmanage-driver.js';

/** What runs the machine during a build; both produce the same OVF/OVA. */
export interface VirtualBoxDriver {
  readonly name: 'vboxmanage' | 'qemu';
  /** Why this driver, for the build's first line. */
  readonly reason: string;
  /** VirtualBox's version, when VirtualBox runs the build. */
  readonly version?: string;
  readonly vbox?: VBoxManage;
  /** The steps that make, boot, provision, stop and export the machine. */
  steps(config: VirtualBoxConfig, build: BuildContext): Step<VirtualBoxState>[];
}

/** "auto" takes VirtualBox when VBoxManage runs here, else QEMU; a pinned driver must be usable. */
export async function chooseDriver(config: VirtualBoxConfig, log: (line: string) => void): Promise<VirtualBoxDriver> {
  const vbox = new VBoxManage(log);
  if (config.driver === 'qemu') return { name: 'qemu', reason: 'pinned by "driver"', steps: qemuDriverSteps };
  const version = await vbox.version();
  if (version !== undefined) return { name: 'vboxmanage', reason: `VirtualBox ${version}${config.driver === 'auto' ? ' found' : ', pinned by "driver"'}`, version, vbox, steps: vboxmanageDriverSteps };
  if (config.driver === 'vboxmanage') throw new UserError(`"driver": "vboxmanage" needs VirtualBox, and ${vbox.binary} does not run here`, 'install VirtualBox, or use "driver": "qemu" (or "auto") to build on QEMU with VirtualBox-like hardware');
  return { name: 'qemu', reason: `${vbox.binary} not found; QEMU with VirtualBox-like hardware`, steps: qemuDriverSteps };
}
