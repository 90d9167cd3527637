import type { ConfigProblems } from '../core/plugin.js';
import type { VncConfig } from '../machines/qemu/vnc.js';
import type { Options } from './options.js';

export type { VncConfig };

/** Packer's headless: every family shows the build's console unless it is true. */
export const headlessOption = {
  headless: { type: 'boolean', default: false },
};

/** Packer's VNC options (qemu, VMware); QEMU numbers VNC displays from port 5900. */
export const vncOptions = {
  vnc_bind_address: { type: 'string', minLength: 1 },
  vnc_port_min: { type: 'integer', minimum: 5900, maximum: 65535 },
  vnc_port_max: { type: 'integer', minimum: 5900, maximum: 65535 },
  vnc_use_password: { type: 'boolean' },
  disable_vnc: { type: 'boolean', default: false },
};

/** The console a build shows: a window unless headless; under QEMU that is a VNC console, also when a vnc_* option asks. */
export function prepareConsole(o: Options, p: ConfigProblems): { headless: boolean; vnc: VncConfig | undefined } {
  const headless = o.headless as boolean;
  // Packer's disable_vnc: no console at all (QEMU's boot_command goes through QMP, not VNC).
  if (o.disable_vnc === true) return { headless, vnc: undefined };
  const asked =
    !headless ||
    o.vnc_bind_address !== undefined ||
    o.vnc_port_min !== undefined ||
    o.vnc_port_max !== undefined ||
    o.vnc_use_password === true;
  if (!asked) return { headless, vnc: undefined };
  const min = (o.vnc_port_min as number | undefined) ?? 5900;
  const max = (o.vnc_port_max as number | undefined) ?? 6000;
  if (min > max) p.error(['vnc_port_min'], `vnc_port_min (${min}) is above vnc_port_max (${max})`);
  return {
    headless,
    vnc: {
      bindAddress: (o.vnc_bind_address as string | undefined) ?? '127.0.0.1',
      portRange: [min, max],
      usePassword: o.vnc_use_password === true,
    },
  };
}
