import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';

/** A key pair in the forms OpenSSH reads: the private key file and an authorized_keys line. */
export interface OpenSshKeyPair {
  private: string;
  public: string;
}

/**
 * A fresh ed25519 key pair in OpenSSH's formats.
 *
 * Not ssh2's generateKeyPairSync: it strips leading zero bytes from the public key, so about
 * one key in 256 comes out 31 bytes long and no SSH implementation accepts it
 * (mscdex/ssh2#1390, still open in 1.17). A build then waits for SSH until its timeout.
 */
export function generateEd25519KeyPair(comment: string): OpenSshKeyPair {
  return openSshEd25519(generateKeyPairSync('ed25519').privateKey, comment);
}

/** Encodes an ed25519 private key as OpenSSH does (PROTOCOL.key, unencrypted). */
export function openSshEd25519(privateKey: KeyObject, comment: string): OpenSshKeyPair {
  const jwk = privateKey.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || !jwk.d || !jwk.x) throw new Error('not an ed25519 private key');
  const seed = Buffer.from(jwk.d, 'base64url');
  const pub = Buffer.from(jwk.x, 'base64url');
  const publicBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  // The same random number twice lets a reader tell a wrong passphrase; with none it only has to match.
  const check = randomBytes(4);
  const secret = Buffer.concat([check, check, publicBlob, sshString(Buffer.concat([seed, pub])), sshString(comment)]);
  const padding = Buffer.from(Array.from({ length: (8 - (secret.length % 8)) % 8 }, (_, i) => i + 1));
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32(1),
    sshString(publicBlob),
    sshString(Buffer.concat([secret, padding])),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return {
    private: `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`,
    public: `ssh-ed25519 ${publicBlob.toString('base64')} ${comment}`,
  };
}

function sshString(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([uint32(bytes.length), bytes]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
