import { prepareSsh, sshSchemaProperties, type SshConfig } from '../communicators/ssh/config.js';
import type { ConfigProblems } from '../core/plugin.js';
import { port, portRange, type Options } from './options.js';

/** How provisioners reach a local VM: SSH through a host port forwarded to the guest, or not at all. */
export type GuestAccess =
  { communicator: 'ssh'; ssh: SshConfig; hostPortRange: [number, number] } | { communicator: 'none' };

const { communicator: _communicator, ...sshOptions } = sshSchemaProperties;

/** The communicator, Packer's SSH options (ssh_host defaults to the forwarded port on 127.0.0.1) and the host port range. */
export const guestAccessOptions = {
  communicator: { type: 'string', enum: ['ssh', 'none'], default: 'ssh' },
  ...sshOptions,
  host_port_min: port(),
  host_port_max: port(),
  // Packer's older names, still taken by its qemu and virtualbox builders.
  ssh_host_port_min: port(),
  ssh_host_port_max: port(),
};

export function prepareGuestAccess(o: Options, p: ConfigProblems): GuestAccess {
  const range = portRange(o, ['host_port_min', 'host_port_max'], [2222, 4444], p, [
    'ssh_host_port_min',
    'ssh_host_port_max',
  ]);
  if (o.communicator !== 'ssh') return { communicator: 'none' };
  return { communicator: 'ssh', ssh: prepareSsh(o, p, { hostRequired: false }), hostPortRange: range };
}
