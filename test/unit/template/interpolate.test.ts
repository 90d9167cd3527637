import { describe, expect, it } from 'vitest';
import { cleanResourceName } from '../../../src/template/interpolate/functions.js';
import { formatGoTime } from '../../../src/template/interpolate/go-time.js';
import { TemplateError } from '../../../src/template/interpolate/parse.js';
import { render } from '../../../src/template/interpolate/render.js';
import { testScope } from '../../support/render.js';

const r = (text: string, extra: Parameters<typeof render>[1] extends infer O ? Partial<O> : never = {}) =>
  render(text, { scope: testScope(), ...extra });

function errorOf(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  throw new Error('expected a TemplateError');
}

describe('template functions', () => {
  it('user returns a declared variable and refuses an undeclared one with the declared names', () => {
    expect(r('{{user `region`}}')).toBe('eu-west-1');
    const err = errorOf(() => r('{{user `zone`}}'));
    expect(err.message).toContain('user variable "zone" is not declared');
    expect(err.hint).toContain('region');
  });

  it('env works only in the variables section', () => {
    expect(render('{{env `HOME`}}', { scope: testScope({ section: 'variables' }) })).toBe('/home/tester');
    expect(errorOf(() => r('{{env `HOME`}}')).message).toContain(
      'env may only be used in the default value of a variable',
    );
  });

  it('timestamp is the run start in Unix seconds', () => {
    expect(r('{{timestamp}}')).toBe(String(Date.UTC(2020, 0, 2, 15, 4, 5) / 1000));
  });

  it('uuid gives a fresh RFC 4122 id each time', () => {
    const a = r('{{uuid}}');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r('{{uuid}}')).not.toBe(a);
  });

  it('isotime defaults to RFC 3339 and accepts Go layouts', () => {
    expect(r('{{isotime}}')).toBe('2020-01-02T15:04:05Z');
    expect(r('{{isotime "2006-01-02"}}')).toBe('2020-01-02');
    expect(r('{{isotime "20060102-150405"}}')).toBe('20200102-150405');
    expect(r('{{isotime `Mon Jan _2 3:04PM 2006 MST`}}')).toBe('Thu Jan  2 3:04PM 2020 UTC');
    expect(r('{{isotime "Monday, January 2 06 .000 -07:00 Z07:00 002"}}')).toBe(
      'Thursday, January 2 20 .123 +00:00 Z 002',
    );
  });

  it('build_name and build_type come from the build, and are refused outside one', () => {
    expect(r('{{build_name}}-{{build_type}}')).toBe('web-null');
    expect(errorOf(() => render('{{build_name}}', { scope: testScope({ buildName: undefined }) })).message).toContain(
      'only known inside',
    );
  });

  it('template_dir and pwd', () => {
    expect(r('{{template_dir}}/http')).toBe('/templates/web/http');
    expect(r('{{pwd}}')).toBe('/work');
  });

  it('lower and upper', () => {
    expect(r('{{lower "ABC"}}{{upper `def`}}')).toBe('abcDEF');
  });

  it('split picks one part and reports an index out of range', () => {
    expect(r('{{split "a-b-c" "-" 1}}')).toBe('b');
    expect(errorOf(() => r('{{split "a-b" "-" 5}}')).message).toContain('index 5 is out of range');
  });

  it('replace honours its count; replace_all replaces every match', () => {
    expect(r('{{replace "a" "x" 1 "banana"}}')).toBe('bxnana');
    expect(r('{{replace "a" "x" -1 "banana"}}')).toBe('bxnxnx');
    expect(r('{{replace_all "a" "x" "banana"}}')).toBe('bxnxnx');
  });

  it('clean_resource_name makes a cloud-safe name', () => {
    expect(cleanResourceName('My_Image v1.2:latest/x!')).toBe('my-image-v1-2-latest-x');
    expect(cleanResourceName('x'.repeat(100))).toHaveLength(63);
  });

  it('pipes pass the value as the last argument', () => {
    expect(r('{{ timestamp | clean_resource_name }}')).toBe(String(Date.UTC(2020, 0, 2, 15, 4, 5) / 1000));
    expect(r('{{ user `name` | lower | replace_all " " "-" }}')).toBe('web-server');
    expect(r('{{ upper (user `region`) }}')).toBe('EU-WEST-1');
  });

  it('trims white space with {{- and -}} and skips comments', () => {
    expect(r('a   {{- "b" -}}   c{{/* note */}}')).toBe('abc');
  });
});

describe('late-bound fields', () => {
  it('keeps a deferred field as written, then renders it when its value is known', () => {
    const first = r('sh -c "{{.Vars}} {{ .Script }}" {{build_name}}', { deferred: new Set(['Vars', 'Script']) });
    expect(first).toBe('sh -c "{{.Vars}} {{ .Script }}" web');
    expect(r(first, { fields: { Vars: "A='1'", Script: '/tmp/s.sh' } })).toBe(`sh -c "A='1' /tmp/s.sh" web`);
  });

  it('keeps a whole pipeline that uses a deferred field', () => {
    expect(r('{{ .Name | lower }}', { deferred: new Set(['Name']) })).toBe('{{ .Name | lower }}');
    expect(r('{{ .Name | lower }}', { fields: { Name: 'BOX' } })).toBe('box');
  });

  it('refuses a known field in an option that does not fill it in, naming the ones allowed', () => {
    const err = errorOf(() => r('{{ .HTTPIP }}', { deferred: new Set(['Vars']) }));
    expect(err.message).toBe('.HTTPIP is not available in this option');
    expect(err.hint).toContain('.Vars');
  });

  it('refuses an unknown field with a suggestion', () => {
    expect(errorOf(() => r('{{ .HTTPPrt }}')).hint).toContain('.HTTPPort');
  });
});

describe('template syntax errors', () => {
  const cases: [string, string, number][] = [
    ['{{ timestamp', 'unclosed action', 0],
    ['ab{{ }}', 'empty action', 2],
    ['{{ nosuch }}', 'unknown function "nosuch"', 3],
    ['{{ upper }}', 'upper takes 1 argument(s), got 0', 3],
    ['{{ split "a" "b" "c" }}', 'argument 3 must be a whole number', 3],
    ['{{ range .Vars }}x{{ end }}', '"range" actions are not supported', 3],
    ['{{ $x }}', 'template variables ($x) are not supported', 3],
    ["{{ user 'x' }}", 'single quotes do not make a string here', 8],
    ['{{ "abc }}', 'unterminated string in action', 0],
    ['{{ .Name .Name }}', 'only a function can take arguments', 0],
    ['{{ lower | }}', 'missing command after "|"', 11],
    ['{{ .Name | nosuch }}', 'unknown function "nosuch"', 11],
    ['{{ .Name | split "a" }}', 'split takes 3 argument(s), got 2', 11],
  ];
  it.each(cases)('%s → %s', (text, message, offset) => {
    const err = errorOf(() => r(text, { deferred: new Set(['Name']) }));
    expect(err.message).toContain(message);
    expect(err.offset).toBe(offset);
  });
});

describe('formatGoTime', () => {
  it('formats 12-hour clocks, padded days and fractional seconds like Go', () => {
    const d = new Date(Date.UTC(2021, 10, 5, 0, 7, 9, 50));
    expect(formatGoTime(d, '03:04:05 PM pm _2 2 1 06 .999 ,000')).toBe('12:07:09 AM am  5 5 11 21 .05 ,050');
  });
});

describe('{{if}} … {{else}} … {{end}} (Go templates, as Packer renders them)', () => {
  const r = (text: string) => render(text, { scope: testScope() });

  it('takes the branch its condition chooses: "" and false are false, anything else true', () => {
    expect(r('{{if user `region`}}in {{user `region`}}{{else}}nowhere{{end}}')).toBe('in eu-west-1');
    expect(r('{{if ""}}set{{else}}unset{{end}}')).toBe('unset');
    expect(r('a{{if false}}b{{end}}c')).toBe('ac');
    expect(r('{{ if user `name` -}} x {{- end }}')).toBe('x');
  });

  it('nests, and does not evaluate what a branch not taken holds', () => {
    expect(r('{{if true}}1{{if false}}2{{else}}3{{end}}{{end}}')).toBe('13');
    expect(r('{{if false}}{{user `nope`}}{{end}}ok')).toBe('ok');
  });

  it('keeps a condition on a late field whole, for the option that fills it', () => {
    expect(
      render('{{if .HTTPIP}}http://{{.HTTPIP}}{{end}}', { scope: testScope(), deferred: new Set(['HTTPIP']) }),
    ).toBe('{{if .HTTPIP}}http://{{.HTTPIP}}{{end}}');
  });

  it('says where an {{if}} is not closed, or an {{end}} has no {{if}}', () => {
    expect(() => r('a{{if true}}b')).toThrow(/\{\{if\}\} without \{\{end\}\}/);
    expect(() => r('a{{end}}')).toThrow(/\{\{end\}\} without an \{\{if\}\}/);
  });
});
