import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/cli.js';
import { loadText } from '../../support/validate.js';

const template = JSON.stringify({
  variables: {
    region: 'default-region',
    size: 'small',
    zone: null,
    home: '{{env `HOME`}}',
    greeting: 'hi {{user `region`}}',
  },
  builders: [
    {
      type: 'file',
      target: 'out.txt',
      content: '{{user `region`}} {{user `size`}} {{user `zone`}} {{user `home`}} {{user `greeting`}}',
    },
  ],
});

function varFile(values: Record<string, unknown>): string {
  const file = path.join(tempDir(), 'vars.json');
  writeFileSync(file, JSON.stringify(values));
  return file;
}

function content(options: Parameters<typeof loadText>[1]): string {
  const { loaded, diagnostics } = loadText(template, { env: { HOME: '/home/u' }, ...options });
  if (!loaded) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  return (loaded.builds[0]!.config as { content: string }).content;
}

describe('variable precedence (Packer order: default < -var-file < -var)', () => {
  it('uses defaults, env in defaults, and other variables in defaults', () => {
    expect(content({ vars: ['zone=a'] })).toBe('default-region small a /home/u hi default-region');
  });

  it('lets a var-file override a default', () => {
    expect(content({ vars: ['zone=a'], varFiles: [varFile({ region: 'file-region' })] })).toBe(
      'file-region small a /home/u hi file-region',
    );
  });

  it('lets a later var-file override an earlier one', () => {
    expect(
      content({ vars: ['zone=a'], varFiles: [varFile({ size: 'medium' }), varFile({ size: 'large' })] }),
    ).toContain('large');
  });

  it('lets -var win over a var-file, whichever comes first on the command line', () => {
    expect(content({ vars: ['region=cli-region', 'zone=a'], varFiles: [varFile({ region: 'file-region' })] })).toMatch(
      /^cli-region /,
    );
  });

  it('takes the last -var for the same name', () => {
    expect(content({ vars: ['zone=a', 'zone=b'] })).toContain(' b ');
  });

  it('keeps "=" inside a -var value', () => {
    expect(content({ vars: ['zone=a=b'] })).toContain(' a=b ');
  });

  it('makes a null default required, satisfied by a var-file too', () => {
    const { diagnostics } = loadText(template);
    expect(diagnostics.map((d) => d.message)).toContain('required variable "zone" has no value');
    expect(content({ varFiles: [varFile({ zone: 'from-file' })] })).toContain('from-file');
  });

  it('uses an undeclared -var as Packer 1.6 does, with a warning that suggests the declared name', () => {
    const { loaded, diagnostics } = loadText(template, { vars: ['zone=a', 'regoin=x'] });
    expect(loaded).toBeDefined();
    expect(diagnostics).toContainEqual(
      expect.objectContaining({
        path: '-var',
        severity: 'warning',
        message:
          'variable "regoin" is not declared in the template; its value is used where the template names it, as in Packer 1.6',
        hint: 'did you mean "region"?',
      }),
    );
  });

  it('gives the template the values of undeclared -var and var-file names, and takes null in a var-file as no value', () => {
    const t =
      '{"builders": [{"type": "file", "target": "out.txt", "content": "{{user `from_cli`}}/{{user `from_file`}}/{{user `region`}}"}], "variables": {"region": "eu"}}';
    const { loaded, diagnostics } = loadText(t, {
      vars: ['from_cli=a'],
      varFiles: [varFile({ from_file: 'b', region: null })],
    });
    expect(diagnostics.filter((d) => d.severity !== 'warning')).toEqual([]);
    expect((loaded!.builds[0]!.config as { content: string }).content).toBe('a/b/eu');
  });

  it('keeps a late field in a variable default for the option that uses it to fill', () => {
    const t =
      '{"variables": {"boot": "<esc> url=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks.cfg<enter>"}, "builders": [{"type": "qemu", "iso_url": "x.iso", "iso_checksum": "none", "communicator": "none", "boot_command": ["{{ user `boot` }}"]}]}';
    const { loaded, diagnostics } = loadText(t);
    expect(diagnostics.filter((d) => d.severity !== 'warning')).toEqual([]);
    expect((loaded!.builds[0]!.config as { boot: { command: string } }).boot.command).toBe(
      '<esc> url=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks.cfg<enter>',
    );
  });

  it('only warns about an undeclared name in a var-file (var-files are shared between templates)', () => {
    const { loaded, diagnostics } = loadText(template, { vars: ['zone=a'], varFiles: [varFile({ other: 'x' })] });
    expect(loaded).toBeDefined();
    expect(diagnostics).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        message:
          'variable "other" is not declared in the template; its value is used where the template names it, as in Packer 1.6',
      }),
    );
  });

  it('reports a var-file that is not an object, and a value that is not a scalar, in that file', () => {
    const notObject = varFile(['x'] as unknown as Record<string, unknown>);
    const nested = varFile({ region: { a: 1 } });
    const { diagnostics } = loadText(template, { vars: ['zone=a'], varFiles: [notObject, nested] });
    expect(diagnostics).toContainEqual(
      expect.objectContaining({
        file: notObject,
        line: 1,
        column: 1,
        message: expect.stringContaining('must be a JSON object'),
      }),
    );
    expect(diagnostics).toContainEqual(
      expect.objectContaining({ file: nested, message: 'the value of "region" must be a string, number or boolean' }),
    );
  });

  it('reports a missing var-file by name', () => {
    const { diagnostics } = loadText(template, { vars: ['zone=a'], varFiles: ['/nonexistent/vars.json'] });
    expect(diagnostics).toContainEqual(
      expect.objectContaining({ file: '/nonexistent/vars.json', message: 'no such file' }),
    );
  });

  it('reports a -var without "="', () => {
    const { diagnostics } = loadText(template, { vars: ['zone'] });
    expect(diagnostics).toContainEqual(expect.objectContaining({ path: '-var', message: '"zone" is not NAME=VALUE' }));
  });

  it('turns number and boolean defaults into strings as Packer does', () => {
    const { loaded } = loadText(
      JSON.stringify({
        variables: { n: 2, b: true },
        builders: [{ type: 'file', target: 't', content: '{{user `n`}}/{{user `b`}}' }],
      }),
    );
    expect((loaded!.builds[0]!.config as { content: string }).content).toBe('2/true');
  });

  it('reports a cycle between variable defaults', () => {
    const { diagnostics } = loadText(
      JSON.stringify({ variables: { a: '{{user `b`}}', b: '{{user `a`}}' }, builders: [{ type: 'null' }] }),
    );
    expect(diagnostics.map((d) => d.message).join('\n')).toContain('refers to itself');
  });
});

describe('-only and -except', () => {
  const three = JSON.stringify({
    builders: [
      { type: 'null', name: 'web-a' },
      { type: 'null', name: 'web-b' },
      { type: 'null', name: 'db' },
    ],
  });
  const names = (o: Parameters<typeof loadText>[1]) => loadText(three, o).loaded?.builds.map((b) => b.name);

  it('selects builds by name and by glob, comma lists included', () => {
    expect(names({ only: ['web-*'] })).toEqual(['web-a', 'web-b']);
    expect(names({ only: ['db', 'web-b'] })).toEqual(['web-b', 'db']);
    expect(names({ except: ['web-?'] })).toEqual(['db']);
  });

  it('fails when a pattern matches no build, instead of building nothing', () => {
    expect(loadText(three, { only: ['dbb'] }).diagnostics).toContainEqual(
      expect.objectContaining({ path: '-only', message: '"dbb" matches no build' }),
    );
    expect(loadText(three, { except: ['nope'] }).diagnostics).toContainEqual(
      expect.objectContaining({ path: '-except', message: '"nope" matches no build or post-processor' }),
    );
  });

  it('fails when -only and -except together leave nothing', () => {
    expect(loadText(three, { only: ['db'], except: ['db'] }).diagnostics.map((d) => d.message)).toContain(
      'together they select no build',
    );
  });
});
