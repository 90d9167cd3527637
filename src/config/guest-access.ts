import { prepareSsh, sshSchemaProperties, type SshConfig } from '../communicators/ssh/config.js';
import { WINRM_OPTION_NAMES } from '../communicators/winrm-options.js';
import { catalogueSchema, checkCatalogue, type OptionCatalogue } from '../core/option-catalogue.js';
import type { ConfigProblems } from '../core/plugin.js';
import { port, portRange, type Options } from './options.js';

const WINRM_OPTIONS = Object.fromEntries(
  WINRM_OPTION_NAMES.map((k) => [k, { type: ['string', 'integer', 'boolean'] }]),
);

/** How provisioners reach a local VM: SSH through a host port forwarded to the guest, or not at all. */
export type GuestAccess =
  { communicator: 'ssh'; ssh: SshConfig; hostPortRange: [number, number] } | { communicator: 'none' };

const { communicator: _communicator, ...sshOptions } = sshSchemaProperties;

/** Packer 1.6 options of every local VM builder that make no difference here. */
const LOCAL_VM_CATALOGUE: OptionCatalogue = {
  ignored: {
    http_interface: 'undocumented in Packer 1.6; the HTTP server listens on http_bind_address',
    ssh_keypair_name: 'a cloud key pair; a local machine is logged in to with ssh_private_key_file or ssh_password',
    temporary_key_pair_name: 'a cloud key pair; boxwright puts no temporary key on a local machine',
    ssh_clear_authorized_keys: 'boxwright puts no temporary key on a local machine, so there is none to clear',
  },
};

/** The communicator, Packer's SSH options (ssh_host defaults to the forwarded port on 127.0.0.1) and the host port range. */
export const guestAccessOptions = {
  communicator: { type: 'string', enum: ['ssh', 'none', 'winrm'], default: 'ssh' },
  ...sshOptions,
  ...WINRM_OPTIONS,
  ...catalogueSchema(LOCAL_VM_CATALOGUE),
  host_port_min: port(),
  host_port_max: port(),
  // Packer's older names, still taken by its qemu and virtualbox builders.
  ssh_host_port_min: port(),
  ssh_host_port_max: port(),
};

export function prepareGuestAccess(o: Options, p: ConfigProblems): GuestAccess {
  checkCatalogue(o, p, LOCAL_VM_CATALOGUE);
  const range = portRange(o, ['host_port_min', 'host_port_max'], [2222, 4444], p, [
    'ssh_host_port_min',
    'ssh_host_port_max',
  ]);
  if (o.communicator === 'winrm') {
    p.error(
      ['communicator'],
      '"communicator": "winrm" is not supported by boxwright yet',
      'boxwright builds Linux guests over SSH; use "ssh", or "none" to skip provisioning',
    );
    return { communicator: 'none' };
  }
  if (o.communicator !== 'ssh') return { communicator: 'none' };
  return { communicator: 'ssh', ssh: prepareSsh(o, p, { hostRequired: false }), hostPortRange: range };
}
