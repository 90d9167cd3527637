import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadText } from '../../support/validate.js';

type Catalogue = Record<'builder' | 'provisioner' | 'post-processor', Record<string, string[]>>;
const PACKER: Catalogue = JSON.parse(
  readFileSync(path.resolve(__dirname, '../../fixtures/packer-1.6.6-options.json'), 'utf8'),
);

/** A template with one plugin of `kind` and `type` that sets `options`. */
function templateWith(kind: keyof Catalogue, type: string, options: Record<string, unknown>): string {
  const plugin = { type, ...options };
  if (kind === 'builder') return JSON.stringify({ builders: [plugin] });
  const builders = [{ type: 'file', target: 'a.txt', content: 'a' }];
  return JSON.stringify(
    kind === 'provisioner' ? { builders, provisioners: [plugin] } : { builders, 'post-processors': [plugin] },
  );
}

describe("Packer 1.6.6's options, every one of them, for the plugins boxwright has", () => {
  for (const kind of ['builder', 'provisioner', 'post-processor'] as const)
    for (const [type, options] of Object.entries(PACKER[kind]))
      it(`${kind} ${type}: none of its ${options.length} options is unknown`, () => {
        const unknown = options.filter((option) =>
          loadText(templateWith(kind, type, { [option]: 'x' })).diagnostics.some((d) =>
            d.message.startsWith(`unknown option "${option}"`),
          ),
        );
        expect(unknown).toEqual([]);
      });

  it('says what it does with an option it does not act on: refused as "not supported yet" with why, or ignored', () => {
    const qemu = {
      iso_url: 'x.qcow2',
      iso_checksum: 'none',
      disk_image: true,
      ssh_username: 'u',
      ssh_password: 'p',
    };
    const refused = loadText(templateWith('builder', 'qemu', { ...qemu, ssh_proxy_host: 'proxy.example' }));
    expect(refused.diagnostics).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        path: 'builders[0].ssh_proxy_host',
        message: '"ssh_proxy_host" is not supported by boxwright yet: SOCKS proxies are not used',
        hint: 'use ssh_bastion_host to go through a jump host',
      }),
    );
    const ignored = loadText(templateWith('builder', 'qemu', { ...qemu, run_once: true }));
    expect(ignored.loaded).toBeDefined();
    expect(ignored.diagnostics).toContainEqual(
      expect.objectContaining({ severity: 'warning', path: 'builders[0].run_once' }),
    );
    // Packer's zero value leaves an option unset: nothing to refuse.
    const zero = loadText(templateWith('builder', 'qemu', { ...qemu, ssh_proxy_host: '', skip_nat_mapping: false }));
    expect(zero.loaded).toBeDefined();
  });

  it('takes ssh_ciphers, ssh_key_exchange_algorithms and pause_before_connecting into the SSH settings', () => {
    const { loaded } = loadText(
      templateWith('builder', 'null', {
        ssh_host: '127.0.0.1',
        ssh_username: 'u',
        ssh_password: 'p',
        ssh_ciphers: ['aes256-ctr'],
        ssh_key_exchange_algorithms: ['curve25519-sha256'],
        pause_before_connecting: '3s',
      }),
    );
    expect(loaded?.builds[0]?.config).toMatchObject({
      ssh: { ciphers: ['aes256-ctr'], keyExchanges: ['curve25519-sha256'], pauseBeforeConnectingMs: 3000 },
    });
  });
});
