import { describe, expect, it } from 'vitest';
import { loadText } from '../../support/validate.js';

/** Errors only; warnings are allowed. */
const errorsOf = (diagnostics: { severity?: string; message: string }[]) =>
  diagnostics.filter((d) => d.severity !== 'warning').map((d) => d.message);

const qemu = (extra: string) =>
  `{"type": "qemu", "iso_url": "x.iso", "iso_checksum": "none", "communicator": "none"${extra}}`;

describe('templates Packer 1.6 accepts, written as public templates write them', () => {
  it('decodes templated booleans, numbers and lists weakly after interpolation, as Packer does', () => {
    const t = `{"variables": {"headless": "false", "backing": "", "cpus": "2", "urls": "a.iso,b.iso"},
      "builders": [{"type": "qemu", "iso_urls": "{{ user \`urls\` }}", "iso_checksum": "none", "communicator": "none",
        "headless": "{{ user \`headless\` }}", "use_backing_file": "{{ user \`backing\` }}", "cpus": "{{ user \`cpus\` }}"}]}`;
    const { loaded, diagnostics } = loadText(t);
    expect(errorsOf(diagnostics)).toEqual([]);
    const config = loaded!.builds[0]!.config as {
      vnc: unknown;
      hardware: { cpus: number };
      source: { urls: string[] };
    };
    expect(config.vnc).toBeDefined(); // headless false: the console is offered on VNC
    expect(config.hardware.cpus).toBe(2);
    expect(config.source.urls).toEqual(['a.iso', 'b.iso']);
  });

  it('keeps the strict check for a literal value', () => {
    const { diagnostics } = loadText(`{"builders": [${qemu(', "headless": "yes"')}]}`);
    expect(errorsOf(diagnostics).join('\n')).toContain('must be true or false');
  });

  it('says where a templated value that decodes to no boolean came from', () => {
    const { diagnostics } = loadText(
      `{"variables": {"h": "maybe"}, "builders": [${qemu(', "headless": "{{ user `h` }}"')}]}`,
    );
    expect(diagnostics.find((d) => d.path === 'builders[0].headless')).toMatchObject({
      line: 1,
      message: expect.stringContaining('must be true or false'),
    });
  });

  it('takes an empty string as "not set", Packer\'s zero value', () => {
    const t = `{"builders": [{"type": "virtualbox-iso", "iso_url": "x.iso", "iso_checksum": "none", "communicator": "none", "guest_additions_url": "", "http_directory": ""},
      {"type": "docker", "image": "debian", "commit": true, "name": "d"}],
      "post-processors": [{"type": "vagrant", "vagrantfile_template": "", "only": ["virtualbox-iso"]}, {"type": "docker-tag", "repository": "app", "tag": "", "only": ["d"]}]}`;
    const { diagnostics } = loadText(t);
    expect(errorsOf(diagnostics)).toEqual([]);
  });

  it('takes ssh_wait_timeout, the older name of ssh_timeout', () => {
    const { loaded, diagnostics } = loadText(
      '{"builders": [{"type": "null", "ssh_host": "h", "ssh_username": "u", "ssh_password": "p", "ssh_wait_timeout": "7s"}]}',
    );
    expect(errorsOf(diagnostics)).toEqual([]);
    expect((loaded!.builds[0]!.config as { ssh: { timeoutMs: number } }).ssh.timeoutMs).toBe(7000);
  });

  it('accepts "login": true with the credentials left to later, warning instead of refusing (Packer decides at run time)', () => {
    const { loaded, diagnostics } = loadText(
      '{"builders": [{"type": "docker", "image": "debian", "commit": true}], "post-processors": [[{"type": "docker-tag", "repository": "r.example.com/app"}, {"type": "docker-push", "login": true}]]}',
    );
    expect(errorsOf(diagnostics)).toEqual([]);
    expect(loaded).toBeDefined();
    expect(diagnostics).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        message: expect.stringContaining('"login": true without "login_username"'),
      }),
    );
  });

  it("takes Packer 1.6's qemu options: qemu_binary, disk_cache/discard/detect_zeroes, skip_resize_disk, {{ .Name }} in qemuargs; display options are accepted and said to be ignored", () => {
    const { loaded, diagnostics } = loadText(
      `{"builders": [${qemu(', "qemu_binary": "qemu-kvm", "disk_cache": "unsafe", "disk_discard": "ignore", "disk_detect_zeroes": "unmap", "disk_image": true, "disk_size": "10G", "skip_resize_disk": true, "use_default_display": true, "qemuargs": [["-name", "{{ .Name }}"]]')}]}`,
    );
    expect(errorsOf(diagnostics)).toEqual([]);
    expect(diagnostics).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        message: expect.stringContaining('"use_default_display" is ignored'),
      }),
    );
    const config = loaded!.builds[0]!.config as Record<string, unknown>;
    expect(config).toMatchObject({
      qemuBinary: 'qemu-kvm',
      drive: { cache: 'unsafe', discard: 'ignore', detectZeroes: 'unmap' },
      disk: { kind: 'image', growTo: undefined },
      qemuArgs: [['-name', '{{ .Name }}']],
    });
  });

  it('names a Windows template\'s communicator and provisioners "not supported yet", never "unknown"', () => {
    const { diagnostics } = loadText(
      '{"builders": [{"type": "virtualbox-iso", "iso_url": "w.iso", "iso_checksum": "none", "communicator": "winrm", "winrm_username": "vagrant", "winrm_password": "vagrant", "winrm_timeout": "1h"}], "provisioners": [{"type": "powershell", "inline": ["dir"]}, {"type": "windows-restart"}]}',
    );
    expect(errorsOf(diagnostics)).toEqual([
      '"communicator": "winrm" is not supported by boxwright yet',
      'provisioner type "powershell" is not supported by boxwright yet',
      'provisioner type "windows-restart" is not supported by boxwright yet',
    ]);
  });
});
