import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';

// A directory of HCL2 files, as Packer users lay them out: variables, sources and builds apart.
function project(): string {
  const dir = tempDir();
  writeFileSync(
    path.join(dir, 'variables.pkr.hcl'),
    `variable "greeting" {
  type    = string
  default = "hello"
}

variable "api_token" {
  type      = string
  sensitive = true
}
`,
  );
  writeFileSync(
    path.join(dir, 'build.pkr.hcl'),
    `locals {
  message = "\${upper(var.greeting)} from \${path.root}"
}

source "file" "motd" {
  target  = "motd.txt"
  content = local.message
}

source "file" "other" {
  target  = "other.txt"
  content = "other"
}

source "null" "hello" {
  communicator = "none"
}

build {
  sources = ["source.file.motd", "source.file.other", "source.null.hello"]

  provisioner "shell-local" {
    only   = ["null.hello"]
    inline = ["echo token is \${var.api_token}", "echo built \${source.type}.\${source.name} as $PACKER_BUILD_NAME"]
  }

  post-processor "manifest" {
    output = "manifest.json"
  }
}
`,
  );
  writeFileSync(path.join(dir, 'secrets.auto.pkrvars.hcl'), 'api_token = "tok-4f9d2c81e7"\n');
  return dir;
}

describe('an HCL2 template directory', () => {
  it('builds with boxwright build DIR: auto var-files, locals, -only on TYPE.NAME, the secret hidden', async () => {
    const dir = project();
    const run = await runCli(['build', '-color=false', '-only=file.motd,null.*', '.'], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(readFileSync(path.join(dir, 'motd.txt'), 'utf8')).toBe(`HELLO from ${dir}`);
    expect(existsSync(path.join(dir, 'other.txt'))).toBe(false);
    expect(run.all).toContain('null.hello: token is <sensitive>');
    // Packer gives a source's plugins its NAME alone as the build name.
    expect(run.all).toContain('null.hello: built null.hello as hello');
    expect(run.all).not.toContain('tok-4f9d2c81e7');
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.builds.map((b: { name: string }) => b.name).sort()).toEqual(['file.motd', 'null.hello']);
  });

  it('validates, checks only the syntax, and inspects', async () => {
    const dir = project();
    expect((await runCli(['validate', '.'], { cwd: dir })).all).toContain('Template validated successfully.');
    writeFileSync(path.join(dir, 'broken.pkr.hcl'), 'locals {\n  a = [1, 2\n}\n');
    const syntax = await runCli(['validate', '-syntax-only', '.'], { cwd: dir });
    expect(syntax.code).toBe(1);
    expect(syntax.all).toContain('broken.pkr.hcl:3:1: expected "," or "]" in the list, found "}"');
    rmSync(path.join(dir, 'broken.pkr.hcl'));
    const inspect = await runCli(['inspect', '.'], { cwd: dir });
    expect(inspect.code, inspect.all).toBe(0);
    expect(inspect.all).toContain('Required variables:\n\n  api_token');
    expect(inspect.all).toContain('greeting = hello');
  });
});
