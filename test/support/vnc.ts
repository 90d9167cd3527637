import { createCipheriv } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** Reads exactly n bytes from a socket. */
function reader(socket: Socket) {
  let buffered = Buffer.alloc(0);
  let wanted: { n: number; resolve: (b: Buffer) => void } | undefined;
  const settle = () => {
    if (wanted && buffered.length >= wanted.n) {
      const out = buffered.subarray(0, wanted.n);
      buffered = buffered.subarray(wanted.n);
      const w = wanted;
      wanted = undefined;
      w.resolve(out);
    }
  };
  socket.on('data', (d: Buffer) => ((buffered = Buffer.concat([buffered, d])), settle()));
  return (n: number) =>
    new Promise<Buffer>((resolve, reject) => {
      wanted = { n, resolve };
      socket.once('close', () => reject(new Error(`the VNC server closed the connection (wanted ${n} bytes)`)));
      settle();
    });
}

/** VNC authentication: DES of the challenge, keyed by the password with each byte's bits reversed (RFB 6.2.2). */
function vncResponse(password: string, challenge: Buffer): Buffer {
  const key = Buffer.alloc(8);
  Buffer.from(password, 'latin1').copy(key, 0, 0, 8);
  for (let i = 0; i < 8; i++) {
    const b = key[i]!;
    let r = 0;
    for (let bit = 0; bit < 8; bit++) r |= ((b >> bit) & 1) << (7 - bit);
    key[i] = r;
  }
  // Triple DES with three equal keys is single DES; OpenSSL 3 keeps plain DES in its legacy provider only.
  const cipher = createCipheriv('des-ede3-ecb', Buffer.concat([key, key, key]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(challenge), cipher.final()]);
}

/**
 * Speaks the first steps of RFB 3.8 to a VNC server: returns the security types it offers
 * and, when a password is given, whether VNC authentication with it succeeds.
 */
export async function probeVnc(
  port: number,
  password?: string,
): Promise<{ version: string; securityTypes: number[]; authenticated?: boolean }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => (socket.once('connect', resolve), socket.once('error', reject)));
  try {
    const read = reader(socket);
    const version = (await read(12)).toString('latin1').trim();
    socket.write('RFB 003.008\n');
    const count = (await read(1))[0]!;
    if (count === 0) throw new Error('the VNC server refused the connection');
    const securityTypes = [...(await read(count))];
    if (password === undefined) return { version, securityTypes };
    socket.write(Buffer.from([2]));
    const challenge = await read(16);
    socket.write(vncResponse(password, challenge));
    const result = (await read(4)).readUInt32BE(0);
    return { version, securityTypes, authenticated: result === 0 };
  } finally {
    socket.destroy();
  }
}
