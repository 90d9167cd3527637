import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ssh2Library } from '../../util/ssh2-library.js';
import type { RunContext } from '../../core/plugin.js';
import type { Step } from '../../core/steps.js';
import type { SshConfig } from './config.js';
import { generateEd25519KeyPair } from './ed25519-key.js';
import { makeTempDir, removeTempDir } from '../../util/temp-dir.js';

/** A key pair made for one build, for builders that put the public half on the machine. */
export interface TemporaryKey {
  privateKeyFile: string;
  publicKey: string;
}

export interface TemporaryKeyState {
  temporaryKey?: TemporaryKey;
  temporaryKeyDir?: string;
}

/**
 * Generates a key pair (rsa or ed25519, per temporary_key_pair_*), private key 0600 in a
 * temp dir that cleanup removes. With -debug a copy is written where the template is,
 * as Packer does, so the user can log in while the build is paused.
 */
export function stepTemporaryKey<S extends TemporaryKeyState>(cfg: SshConfig): Step<S> {
  return {
    name: 'temporary-key-pair',
    async run(state, ctx: RunContext) {
      const { type, bits } = cfg.temporaryKeyPair;
      ctx.ui.say(`Creating a temporary ${type} SSH key pair for this build...`);
      const pair =
        type === 'rsa'
          ? ssh2Library().utils.generateKeyPairSync('rsa', { bits, comment: `boxwright ${ctx.buildName}` })
          : generateEd25519KeyPair(`boxwright ${ctx.buildName}`);
      state.temporaryKeyDir = await makeTempDir('key');
      const privateKeyFile = path.join(state.temporaryKeyDir, 'id');
      await writeFile(privateKeyFile, pair.private, { mode: 0o600 });
      await chmod(privateKeyFile, 0o600);
      state.temporaryKey = { privateKeyFile, publicKey: pair.public.trim() };
      if (ctx.debug) {
        const copy = path.join(ctx.templateDir, `${ctx.buildName}.pem`);
        await writeFile(copy, pair.private, { mode: 0o600 });
        ctx.ui.message(`Saved the private key for debugging to ${copy}`);
      }
    },
    async cleanup(state) {
      if (state.temporaryKeyDir) await removeTempDir(state.temporaryKeyDir);
      state.temporaryKeyDir = undefined;
    },
    leftover: (state) => (state.temporaryKeyDir ? `the temporary key pair in ${state.temporaryKeyDir}` : undefined),
  };
}
