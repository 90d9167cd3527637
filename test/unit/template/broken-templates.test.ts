import { describe, expect, it } from 'vitest';
import { cases, withImpliedMarker } from '../../support/broken-json-templates.js';
import { loadText, marked } from '../../support/validate.js';

describe('validation of broken templates', () => {
  it('has at least 40 distinct mistakes', () => {
    expect(new Set(cases.map((c) => c[0])).size).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('%s', (_name, template, message) => {
    const { text, line, column } = marked(withImpliedMarker(template));
    const { diagnostics, file } = loadText(text);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const match = errors.find((d) => d.message.includes(message));
    expect(
      match,
      `no error containing ${JSON.stringify(message)} in:\n${errors.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n')}`,
    ).toBeDefined();
    expect({ file: match!.file, line: match!.line, column: match!.column }).toEqual({ file, line, column });
  });
});

describe('validation reports', () => {
  it('reports every problem at once, not just the first', () => {
    const { diagnostics } = loadText(
      '{"builders": [{"type": "nul"}, {"type": "file", "target": "t", "content": "{{ nope }}"}], "provisioners": [{"type": "shell-local"}], "post-processors": ["manifets"]}',
    );
    expect(diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('unknown builder type "nul"'),
        expect.stringContaining('unknown function "nope"'),
        expect.stringContaining('needs one of'),
        expect.stringContaining('unknown post-processor type "manifets"'),
      ]),
    );
  });

  it('suggests the nearest allowed value for an enum', () => {
    const { diagnostics } = loadText(
      '{"builders": [{"type": "file", "target": "t", "content": "x"}], "post-processors": [{"type": "checksum", "checksum_types": ["sha257"]}]}',
    );
    expect(diagnostics[0]!.hint).toBe('did you mean "sha256"?');
  });

  it('gives the JSON path and a hint with each problem', () => {
    const { diagnostics } = loadText('{"builders": [{"type": "file", "target": "t", "contnet": "x"}]}');
    const d = diagnostics.find((x) => x.message.includes('contnet'))!;
    expect(d.path).toBe('builders[0].contnet');
    expect(d.hint).toBe('did you mean "content"?');
  });

  it('points into a template string at the failing action, past escapes', () => {
    const { text, line, column } = marked(
      '{"builders": [{"type": "file", "target": "t", "content": "a\\"b\\u0041 {{ @@nope }}"}]}',
    );
    const { diagnostics } = loadText(text);
    expect(diagnostics.find((d) => d.message.includes('nope'))).toMatchObject({ line, column });
  });

  it('renders an undeclared user variable as an empty string with a located warning, as Packer 1.6 builds it', () => {
    const { text, line, column } = marked(
      '{"builders": [{"type": "file", "target": "t", "content": "x {{ @@user `nope` }}"}], "variables": {"region": "x"}}',
    );
    const { loaded, diagnostics } = loadText(text);
    expect(loaded?.builds[0]?.config).toMatchObject({ content: 'x ' });
    expect(diagnostics).toEqual([
      expect.objectContaining({
        severity: 'warning',
        line,
        column,
        message: 'user variable "nope" is not declared: it is rendered as an empty string, as Packer 1.6 does',
        hint: 'declare it in "variables", or use one of: region',
      }),
    ]);
  });

  it('notes min_packer_version as accepted and ignored, without failing', () => {
    const { loaded, diagnostics } = loadText('{"min_packer_version": "1.5.0", "builders": [{"type": "null"}]}');
    expect(loaded).toBeDefined();
    expect(diagnostics.find((d) => d.severity === 'warning')?.message).toContain(
      'min_packer_version "1.5.0" is accepted and ignored',
    );
  });

  it('says an accepted option it does not use is ignored, rather than dropping it silently', () => {
    const { loaded, diagnostics } = loadText(
      '{"builders": [{"type": "qemu", "iso_url": "x.iso", "iso_checksum": "none", "iso_target_path": "/isos/x.iso", "ssh_username": "u", "ssh_password": "p"}]}',
    );
    expect(loaded).toBeDefined();
    expect(diagnostics).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        path: 'builders[0].iso_target_path',
        message: '"iso_target_path" is ignored: downloads go to the shared cache',
      }),
    );
  });

  it('refuses a key named twice in one object, at the second, naming the first line', () => {
    const { loaded, diagnostics } = loadText(
      '{\n  "builders": [{"type": "null"}],\n  "provisioners": [{"type": "shell-local",\n    "inline": ["a"],\n    "inline": ["b"]}]\n}',
    );
    expect(loaded).toBeUndefined();
    expect(diagnostics).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        line: 5,
        column: 5,
        message: 'the key "inline" is here a second time in one object (first at line 4)',
      }),
    );
  });

  it('accepts // and /* */ comments alike, with one warning that Packer refuses them', () => {
    for (const comment of ['// the builds', '/* the builds */']) {
      const { loaded, diagnostics } = loadText(`{\n  ${comment}\n  "builders": [{"type": "null"}] // more\n}`);
      expect(loaded?.builds, comment).toHaveLength(1);
      const warnings = diagnostics.filter((d) => d.message.includes('comments'));
      expect(warnings, comment).toEqual([
        expect.objectContaining({
          severity: 'warning',
          line: 2,
          column: 3,
          message: expect.stringContaining('Packer 1.6 refuses the file'),
        }),
      ]);
    }
  });

  it('bounds memory and cpus by what the platforms take, and refuses 1e999 anywhere', () => {
    const qemu = (extra: string) =>
      loadText(
        `{"builders": [{"type": "qemu", "iso_url": "x.iso", "iso_checksum": "none", "ssh_username": "u", "ssh_password": "p", ${extra}}]}`,
      );
    for (const [extra, message] of [
      ['"memory": 1e23', /memory.*(at most|no more than|<=).*6291456/],
      ['"memory": 1e999', /Infinity is not a number any platform takes/],
      ['"cpus": 100000', /cpus.*1024/],
    ] as const) {
      const { loaded, diagnostics } = qemu(extra);
      expect(loaded, extra).toBeUndefined();
      expect(diagnostics.map((d) => `${d.path} ${d.message}`).join('\n'), extra).toMatch(message);
    }
    expect(qemu('"memory": 4096, "cpus": 8').loaded).toBeDefined();
  });

  it('takes a number or boolean variable default as a string, warning that Packer refuses it', () => {
    const { loaded, diagnostics } = loadText(
      '{"variables": {"count": 2, "on": true, "name": "x"}, "builders": [{"type": "file", "target": "t", "content": "{{user `count`}} {{user `on`}}"}]}',
    );
    expect(loaded?.builds).toHaveLength(1);
    expect(diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.path}: ${d.message}`)).toEqual([
      'variables.count: the default of "count" is the number 2: boxwright takes it as the string "2", Packer 1.6 refuses the template',
      'variables.on: the default of "on" is the boolean true: boxwright takes it as the string "true", Packer 1.6 refuses the template',
    ]);
  });

  it('reads quoted numbers in a list of numbers as numbers, warning that Packer refuses them', () => {
    const { loaded, diagnostics } = loadText(
      '{"builders": [{"type": "null"}], "provisioners": [{"type": "shell-local", "inline": ["exit 3"], "valid_exit_codes": ["0", 3]}]}',
    );
    expect(loaded?.builds[0]?.provisioners[0]?.config).toMatchObject({ validExitCodes: [0, 3] });
    expect(diagnostics.filter((d) => d.severity === 'warning').map((d) => d.message)).toEqual([
      '"0" in "valid_exit_codes" is a string: boxwright reads it as a number, Packer 1.6 refuses the template',
    ]);
  });

  it('accepts keys that start with an underscore as comments', () => {
    const { loaded } = loadText(
      '{"_comment": "x", "builders": [{"type": "null", "_note": "y"}], "provisioners": [{"type": "shell-local", "inline": ["x"], "_why": "z"}]}',
    );
    expect(loaded?.builds).toHaveLength(1);
  });

  it('refuses a template nested thousands of levels deep with a located error, not a crash', () => {
    const depth = 5000;
    const { diagnostics } = loadText(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      line: 1,
      column: 512 * 5 + 1,
      message: 'the JSON is nested more than 512 levels deep here',
    });
  });

  it('calls random bytes not a text file, without a hint about quotes', () => {
    const bytes = Buffer.alloc(300);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 151 + 7) % 256;
    const { diagnostics } = loadText(bytes.toString('latin1').replace(/^./, '\0'));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.message).toBe('this is not a text file, so it cannot be a JSON template');
  });

  it('hints at double quotes only when the unexpected character is a single quote', () => {
    const { diagnostics } = loadText('{"builders": [{"type": "null", "x": #}]}');
    const d = diagnostics.find((x) => x.message.includes('unexpected character'))!;
    expect(d.hint).toBeUndefined();
  });

  it('warns when a sensitive value is so short or common that it is hidden only where it stands alone', () => {
    const { loaded, diagnostics } = loadText(
      '{"variables": {"pw": "vagrant"}, "sensitive-variables": ["pw"], "builders": [{"type": "null"}]}',
    );
    expect(loaded).toBeDefined();
    expect(diagnostics).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        path: 'variables.pw',
        message: expect.stringContaining('is short or a plain word'),
      }),
    );
  });
});
