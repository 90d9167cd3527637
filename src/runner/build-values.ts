import { readFile } from 'node:fs/promises';
import { ssh2Library } from '../util/ssh2-library.js';
import { buildValuesAll, type BuildValues } from '../core/build-values.js';
import type { Communicator } from '../core/communicator.js';

/** The build's values once its machine is up, from the communicator and what the builder made. */
export async function buildValuesOf(
  communicator: Communicator,
  generated: Record<string, string>,
  runUuid: string,
  machineId: string | undefined,
): Promise<BuildValues> {
  const login = communicator.sshLogin?.();
  let privateKey = '';
  let publicKey = '';
  if (login?.privateKeyFile) {
    privateKey = await readFile(login.privateKeyFile, 'utf8');
    const parsed = ssh2Library().utils.parseKey(privateKey);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (key && !(key instanceof Error)) publicKey = `${key.type} ${key.getPublicSSH().toString('base64')}`;
  }
  return {
    ID: machineId ?? '',
    Host: login?.host ?? '',
    Port: login ? String(login.port) : '',
    User: login?.username ?? '',
    Password: login?.password ?? '',
    ConnType: communicator.type,
    PackerRunUUID: runUuid,
    PackerHTTPPort: generated.PACKER_HTTP_PORT ?? '',
    PackerHTTPIP: generated.PACKER_HTTP_IP ?? '',
    PackerHTTPAddr: generated.PACKER_HTTP_ADDR ?? '',
    SSHPublicKey: publicKey,
    SSHPrivateKey: privateKey,
    WinRMPassword: '',
  };
}

/** The values of a build that never reached its machine (no communicator): only the run's. */
export function noMachineBuildValues(runUuid: string): BuildValues {
  return { ...buildValuesAll(''), ConnType: 'none', PackerRunUUID: runUuid };
}

/**
 * The secrets among the values, for the redactor: the password, and the private key whole
 * and line by line (a script that prints it prints one line at a time).
 */
export function secretBuildValues(values: BuildValues): string[] {
  const keyLines = values.SSHPrivateKey.split('\n').filter((line) => line.length >= 16 && !line.startsWith('-----'));
  return [values.Password, values.WinRMPassword, values.SSHPrivateKey.trim(), ...keyLines].filter(Boolean);
}
