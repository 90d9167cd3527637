import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { runBuild } from '../../../src/runner/build.js';
import type { Builder } from '../../../src/core/plugin.js';
import { stepTemporaryKey, type TemporaryKeyState } from '../../../src/communicators/ssh/step-temporary-key.js';
import { tempDir } from '../../support/cli.js';
import { sshConfig } from '../../support/ssh.js';
import { testSettings } from '../../support/run.js';

function keyBuilder(type: 'rsa' | 'ed25519', seen: TemporaryKeyState[]): Builder {
  const cfg = sshConfig({ ssh_password: 'x', temporary_key_pair_type: type, temporary_key_pair_bits: 2048 });
  return {
    kind: 'builder',
    type: 'key-test',
    produces: 'none',
    schema: { type: 'object' },
    prepare: () => ({}),
    communicator: () => 'none',
    async run(_config, ctx) {
      const state: TemporaryKeyState = {};
      seen.push(state);
      await ctx.runSteps(
        [
          stepTemporaryKey<TemporaryKeyState>(cfg),
          { name: 'look', run: async (s: TemporaryKeyState) => void seen.push({ ...s }) },
        ],
        state,
      );
      return { builderId: 'test', kind: 'none', id: 'x', files: [], description: '', destroy: async () => {} };
    },
  };
}

describe('temporary key pairs', () => {
  it.each(['rsa', 'ed25519'] as const)(
    'makes a %s key readable only by its owner and deletes it in cleanup',
    async (type) => {
      const seen: TemporaryKeyState[] = [];
      const t = testSettings();
      const builder = keyBuilder(type, seen);
      const result = await runBuild(
        {
          name: 'k',
          packerName: 'k',
          type: 'key-test',
          builder,
          config: {},
          communicator: 'none',
          provisioners: [],
          errorCleanupProvisioner: undefined,
          chains: [],
        },
        t.settings,
      );
      expect(result.ok).toBe(true);
      const during = seen[1]!;
      const file = during.temporaryKey!.privateKeyFile;
      expect(during.temporaryKey!.publicKey).toMatch(type === 'rsa' ? /^ssh-rsa / : /^ssh-ed25519 /);
      expect(existsSync(file)).toBe(false);
      expect(existsSync(path.dirname(file))).toBe(false);
    },
  );

  it('with -debug saves a copy of the private key next to the template, mode 0600', async () => {
    const dir = tempDir();
    const seen: TemporaryKeyState[] = [];
    const t = testSettings({ debug: true, stdin: '\n\n\n\n' });
    t.settings.scope = { ...t.settings.scope, templateDir: dir };
    await runBuild(
      {
        name: 'k',
        packerName: 'k',
        type: 'key-test',
        builder: keyBuilder('ed25519', seen),
        config: {},
        communicator: 'none',
        provisioners: [],
        errorCleanupProvisioner: undefined,
        chains: [],
      },
      t.settings,
    );
    const copy = path.join(dir, 'k.pem');
    expect(statSync(copy).mode & 0o777).toBe(0o600);
    expect(ssh2.utils.parseKey(readFileSync(copy))).not.toBeInstanceOf(Error);
  });
});
