import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generateEd25519KeyPair, openSshEd25519 } from '../../../src/communicators/ssh/ed25519-key.js';

/** A key whose public half starts with a zero byte: the one ssh2's own generator gets wrong. */
function keyWithLeadingZero(): KeyObject {
  for (;;) {
    const { privateKey } = generateKeyPairSync('ed25519');
    if (Buffer.from(privateKey.export({ format: 'jwk' }).x!, 'base64url')[0] === 0) return privateKey;
  }
}

function signsAndVerifies(pair: { private: string; public: string }): void {
  const priv = ssh2.utils.parseKey(pair.private);
  const pub = ssh2.utils.parseKey(pair.public);
  if (priv instanceof Error) throw priv;
  if (pub instanceof Error) throw pub;
  const data = Buffer.from('boxwright');
  expect(pub.verify(data, priv.sign(data))).toBe(true);
}

describe('ed25519 temporary keys', () => {
  it('encode a public key that starts with a zero byte in full, so SSH accepts it', () => {
    const pair = openSshEd25519(keyWithLeadingZero(), 'boxwright amazon-ebs');
    signsAndVerifies(pair);
    const blob = Buffer.from(pair.public.split(' ')[1]!, 'base64');
    expect(blob.readUInt32BE(4 + 11)).toBe(32);
  });

  it('are read by OpenSSH: ssh-keygen derives the same public key from the private file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ed25519-'));
    try {
      for (const pair of [openSshEd25519(keyWithLeadingZero(), 'a b'), generateEd25519KeyPair('boxwright x')]) {
        const file = path.join(dir, 'id');
        writeFileSync(file, pair.private, { mode: 0o600 });
        const derived = execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' }).trim();
        expect(derived).toBe(pair.public);
        rmSync(file);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every generated pair parses and signs', () => {
    for (let i = 0; i < 500; i++) signsAndVerifies(generateEd25519KeyPair('boxwright'));
  });
});
