import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';
import { startSshd, TEST_USER, type Sshd } from '../support/sshd.js';

// The machine is this host behind a real sshd, as a null build reaches it; build.* is read
// from the running build, as Packer's HCL2 provisioners and post-processors read it.
let sshd: Sshd;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.dispose();
});

function template(dir: string, provisioner: string, postProcessor = ''): string {
  const file = path.join(dir, 'machine.pkr.hcl');
  writeFileSync(
    file,
    `source "null" "box" {
  ssh_host             = "127.0.0.1"
  ssh_port             = ${sshd.port}
  ssh_username         = "${TEST_USER}"
  ssh_private_key_file = "${sshd.clientKey}"
  ssh_timeout          = "20s"
}

build {
  name    = "web"
  sources = ["source.null.box"]
${provisioner}
${postProcessor}
}
`,
  );
  return file;
}

describe('build.* in an HCL2 template', () => {
  it("gives provisioners and post-processors the running machine's values, and hides its private key", async () => {
    const dir = tempDir();
    // The script runs as the test user, who writes its file here.
    chmodSync(dir, 0o777);
    const file = template(
      dir,
      `  provisioner "shell" {
    inline = [
      "echo host=\${build.Host} port=\${build.Port} user=\${build.User} conn=\${build.ConnType} build=\${build.name}",
      "echo '\${build.SSHPublicKey}' > \${path.root}/public.txt",
      "echo '\${build.SSHPrivateKey}'",
    ]
  }`,
      `  post-processor "shell-local" {
    inline = ["echo after: \${build.Host}:\${build.Port} run \${build.PackerRunUUID}"]
  }`,
    );
    const run = await runCli(['build', '-color=false', file], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(run.all).toContain(`host=127.0.0.1 port=${sshd.port} user=${TEST_USER} conn=ssh build=web`);
    expect(run.all).toMatch(new RegExp(`after: 127\\.0\\.0\\.1:${sshd.port} run [0-9a-f-]{36}`));
    // The public key the machine was reached with, as ssh-keygen wrote it.
    const publicKey = readFileSync(`${sshd.clientKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    expect(readFileSync(path.join(dir, 'public.txt'), 'utf8').trim()).toBe(publicKey);
    // The private key went through the script, but never to the output.
    const keyLines = readFileSync(sshd.clientKey, 'utf8')
      .split('\n')
      .filter((line) => line.length > 20 && !line.startsWith('-----'));
    expect(keyLines.length).toBeGreaterThan(0);
    for (const line of keyLines) expect(run.all).not.toContain(line);
    expect(run.all).toContain('<sensitive>');
  });

  it('validates with the values unknown, and locates a value Packer does not have', async () => {
    const dir = tempDir();
    const good = template(dir, `  provisioner "shell" { inline = ["echo \${build.ID} \${build.PackerHTTPAddr}"] }`);
    const valid = await runCli(['validate', good], { cwd: dir });
    expect(valid.code, valid.all).toBe(0);

    const bad = template(dir, `  provisioner "shell" { inline = ["echo \${build.Hots}"] }`);
    const invalid = await runCli(['validate', bad], { cwd: dir });
    expect(invalid.code).toBe(1);
    expect(invalid.all).toMatch(/machine\.pkr\.hcl:12:\d+: .*Hots/);
    expect(invalid.all).toContain('Host');
  });

  it('refuses build.* in a source block, where no machine exists yet', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'source.pkr.hcl');
    writeFileSync(
      file,
      `source "null" "box" {
  communicator = "none"
  ssh_host     = build.Host
}

build { sources = ["source.null.box"] }
`,
    );
    const run = await runCli(['validate', file], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.all).toContain(
      'source.pkr.hcl:3:18: build.* is known only in the provisioner and post-processor blocks',
    );
  });
});
