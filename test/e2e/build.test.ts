import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir, writeTemplate } from '../support/cli.js';

const nullWith = (provisioners: unknown[], extra: Record<string, unknown> = {}) => ({
  builders: [{ type: 'null', communicator: 'none' }],
  provisioners,
  ...extra,
});

describe('boxwright build', () => {
  it("runs provisioners and prints in Packer's look", async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, nullWith([{ type: 'shell-local', inline: ['echo hello from $PACKER_BUILD_NAME'] }]));
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('==> null: output will be in this color.');
    expect(run.stdout).toContain('==> null: Running local shell script: inline commands (1)');
    expect(run.stdout).toContain('    null: hello from null');
    expect(run.stdout).toMatch(/Build 'null' finished after \d+ (milli)?seconds?/);
    expect(run.stdout).toContain(
      '==> Builds finished. The artifacts of successful builds are:\n--> null: Did not export anything. This is the null builder',
    );
  });

  it('fails with the script, its exit code and its last output, and exits 1', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, nullWith([{ type: 'shell-local', inline: ['echo about to fail', 'exit 3'] }]));
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'shell-local provisioner (provisioners[0]) failed: local script inline commands (2) exited with code 3 (allowed exit codes: 0)',
    );
    expect(run.stderr).toContain('Last output:\n  about to fail');
    expect(run.stderr).toContain("==> Some builds didn't complete successfully and had errors:");
    expect(run.stdout).toContain('Builds finished but no artifacts were created.');
  });

  it('accepts exit codes listed in valid_exit_codes', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, nullWith([{ type: 'shell-local', inline: ['exit 7'], valid_exit_codes: [0, 7] }]));
    expect((await runCli(['build', t], { cwd: dir })).code).toBe(0);
  });

  it('runs the error-cleanup-provisioner when provisioning fails, and only then', async () => {
    const dir = tempDir();
    const t = writeTemplate(
      dir,
      nullWith([{ type: 'shell-local', inline: ['test -f fail-now && exit 1 || true'] }], {
        'error-cleanup-provisioner': { type: 'shell-local', inline: ['echo cleaned > cleanup-ran'] },
      }),
    );
    expect((await runCli(['build', t], { cwd: dir })).code).toBe(0);
    expect(existsSync(path.join(dir, 'cleanup-ran'))).toBe(false);
    writeFileSync(path.join(dir, 'fail-now'), '');
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Provisioning step had errors: Running the cleanup provisioner, if present...');
    expect(readFileSync(path.join(dir, 'cleanup-ran'), 'utf8')).toBe('cleaned\n');
  });

  it('under -on-error=run-cleanup-provisioner runs the cleanup provisioner, then leaves resources', async () => {
    const dir = tempDir();
    const t = writeTemplate(
      dir,
      nullWith([{ type: 'shell-local', inline: ['exit 1'] }], {
        'error-cleanup-provisioner': { type: 'shell-local', inline: ['touch cleanup-ran'] },
      }),
    );
    const run = await runCli(['build', '-on-error=run-cleanup-provisioner', t], { cwd: dir });
    expect(run.code).toBe(1);
    expect(existsSync(path.join(dir, 'cleanup-ran'))).toBe(true);
    expect(run.stderr).toContain('Not cleaning up (-on-error=run-cleanup-provisioner)');
  });

  it('under -on-error=abort does not run the cleanup provisioner', async () => {
    const dir = tempDir();
    const t = writeTemplate(
      dir,
      nullWith([{ type: 'shell-local', inline: ['exit 1'] }], {
        'error-cleanup-provisioner': { type: 'shell-local', inline: ['touch cleanup-ran'] },
      }),
    );
    const run = await runCli(['build', '-on-error=abort', t], { cwd: dir });
    expect(run.code).toBe(1);
    expect(existsSync(path.join(dir, 'cleanup-ran'))).toBe(false);
    expect(run.stderr).toContain('Not cleaning up (-on-error=abort)');
  });

  it('refuses an unknown -on-error policy', async () => {
    const dir = tempDir();
    const run = await runCli(['build', '-on-error=explode', writeTemplate(dir, nullWith([]))], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Allowed choices are cleanup, abort, ask, run-cleanup-provisioner');
  });

  it('applies only, except and override per build', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [
        { type: 'null', name: 'a' },
        { type: 'null', name: 'b' },
      ],
      provisioners: [
        { type: 'shell-local', inline: ['echo only-a ran in $PACKER_BUILD_NAME'], only: ['a'] },
        { type: 'shell-local', inline: ['echo except-a ran in $PACKER_BUILD_NAME'], except: ['a'] },
        { type: 'shell-local', inline: ['echo default'], override: { b: { inline: ['echo overridden for b'] } } },
      ],
    });
    const run = await runCli(['build', '-parallel-builds=1', t], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('    a: only-a ran in a');
    expect(run.stdout).not.toContain('only-a ran in b');
    expect(run.stdout).toContain('    b: except-a ran in b');
    expect(run.stdout).not.toContain('except-a ran in a');
    expect(run.stdout).toContain('    a: default');
    expect(run.stdout).toContain('    b: overridden for b');
  });

  it('builds only what -only and -except select, and fails on a pattern that matches nothing', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [
        { type: 'null', name: 'web-1' },
        { type: 'null', name: 'web-2' },
        { type: 'null', name: 'db' },
      ],
    });
    const only = await runCli(['build', '--only=web-*', '-except', 'web-2', t], { cwd: dir });
    expect(only.code).toBe(0);
    expect(only.stdout).toContain('--> web-1:');
    expect(only.stdout).not.toContain('--> web-2:');
    expect(only.stdout).not.toContain('--> db:');
    const none = await runCli(['build', '-only=dbx', t], { cwd: dir });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('-only: "dbx" matches no build');
  });

  it('gives {{timestamp}} one value for every build of a run', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [1, 2, 3].map((i) => ({
        type: 'file',
        name: `f${i}`,
        target: `out/{{build_name}}.txt`,
        content: '{{timestamp}} {{isotime "2006"}}',
      })),
    });
    expect((await runCli(['build', t], { cwd: dir })).code).toBe(0);
    const values = [1, 2, 3].map((i) => readFileSync(path.join(dir, 'out', `f${i}.txt`), 'utf8'));
    expect(new Set(values).size).toBe(1);
    expect(values[0]).toMatch(/^\d{10} \d{4}$/);
  });

  it('honours -var over -var-file over defaults', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'vars.json'), JSON.stringify({ a: 'file', b: 'file' }));
    const t = writeTemplate(dir, {
      variables: { a: 'default', b: 'default', c: 'default' },
      builders: [{ type: 'file', target: 'out.txt', content: '{{user `a`}} {{user `b`}} {{user `c`}}' }],
    });
    expect((await runCli(['build', '-var', 'a=cli', '-var-file=vars.json', t], { cwd: dir })).code).toBe(0);
    expect(readFileSync(path.join(dir, 'out.txt'), 'utf8')).toBe('cli file default');
  });

  it('fails a provisioner that runs past its timeout, and retries up to max_retries', async () => {
    const dir = tempDir();
    const timeout = writeTemplate(
      dir,
      nullWith([{ type: 'shell-local', inline: ['sleep 20'], timeout: '1s' }]),
      'timeout.json',
    );
    const run = await runCli(['build', timeout], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('failed: timed out after 1 second (its "timeout")');

    const retry = writeTemplate(
      dir,
      nullWith([
        { type: 'shell-local', inline: ['echo x >> attempts', 'test $(wc -l < attempts) -ge 2'], max_retries: 2 },
      ]),
      'retry.json',
    );
    const second = await runCli(['build', retry], { cwd: dir });
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('Retrying (1 of 2)');
    expect(readFileSync(path.join(dir, 'attempts'), 'utf8')).toBe('x\nx\n');
  }, 30_000);

  it('refuses two builds of one run that write one path, naming both, before either starts', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [
        { type: 'file', name: 'first', target: 'out/same.txt', content: 'one' },
        { type: 'file', name: 'second', target: './out/same.txt', content: 'two' },
        {
          type: 'qemu',
          name: 'vm-a',
          iso_url: 'x.iso',
          iso_checksum: 'none',
          ssh_username: 'u',
          ssh_password: 'p',
          output_directory: 'vm',
        },
        {
          type: 'qemu',
          name: 'vm-b',
          iso_url: 'x.iso',
          iso_checksum: 'none',
          ssh_username: 'u',
          ssh_password: 'p',
          output_directory: 'vm/',
        },
      ],
    });
    const run = await runCli(['validate', t], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('builds "first" and "second" both write ./out/same.txt');
    expect(run.stderr).toContain('builds "vm-a" and "vm-b" both write vm/');
    const selected = await runCli(['build', '-only=first', t], { cwd: dir });
    expect(selected.code, selected.all).toBe(0);
    expect(readdirSync(path.join(dir, 'out'))).toEqual(['same.txt']);
  });

  it('lets a provisioner with a timeout past Node timers’ 24.8-day limit run to its end', async () => {
    const dir = tempDir();
    const t = writeTemplate(
      dir,
      nullWith([{ type: 'shell-local', inline: ['sleep 1', 'echo done'], timeout: '600h' }]),
    );
    const run = await runCli(['build', '-color=false', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(run.stdout).toContain('done');
  });

  it('waits pause_before before a provisioner', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, nullWith([{ type: 'shell-local', inline: ['true'], pause_before: '1s' }]));
    const started = Date.now();
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.stdout).toContain('Pausing 1 second before the next provisioner...');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('continues past a breakpoint when Enter is pressed', async () => {
    const dir = tempDir();
    const t = writeTemplate(
      dir,
      nullWith([
        { type: 'breakpoint', note: 'look around' },
        { type: 'shell-local', inline: ['echo after'] },
      ]),
    );
    const run = await runCli(['build', t], { cwd: dir, stdin: '\n' });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Pausing at breakpoint provisioner with note "look around". Press enter to continue.');
    expect(run.stdout).toContain('    null: after');
  });
});

describe("Packer's env_var_format", () => {
  it("shell-local writes each variable through it, with Packer's escaping of single quotes", async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [{ type: 'null' }],
      provisioners: [
        {
          type: 'shell-local',
          environment_vars: ["GREETING=it's here", 'PLAIN=x'],
          env_var_format: "export %s='%s'; ",
          inline: ['echo "$GREETING/$PLAIN" > out.txt'],
        },
      ],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(readFileSync(path.join(dir, 'out.txt'), 'utf8')).toBe("it's here/x\n");
  });

  it('must hold %s twice', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [{ type: 'null' }],
      provisioners: [{ type: 'shell-local', env_var_format: '%s ', inline: ['true'] }],
    });
    const run = await runCli(['validate', t], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.all).toContain('env_var_format must hold "%s" twice: the name, then the value');
  });
});

describe('post-processors', () => {
  it('keeps or deletes the input artifact as keep_input_artifact says, through a chain', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [
        { type: 'file', name: 'kept', target: 'kept.txt', content: 'a' },
        { type: 'file', name: 'dropped', target: 'dropped.txt', content: 'b' },
      ],
      'post-processors': [
        [
          {
            type: 'checksum',
            checksum_types: ['sha256'],
            output: '{{.BuildName}}.sum',
            keep_input_artifact: false,
            only: ['dropped'],
          },
          { type: 'manifest', output: 'm.json' },
        ],
        [{ type: 'checksum', output: '{{.BuildName}}.md5', only: ['kept'] }],
      ],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code).toBe(0);
    expect(existsSync(path.join(dir, 'kept.txt'))).toBe(true);
    expect(existsSync(path.join(dir, 'dropped.txt'))).toBe(false);
    expect(readFileSync(path.join(dir, 'dropped.sum'), 'utf8')).toBe(
      '3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d\tdropped.txt\n',
    );
    expect(readFileSync(path.join(dir, 'kept.md5'), 'utf8')).toBe('0cc175b9c0f1b6a831c399e269772661\tkept.txt\n');
    const manifest = JSON.parse(readFileSync(path.join(dir, 'm.json'), 'utf8'));
    // The manifest has no "only": for "kept" it is the whole chain and records the builder's file.
    const byName = Object.fromEntries(manifest.builds.map((b: { name: string }) => [b.name, b]));
    expect(byName.dropped).toMatchObject({
      builder_type: 'file',
      artifact_id: 'dropped.sum',
      files: [{ name: 'dropped.sum', size: 77 }],
    });
    expect(byName.kept).toMatchObject({
      builder_type: 'file',
      artifact_id: 'kept.txt',
      files: [{ name: 'kept.txt', size: 1 }],
    });
  });

  it("writes Packer's manifest and appends to it on the next run", async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [{ type: 'file', target: 'out/a.txt', content: 'abc' }],
      'post-processors': [{ type: 'manifest', strip_path: true, custom_data: { commit: 'abc123' } }],
    });
    expect((await runCli(['build', t], { cwd: dir })).code).toBe(0);
    expect((await runCli(['build', t], { cwd: dir })).code).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'packer-manifest.json'), 'utf8'));
    expect(manifest.builds).toHaveLength(2);
    expect(manifest.builds[0]).toMatchObject({
      name: 'file',
      builder_type: 'file',
      files: [{ name: 'a.txt', size: 3 }],
      artifact_id: 'out/a.txt',
      custom_data: { commit: 'abc123' },
    });
    expect(manifest.builds[0].build_time).toBeGreaterThan(1_600_000_000);
    expect(manifest.builds[0].packer_run_uuid).not.toBe(manifest.builds[1].packer_run_uuid);
    expect(manifest.last_run_uuid).toBe(manifest.builds[1].packer_run_uuid);
  });

  it('runs shell-local as a post-processor with the artifact in its environment', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [{ type: 'file', target: 'a.txt', content: 'x' }],
      'post-processors': [
        {
          type: 'shell-local',
          inline: ['echo "pp saw $BOXWRIGHT_ARTIFACT_FILES"'],
          execute_command: ['/bin/sh', '-c', '{{.Vars}} {{.Script}}'],
        },
      ],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('    file: pp saw a.txt');
  });
});

describe('output modes', () => {
  it('prints Packer-compatible machine-readable lines with commas escaped', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, nullWith([{ type: 'shell-local', inline: ['echo a,b'] }]));
    const run = await runCli(['build', '-machine-readable', t], { cwd: dir });
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    for (const line of lines) expect(line).toMatch(/^\d{10},[^,]*,[a-z-]+(,|$)/);
    expect(lines).toContainEqual(expect.stringMatching(/^\d+,,ui,message,    null: a%!\(PACKER_COMMA\)b$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\d+,null,artifact-count,1$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\d+,null,artifact,0,builder-id,boxwright.null$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\d+,null,artifact,0,id,Null$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\d+,null,artifact,0,end$/));
  });

  it('prefixes each line with a timestamp under -timestamp-ui', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, nullWith([]));
    const run = await runCli(['build', '-timestamp-ui', t], { cwd: dir });
    expect(run.stdout).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d): ==> null: output will be in this color\./m,
    );
  });

  it('colours build output on request and not with -color=false', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, nullWith([]));
    const colored = await runCli(['build', t], { cwd: dir, env: { FORCE_COLOR: '1' } });
    expect(colored.stdout).toContain('\u001b[');
    const plain = await runCli(['build', '-color=false', t], { cwd: dir, env: { FORCE_COLOR: '1' } });
    expect(plain.stdout).not.toContain('\u001b[');
  });
});

describe('sensitive variables', () => {
  it('never show their value in the UI, machine-readable output, debug log or manifest', async () => {
    const dir = tempDir();
    const secret = 'S3cr3t-Value-42';
    const t = writeTemplate(dir, {
      variables: { password: '', user: 'admin' },
      'sensitive-variables': ['password'],
      builders: [{ type: 'null' }],
      provisioners: [
        {
          type: 'shell-local',
          inline: ['echo "logging in as {{user `user`}} with {{user `password`}}"', 'echo "$PW"'],
          environment_vars: ['PW={{user `password`}}'],
        },
      ],
      'post-processors': [{ type: 'manifest', output: 'manifest.json', custom_data: { pw: '{{user `password`}}' } }],
    });
    const log = path.join(dir, 'debug.log');
    const env = { BOXWRIGHT_LOG: '1', BOXWRIGHT_LOG_PATH: log };
    const human = await runCli(['build', '-var', `password=${secret}`, t], { cwd: dir, env });
    const machine = await runCli(['build', '-machine-readable', '-var', `password=${secret}`, t], { cwd: dir, env });
    expect(human.code).toBe(0);
    expect(machine.code).toBe(0);
    expect(human.stdout).toContain('logging in as admin with <sensitive>');
    expect(machine.stdout).toContain('logging in as admin with <sensitive>');
    const logText = readFileSync(log, 'utf8');
    expect(logText).toContain('<sensitive>');
    const manifest = readFileSync(path.join(dir, 'manifest.json'), 'utf8');
    expect(JSON.parse(manifest).builds[0].custom_data.pw).toBe('<sensitive>');
    for (const text of [human.all, machine.all, logText, manifest]) expect(text).not.toContain(secret);
  });

  it('stay hidden when -only leaves out the build whose password they are', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      variables: { pass: 'Tr0ub4dor-and-3' },
      builders: [
        { type: 'null', name: 'shown' },
        {
          type: 'qemu',
          name: 'left-out',
          iso_url: 'x.iso',
          iso_checksum: 'none',
          ssh_username: 'u',
          ssh_password: '{{user `pass`}}',
        },
      ],
      provisioners: [{ type: 'shell-local', inline: ['echo "the password is Tr0ub4dor-and-3"'] }],
    });
    const run = await runCli(['build', '-color=false', '-only=shown', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(run.stdout).toContain('the password is <sensitive>');
    expect(run.all).not.toContain('Tr0ub4dor-and-3');
  });

  it('are hidden in validation errors too', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      variables: { token: '' },
      'sensitive-variables': ['token'],
      builders: [{ type: 'null' }],
      provisioners: [{ type: 'shell-local', inline: ['x'], timeout: '{{user `token`}}' }],
    });
    const run = await runCli(['validate', '-var', 'token=hunter2hunter2', t], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the string "<sensitive>" is not a duration');
    expect(run.all).not.toContain('hunter2hunter2');
  });
});

describe('validate, inspect, version and help', () => {
  it('validate says so for a good template and exits 0', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, nullWith([{ type: 'shell-local', inline: ['true'] }]));
    const run = await runCli(['validate', t], { cwd: dir });
    expect(run).toMatchObject({ code: 0, stdout: 'Template validated successfully.\n' });
  });

  it('validate lists every error with file:line:column and a hint, and exits 1', async () => {
    const dir = tempDir();
    const t = writeTemplate(
      dir,
      '{\n  "builders": [{"type": "nul"}],\n  "provisioners": [{"type": "shell-local", "inlin": ["x"]}]\n}\n',
    );
    const run = await runCli(['validate', t], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Template ${t} has 2 errors:`);
    expect(run.stderr).toContain(
      `${t}:2:25: builders[0].type: unknown builder type "nul"\n    hint: did you mean "null"?`,
    );
    expect(run.stderr).toContain(
      `${t}:3:44: provisioners[0].inlin: unknown option "inlin"\n    hint: did you mean "inline"?`,
    );
  });

  it('validate -syntax-only checks JSON only', async () => {
    const dir = tempDir();
    const ok = writeTemplate(dir, { builders: [{ type: 'nosuch' }] }, 'ok.json');
    expect((await runCli(['validate', '-syntax-only', ok], { cwd: dir })).stdout).toContain(
      'Syntax-only check passed.',
    );
    const bad = writeTemplate(dir, '{"builders": [}', 'bad.json');
    const run = await runCli(['validate', '-syntax-only', bad], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${bad}:1:15: invalid JSON: expected a value`);
  });

  it('reports a missing template file without a stack trace', async () => {
    const dir = tempDir();
    const run = await runCli(['build', 'nope.json'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('nope.json: no such file');
    expect(run.all).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('inspect shows variables (sensitive ones hidden), builds, provisioners and chains', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      description: 'A web server image',
      variables: { region: 'eu', key: 'abc', must: null },
      'sensitive-variables': ['key'],
      builders: [
        { type: 'null', name: 'web' },
        { type: 'file', target: 't', content: '' },
      ],
      provisioners: [{ type: 'shell-local', inline: ['x'] }],
      'post-processors': ['manifest', [{ type: 'checksum' }, { type: 'shell-local', inline: ['y'] }]],
    });
    const run = await runCli(['inspect', t], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Description:\n\nA web server image');
    expect(run.stdout).toContain('Required variables:\n\n  must');
    expect(run.stdout).toContain('  key    = <sensitive>\n  region = eu');
    expect(run.stdout).toContain('Builders:\n\n  web (null)\n  file');
    expect(run.stdout).toContain('  0: manifest\n  1: checksum -> shell-local');
  });

  it('version and --help exit 0; an unknown flag exits 1 with a suggestion', async () => {
    const dir = tempDir();
    expect((await runCli(['version'], { cwd: dir })).stdout).toMatch(/^boxwright v\d+\.\d+\.\d+\n$/);
    const help = await runCli(['build', '--help'], { cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--parallel-builds <n>');
    const bad = await runCli(['build', '-paralel-builds=2', 'x.json'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("unknown option '--paralel-builds=2'");
    expect(bad.stderr).toContain('--parallel-builds');
  });
});
