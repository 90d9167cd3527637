import { describe, expect, it } from 'vitest';
import { publicWord, Redactor } from '../../../src/core/redact.js';

describe('redaction of secrets', () => {
  it('hides a long secret wherever it occurs, even inside other text', () => {
    const r = new Redactor();
    r.add('s3cr3t-T0ken-42');
    expect(r.redact('token=s3cr3t-T0ken-42;x/s3cr3t-T0ken-42.json')).toBe('token=<sensitive>;x/<sensitive>.json');
  });

  it('hides a short or plain-word secret where it stands alone, but not inside paths, option names or words', () => {
    const r = new Redactor();
    r.add('vagrant');
    expect(r.redact('login vagrant@127.0.0.1 with password "vagrant" (ssh_password=vagrant)')).toBe(
      'login <sensitive>@127.0.0.1 with password "<sensitive>" (ssh_password=<sensitive>)',
    );
    expect(r.redact('/home/me/vagrant-box.json:3:5: vagrantfile_template: no such file')).toBe(
      '/home/me/vagrant-box.json:3:5: vagrantfile_template: no such file',
    );
  });

  it("leaves boxwright's own words (plugin types) alone when a plain-word secret equals one, and prints no mark", () => {
    const r = new Redactor();
    r.add('vagrant');
    expect(r.redact(`Running post-processor: ${publicWord('vagrant')}; password vagrant`)).toBe(
      'Running post-processor: vagrant; password <sensitive>',
    );
    const long = new Redactor();
    long.add('x9!Kq2#zLm4$');
    expect(long.redact(`types: ${publicWord('vagrant')}, ${publicWord('docker-tag')}`)).toBe(
      'types: vagrant, docker-tag',
    );
  });
});
