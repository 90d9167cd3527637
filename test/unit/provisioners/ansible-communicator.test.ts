import { describe, expect, it } from 'vitest';
import type { Communicator } from '../../../src/core/communicator.js';
import type { ProvisionContext } from '../../../src/core/plugin.js';
import { ansibleProvisioner, type AnsibleConfig } from '../../../src/provisioners/ansible/index.js';
import { runContext } from '../../support/plugin-context.js';
import { tempDir } from '../../support/cli.js';

const config: AnsibleConfig = {
  playbookFile: '/nowhere/site.yml',
  command: 'ansible-playbook',
  extraArguments: [],
  envVars: [],
  sshExtraArgs: [],
  groups: [],
  emptyGroups: [],
  hostAlias: 'default',
  user: undefined,
  useSftp: false,
  inventoryFile: undefined,
  inventoryDirectory: undefined,
  inventoryFileTemplate: undefined,
  keepInventoryFile: false,
  galaxy: undefined,
};

function provisionOver(communicator: Partial<Communicator>): Promise<void> {
  const { ctx } = runContext(tempDir());
  return ansibleProvisioner.provision(config, { ...ctx, communicator, generated: {} } as ProvisionContext);
}

describe('the ansible provisioner on a machine it cannot log in to itself', () => {
  it('says a docker build needs ansible-local, before running anything', async () => {
    await expect(provisionOver({ type: 'docker' })).rejects.toThrow(
      "the ansible provisioner needs an SSH communicator, and this build's is docker",
    );
  });

  it('refuses a build that goes through a bastion, naming what to use instead', async () => {
    const sshLogin = () => ({
      host: '127.0.0.1',
      port: 22,
      username: 'u',
      password: 'p',
      privateKeyFile: undefined,
      agentAuth: false,
      bastion: { host: 'jump', port: 22 },
    });
    await expect(provisionOver({ type: 'ssh', sshLogin })).rejects.toThrow(
      /ssh_bastion_host is not supported.*ProxyJump/,
    );
  });
});
