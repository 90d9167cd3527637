import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, writeTemplate } from '../support/cli.js';
import { startSshd, TEST_PASSWORD, TEST_USER, type Sshd } from '../support/sshd.js';

// The "machine" is this host, reached through a real sshd as the test user; Ansible is
// Debian's ansible-core, installed by scripts/install-system-deps.sh.
let sshd: Sshd;
let shared: string;

beforeAll(async () => {
  sshd = await startSshd();
  shared = mkdtempSync(path.join(tmpdir(), 'boxwright-guest-'));
  chmodSync(shared, 0o777);
});
afterAll(async () => {
  await sshd?.dispose();
  rmSync(shared, { recursive: true, force: true });
});

const machine = (auth: 'key' | 'password' = 'key') => ({
  type: 'null',
  name: 'box',
  ssh_host: '127.0.0.1',
  ssh_port: sshd.port,
  ssh_username: TEST_USER,
  ...(auth === 'key' ? { ssh_private_key_file: sshd.clientKey } : { ssh_password: TEST_PASSWORD }),
  ssh_timeout: '20s',
});

/** A playbook project: a role, group variables and a playbook that uses both. */
function project(dir: string, out: string): void {
  mkdirSync(path.join(dir, 'roles', 'motd', 'tasks'), { recursive: true });
  writeFileSync(
    path.join(dir, 'roles', 'motd', 'tasks', 'main.yml'),
    `- ansible.builtin.copy:\n    dest: "${out}"\n    content: "{{ greeting }} from {{ packer_build_name }} ({{ packer_builder_type }})\\n"\n`,
  );
  mkdirSync(path.join(dir, 'group_vars'), { recursive: true });
  writeFileSync(path.join(dir, 'group_vars', 'all.yml'), 'greeting: hello\n');
  writeFileSync(
    path.join(dir, 'site.yml'),
    "- hosts: all\n  gather_facts: false\n  roles:\n    - motd\n  tasks:\n    - ansible.builtin.debug:\n        msg: \"user is {{ ansible_user_id | default(lookup('env', 'USER')) }}\"\n",
  );
}

describe('ansible-local: Ansible on the machine against itself', () => {
  it("uploads the playbook, its role and group_vars, runs them there with Packer's variables, and cleans the staging directory", async () => {
    const dir = tempDir();
    project(dir, path.join(shared, 'motd-local'));
    const staging = path.join(shared, 'staging');
    const file = writeTemplate(dir, {
      builders: [machine()],
      provisioners: [
        {
          type: 'ansible-local',
          playbook_file: 'site.yml',
          role_paths: ['roles/motd'],
          group_vars: 'group_vars',
          staging_directory: staging,
          clean_staging_directory: true,
        },
      ],
    });
    const run = await runCli(['build', '-color=false', file], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(readFileSync(path.join(shared, 'motd-local'), 'utf8')).toBe('hello from box (null)\n');
    expect(run.all).toContain('Provisioning with Ansible...');
    expect(run.all).toMatch(/box: PLAY RECAP \*+/);
    expect(existsSync(staging)).toBe(false);
  });

  it("fails the build with the playbook's last output when a task fails", async () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, 'fail.yml'),
      '- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.fail:\n        msg: the disk is full\n',
    );
    const file = writeTemplate(dir, {
      builders: [machine()],
      provisioners: [{ type: 'ansible-local', playbook_file: 'fail.yml', staging_directory: path.join(shared, 'f') }],
    });
    const run = await runCli(['build', '-color=false', file], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.all).toMatch(/ansible-playbook .*fail\.yml exited with code 2/);
    expect(run.all).toContain('the disk is full');
  });

  it('says Ansible is missing on the machine when its command is not found', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'site.yml'), '- hosts: all\n  tasks: []\n');
    const file = writeTemplate(dir, {
      builders: [machine()],
      provisioners: [
        {
          type: 'ansible-local',
          playbook_file: 'site.yml',
          command: 'no-such-ansible-playbook',
          staging_directory: path.join(shared, 'm'),
        },
      ],
    });
    const run = await runCli(['build', '-color=false', file], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.all).toContain('no-such-ansible-playbook was not found on the machine (exit code 127)');
  });
});
