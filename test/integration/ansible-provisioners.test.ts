import { execFileSync } from 'node:child_process';
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

describe('ansible: Ansible on this host, logged in to the machine over SSH as the build is', () => {
  function playbook(dir: string, out: string): void {
    mkdirSync(path.join(dir, 'roles', 'whoami', 'tasks'), { recursive: true });
    writeFileSync(
      path.join(dir, 'roles', 'whoami', 'tasks', 'main.yml'),
      [
        '- ansible.builtin.command: id -un',
        '  register: who',
        '- ansible.builtin.copy:',
        `    dest: "${out}"`,
        '    content: "{{ who.stdout }} in {{ group_names | join(\',\') }} of {{ packer_build_name }} ({{ packer_builder_type }})\\n"',
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(dir, 'site.yml'), '- hosts: web\n  gather_facts: false\n  roles:\n    - whoami\n');
  }

  /** ssh processes this test process's builds left running (Ansible's control masters). */
  const leftoverMasters = () =>
    execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.startsWith('ssh') && line.includes(`boxwright-pid${process.pid}-ansible`));

  it('runs the playbook with a key, in the groups asked for, and leaves no SSH control master behind', async () => {
    const dir = tempDir();
    const out = path.join(shared, 'whoami-key');
    playbook(dir, out);
    const file = writeTemplate(dir, {
      builders: [machine('key')],
      provisioners: [{ type: 'ansible', playbook_file: 'site.yml', groups: ['web'], empty_groups: ['db'] }],
    });
    const run = await runCli(['build', '-color=false', file], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(`${TEST_USER} in web of box (null)\n`);
    expect(run.all).toContain(`-e ansible_ssh_private_key_file=${sshd.clientKey}`);
    expect(run.all).toContain('--ssh-extra-args -o IdentitiesOnly=yes');
    expect(leftoverMasters()).toEqual([]);
  });

  it("logs in with the build's password through a file, never on the command line or in the output", async () => {
    const dir = tempDir();
    const out = path.join(shared, 'whoami-password');
    playbook(dir, out);
    const file = writeTemplate(dir, {
      builders: [machine('password')],
      provisioners: [{ type: 'ansible', playbook_file: 'site.yml', groups: ['web'] }],
    });
    const run = await runCli(['build', '-color=false', file], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(`${TEST_USER} in web of box (null)\n`);
    expect(run.all).toMatch(/-e @\/\S+\/login\.json/);
    expect(run.all).not.toContain(TEST_PASSWORD);
  });

  it("uses an inventory_file_template with the machine's address, and fails the build when a task fails", async () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, 'fail.yml'),
      '- hosts: builders\n  gather_facts: false\n  tasks:\n    - ansible.builtin.fail:\n        msg: "no room on {{ inventory_hostname }}"\n',
    );
    const file = writeTemplate(dir, {
      builders: [machine('key')],
      provisioners: [
        {
          type: 'ansible',
          playbook_file: 'fail.yml',
          host_alias: 'vm1',
          inventory_file_template:
            '[builders]\n{{ .HostAlias }} ansible_host={{ .Host }} ansible_port={{ .Port }} ansible_user={{ .User }}\n',
        },
      ],
    });
    const run = await runCli(['build', '-color=false', file], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.all).toContain('no room on vm1');
    expect(run.all).toContain('ansible-playbook fail.yml exited with code 2');
    expect(leftoverMasters()).toEqual([]);
  });
});
