import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/cli.js';
import { loadFile, marked, type ValidateOptions } from '../../support/validate.js';

/** Loads HCL2 text written as template.pkr.hcl (plus other files) in a fresh directory. */
function loadHcl(text: string, options: ValidateOptions = {}, files: Record<string, string> = {}) {
  const dir = tempDir();
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  const file = path.join(dir, 'template.pkr.hcl');
  writeFileSync(file, text);
  return loadFile(file, options);
}

const SMALL = (body: string) => `
source "file" "hello" {
  target  = "hello.txt"
  content = "hello"
}
${body}
`;

describe('HCL2 templates', () => {
  it('take variables from defaults, PKR_VAR_*, auto and named var-files and -var, in that order, converted to their type', () => {
    const template = `
variable "a" { type = string }
variable "b" {
  type    = number
  default = 1
}
variable "c" { default = "default" }
variable "d" { default = "default" }
variable "tags" {
  type    = list(string)
  default = []
}
${SMALL(`build {
  sources = ["source.file.hello"]
  provisioner "shell-local" {
    inline = ["echo \${var.a} \${var.b + 1} \${var.c} \${var.d} \${join(",", var.tags)}"]
  }
}`)}`;
    const { loaded, diagnostics } = loadHcl(
      template,
      {
        env: { PKR_VAR_a: 'from-env', PKR_VAR_c: 'env' },
        varFiles: ['mine.pkrvars.hcl'],
        vars: ['d=cli', 'tags=["x", "y"]'],
      },
      { 'mine.pkrvars.hcl': 'b = "41"\nc = "file"\n' },
    );
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const inline = (loaded!.builds[0]!.provisioners[0]!.config as { inline: string[] }).inline;
    expect(inline).toEqual(['echo from-env 42 file cli x,y']);
  });

  it('evaluate expressions with HCL semantics: functions, for, conditionals, splats, heredocs and templatefile', () => {
    const { loaded, diagnostics } = loadHcl(
      SMALL(`
locals {
  servers = [{ name = "a", port = 80 }, { name = "b", port = 443 }]
  names   = local.servers[*].name
  secure  = [for s in local.servers : upper(s.name) if s.port == 443]
  by_name = { for s in local.servers : s.name => s.port }
  script  = <<-EOT
    echo \${length(local.names)}
      indented
    EOT
}
build {
  sources = ["source.file.hello"]
  provisioner "shell-local" {
    inline = [
      join(",", local.names),
      join(",", local.secure),
      format("%s=%d", "b", local.by_name["b"]),
      local.script,
      templatefile("\${path.root}/seed.tpl", { user = "vagrant", keys = ["k1", "k2"] }),
      length(local.names) > 1 ? "many" : "one",
      replace(substr(sha256("x"), 0, 8), "/[a-f]/", ""),
      can(regex("^[a-z]+$", "abc")) && !can(regex("^[a-z]+$", "ABC")) ? try(local.nope, "fallback") : "no",
      formatdate("EEE, DD MMM YYYY hh:mm 'UTC'", "2020-01-02T03:04:05Z"),
    ]
  }
}`),
      {},
      { 'seed.tpl': 'user: ${user}\nkeys: ${join(" ", keys)}' },
    );
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect((loaded!.builds[0]!.provisioners[0]!.config as { inline: string[] }).inline).toEqual([
      'a,b',
      'B',
      'b=443',
      'echo 2\n  indented\n',
      'user: vagrant\nkeys: k1 k2',
      'many',
      '2711642',
      'fallback',
      'Thu, 02 Jan 2020 03:04 UTC',
    ]);
  });

  it('run provisioners and post-processors of a build block only on its own sources, named TYPE.NAME', () => {
    const { loaded, diagnostics } = loadHcl(`
source "file" "a" {
  target  = "a.txt"
  content = "a"
}
source "file" "b" {
  target  = "b.txt"
  content = "b"
}
build {
  sources = ["source.file.a", "source.file.b"]
  provisioner "shell-local" {
    only   = ["file.b"]
    inline = ["echo only-b"]
  }
  post-processor "checksum" {}
}
build {
  name = "again"
  source "source.file.a" {
    name   = "c"
    target = "c.txt"
  }
  provisioner "shell-local" { inline = ["echo c"] }
}
`);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const builds = Object.fromEntries(loaded!.builds.map((b) => [b.name, b]));
    expect(Object.keys(builds)).toEqual(['file.a', 'file.b', 'file.c']);
    expect(builds['file.a']!.provisioners).toEqual([]);
    expect(builds['file.b']!.provisioners.map((p) => (p.config as { inline: string[] }).inline)).toEqual([
      ['echo only-b'],
    ]);
    expect(builds['file.c']!.provisioners.map((p) => (p.config as { inline: string[] }).inline)).toEqual([['echo c']]);
    expect(builds['file.c']!.config).toMatchObject({ target: 'c.txt', content: 'a' });
    expect(builds['file.a']!.chains.map((c) => c.map((pp) => pp.type))).toEqual([['checksum']]);
    expect(builds['file.c']!.chains).toEqual([]);
  });

  it("expand dynamic blocks: one block per item, with the iterator's key and value", () => {
    const { loaded, diagnostics } = loadHcl(`
variable "disks" {
  default = { "/dev/xvdb" = 10, "/dev/xvdc" = 20 }
}
source "amazon-ebs" "app" {
  region        = "us-east-1"
  source_ami    = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  ssh_username  = "admin"
  ami_name      = "app"
  dynamic "launch_block_device_mappings" {
    for_each = var.disks
    iterator = disk
    content {
      device_name = disk.key
      volume_size = disk.value
    }
  }
}
build { sources = ["source.amazon-ebs.app"] }
`);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(JSON.stringify(loaded!.builds[0]!.config)).toContain('/dev/xvdc');
    const raw = loaded!.root.builders as { launch_block_device_mappings: unknown }[];
    expect(raw[0]!.launch_block_device_mappings).toEqual([
      { device_name: '/dev/xvdb', volume_size: 10 },
      { device_name: '/dev/xvdc', volume_size: 20 },
    ]);
  });

  it('render %{if} and %{for} directives, with ~ stripping, in strings, heredocs and templatefile', () => {
    const { loaded, diagnostics } = loadHcl(
      SMALL(`
locals {
  users = ["alice", "bob"]
  inline = "%{ for u in local.users }[\${u}]%{ endfor }%{ if length(local.users) > 2 }many%{ else }few%{ endif }"
  listing = <<-EOT
    %{~ for i, u in local.users ~}
    \${i}:\${u}
    %{~ endfor ~}
    EOT
}
build {
  sources = ["source.file.hello"]
  provisioner "shell-local" {
    inline = [local.inline, local.listing, templatefile("\${path.root}/preseed.tpl", { packages = ["curl", "git"], proxy = "" })]
  }
}`),
      {},
      {
        'preseed.tpl': [
          'd-i pkgsel/include string %{ for p in packages }\${p} %{ endfor }',
          '%{ if proxy != "" }d-i mirror/http/proxy string \${proxy}%{ else }d-i mirror/http/proxy string%{ endif }',
          '',
        ].join('\n'),
      },
    );
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect((loaded!.builds[0]!.provisioners[0]!.config as { inline: string[] }).inline).toEqual([
      '[alice][bob]few',
      '0:alice1:bob',
      'd-i pkgsel/include string curl git \nd-i mirror/http/proxy string\n',
    ]);
  });

  it("read .pkr.json files (HCL's JSON syntax) as their native twin, with located errors", () => {
    const native = loadHcl(`
variable "names" {
  type    = list(string)
  default = ["a", "b"]
}
source "file" "hello" {
  target  = "hello.txt"
  content = join(",", var.names)
}
build {
  sources = ["source.file.hello"]
  provisioner "shell-local" { inline = ["echo \${upper(var.names[0])}"] }
  post-processors {
    post-processor "checksum" { checksum_types = ["sha256"] }
  }
}
`);
    const json = {
      variable: { names: { type: 'list(string)', default: ['a', 'b'] } },
      source: { file: { hello: { target: 'hello.txt', content: '${join(",", var.names)}' } } },
      build: {
        sources: ['source.file.hello'],
        provisioner: [{ 'shell-local': { inline: ['echo ${upper(var.names[0])}'] } }],
        'post-processors': { 'post-processor': { checksum: { checksum_types: ['sha256'] } } },
      },
    };
    const dir = tempDir();
    writeFileSync(path.join(dir, 'template.pkr.json'), JSON.stringify(json, null, 2));
    const fromJson = loadFile(path.join(dir, 'template.pkr.json'));
    expect(fromJson.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const shape = (l: typeof native.loaded) =>
      l!.builds.map((b) => ({
        config: b.config,
        provisioners: b.provisioners.map((p) => p.config),
        chains: b.chains.map((c) => c.map((pp) => pp.config)),
      }));
    expect(shape(fromJson.loaded)).toEqual(shape(native.loaded));

    const broken = { ...json, source: { file: { hello: { target: 'hello.txt', contnt: 'x' } } } };
    writeFileSync(path.join(dir, 'broken.pkr.json'), JSON.stringify(broken, null, 2));
    const { diagnostics } = loadFile(path.join(dir, 'broken.pkr.json'));
    const line =
      JSON.stringify(broken, null, 2)
        .split('\n')
        .findIndex((l) => l.includes('"contnt"')) + 1;
    expect(diagnostics).toContainEqual(
      expect.objectContaining({
        file: 'broken.pkr.json',
        line,
        message: expect.stringContaining('unknown option "contnt"'),
      }),
    );
  });

  it('fails a variable validation with its error_message, at the value that broke it', () => {
    const { diagnostics } = loadHcl(
      `
variable "cpus" {
  type    = number
  default = 2
  validation {
    condition     = var.cpus <= 16
    error_message = "At most 16 CPUs."
  }
}
${SMALL('build { sources = ["source.file.hello"] }')}`,
      { varFiles: ['big.pkrvars.hcl'] },
      { 'big.pkrvars.hcl': '\ncpus = 32\n' },
    );
    expect(diagnostics).toContainEqual(
      expect.objectContaining({
        file: 'big.pkrvars.hcl',
        line: 2,
        column: 1,
        message: 'invalid value for "cpus": At most 16 CPUs.',
      }),
    );
  });

  it("check the packer block's constraints, and warn when the template asks for a newer Packer", () => {
    const fits = loadHcl(
      `packer {
  required_version = ">= 1.6.0, < 2.0.0"
  required_plugins {
    qemu = {
      version = "~> 1.0"
      source  = "github.com/hashicorp/qemu"
    }
  }
}
` + SMALL('build { sources = ["source.file.hello"] }'),
    );
    expect(fits.diagnostics).toEqual([]);
    const newer = loadHcl(
      'packer {\n  required_version = ">= 1.10.0"\n}\n' + SMALL('build { sources = ["source.file.hello"] }'),
    );
    expect(newer.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'warning',
        line: 2,
        column: 22,
        message: 'the template asks for Packer >= 1.10.0; boxwright reads HCL2 as Packer 1.7.0 does',
      }),
    ]);
  });

  it('hides the values of sensitive variables in every message', () => {
    const { diagnostics } = loadHcl(`
variable "token" {
  default   = "s3cr3t-t0ken-value"
  sensitive = true
}
source "file" "hello" {
  target  = "hello.txt"
  content = var.token
  nonsense = "\${var.token}"
}
build { sources = ["source.file.hello"] }
`);
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(JSON.stringify(diagnostics)).not.toContain('s3cr3t-t0ken-value');
  });
});

/** Each case: a broken template with @@ where the error must point, and words of the message. */
const broken: [name: string, template: string, message: string][] = [
  ['unclosed directive', 'locals {\n  a = "@@%{ if true }yes"\n}', 'this template directive is never closed'],
  ['unclosed string', 'variable "a" {\n  default = @@"abc\n}', 'this string is never closed'],
  ['unclosed block', '@@source "file" "x" {\n  target = "a"\n', 'this block is never closed'],
  ['attribute without =', 'source "file" "x" {\n  target "a"@@\n}', 'expected "=" or "{" after "target"'],
  ['bad escape', 'locals {\n  a = "x@@\\q"\n}', '"\\q" is not an escape HCL knows'],
  ['two attributes on a line', 'locals {\n  a = 1 @@b = 2\n}', 'expected a new line after the attribute'],
  [
    'unknown setting in the packer block',
    'packer {\n  @@required_versoin = ">= 1.7"\n}',
    'unknown attribute "required_versoin"',
  ],
  ['unknown top-level block', '@@sorce "file" "x" {}', 'unknown block type "sorce"'],
  [
    'unknown function',
    'locals {\n  a = @@uper("x")\n}\n' + SMALL('build { sources = ["source.file.hello"] }'),
    'there is no function named "uper"',
  ],
  [
    'undefined variable',
    'locals {\n  a = @@var.nope\n}\n' + SMALL('build { sources = ["source.file.hello"] }'),
    'this object has no attribute "nope"',
  ],
  [
    'cycle between locals',
    'locals {\n  @@a = local.b\n  b = local.a\n}\n' + SMALL('build { sources = ["source.file.hello"] }'),
    'the locals refer to each other in a cycle',
  ],
  ['missing source', SMALL('build {\n  sources = [@@"source.file.nope"]\n}'), 'there is no source "source.file.nope"'],
  [
    'unknown option of a builder',
    'source "file" "x" {\n  target = "a"\n  @@contnt = "b"\n}\nbuild { sources = ["source.file.x"] }',
    'unknown option "contnt"',
  ],
  [
    'wrong type of an option',
    'source "file" "x" {\n  target = @@["a"]\n}\nbuild { sources = ["source.file.x"] }',
    'must be a string',
  ],
  [
    'variable without a value',
    'variable @@"region" {\n  type = string\n}\n' + SMALL('build { sources = ["source.file.hello"] }'),
    'the variable "region" has no value',
  ],
  [
    'wrong type of a default',
    'variable "n" {\n  type    = number\n  default = @@"many"\n}\n' +
      SMALL('build { sources = ["source.file.hello"] }'),
    'where a number is needed',
  ],
  [
    'env outside a variable default',
    'locals {\n  home = @@env("HOME")\n}\n' + SMALL('build { sources = ["source.file.hello"] }'),
    'env() can be used only in the default of a variable',
  ],
  [
    'required_version that is not a constraint',
    'packer {\n  required_version = @@">= one"\n}\n' + SMALL('build { sources = ["source.file.hello"] }'),
    'required_version is not a version constraint: ">= one"',
  ],
  [
    'required plugin without a source',
    'packer {\n  required_plugins {\n    qemu = @@{ version = ">= 1.0" }\n  }\n}\n' +
      SMALL('build { sources = ["source.file.hello"] }'),
    'the plugin "qemu" needs a "source"',
  ],
  [
    'required plugin with a bad version',
    'packer {\n  required_plugins {\n    qemu = @@{ version = "latest", source = "github.com/hashicorp/qemu" }\n  }\n}\n' +
      SMALL('build { sources = ["source.file.hello"] }'),
    'has a "version" that is not a version constraint: "latest"',
  ],
  [
    'build.* in a source',
    'source "file" "x" {\n  target  = "a"\n  content = @@build.ID\n}\nbuild { sources = ["source.file.x"] }',
    'build.* is known only in the provisioner and post-processor blocks of a build',
  ],
  [
    'a build value Packer does not have',
    SMALL('build {\n  sources = ["source.file.hello"]\n  provisioner "shell-local" { inline = [@@build.Hots] }\n}'),
    'no attribute "Hots"',
  ],
];

describe('broken HCL2 templates', () => {
  it('name an option by its block, not by its place in a JSON template', () => {
    const { diagnostics } = loadHcl(
      'source "file" "x" {\n  target = "a"\n  contnt = "b"\n}\nbuild {\n  sources = ["source.file.x"]\n  provisioner "shell-local" { inline = [1, {}] }\n}',
    );
    expect(diagnostics.map((d) => d.path)).toEqual(
      expect.arrayContaining(['source.file.x.contnt', 'provisioner "shell-local".inline[1]']),
    );
  });

  it.each(broken)('%s', (_name, template, message) => {
    const { text, line, column } = marked(template);
    const { diagnostics } = loadHcl(text);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    expect(errors).toContainEqual(
      expect.objectContaining({ file: 'template.pkr.hcl', line, column, message: expect.stringContaining(message) }),
    );
  });
});
