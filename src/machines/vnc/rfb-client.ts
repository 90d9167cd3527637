import { connect, type Socket } from 'node:net';
import { CancelledError, sleep } from '../../base/errors.js';
import type { VncKey } from './keysyms.js';

/**
 * The part of an RFB (VNC) client a build needs: connect without a password (the server
 * listens on 127.0.0.1 only), say it shares the desktop, and send key events. This is how
 * boot_command reaches a VMware guest, as Packer types it.
 */
export class RfbKeyboard {
  private constructor(private readonly socket: Socket) {}

  /** Connects and completes the handshake (RFB 3.8, security type None). */
  static async connect(host: string, port: number, signal: AbortSignal): Promise<RfbKeyboard> {
    const socket = connect({ host, port });
    const reader = new Reader(socket);
    const onAbort = () => socket.destroy(new CancelledError('Build was cancelled.'));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      const version = (await reader.read(12)).toString('latin1');
      if (!/^RFB \d{3}\.\d{3}\n$/.test(version))
        throw new Error(`the VNC server on port ${port} did not answer as RFB (it sent ${JSON.stringify(version)})`);
      socket.write('RFB 003.008\n');
      const count = (await reader.read(1))[0]!;
      if (count === 0) {
        const length = (await reader.read(4)).readUInt32BE(0);
        throw new Error(`the VNC server refused the connection: ${(await reader.read(length)).toString('utf8')}`);
      }
      const types = [...(await reader.read(count))];
      if (!types.includes(1))
        throw new Error(
          `the VNC server on port ${port} wants a password (security types ${types.join(', ')}); boxwright connects without one`,
        );
      socket.write(Buffer.from([1]));
      const result = (await reader.read(4)).readUInt32BE(0);
      if (result !== 0) throw new Error('the VNC server refused the connection without a password');
      socket.write(Buffer.from([1])); // ClientInit: share the desktop.
      const init = await reader.read(24);
      await reader.read(init.readUInt32BE(20)); // the desktop's name
      reader.detach();
      socket.on('data', () => {}); // framebuffer updates are not asked for; drain anything sent
      return new RfbKeyboard(socket);
    } catch (err) {
      socket.destroy();
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Sends the keys, `intervalMs` after each key event. */
  async type(keys: VncKey[], intervalMs: number, signal: AbortSignal): Promise<void> {
    for (const key of keys) {
      if (key.kind === 'wait') {
        await sleep(key.ms, signal);
        continue;
      }
      const message = Buffer.alloc(8);
      message[0] = 4; // KeyEvent
      message[1] = key.down ? 1 : 0;
      message.writeUInt32BE(key.keysym, 4);
      await new Promise<void>((resolve, reject) =>
        this.socket.write(message, (err) => (err ? reject(err) : resolve())),
      );
      await sleep(intervalMs, signal);
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Reads exact byte counts from a socket during the handshake. */
class Reader {
  private buffered = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  private failure: Error | undefined;
  private readonly onData = (chunk: Buffer) => {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    this.waiting?.();
  };
  private readonly onEnd = (err?: Error) => {
    this.failure = err ?? new Error('the VNC server closed the connection during the handshake');
    this.waiting?.();
  };

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('error', this.onEnd);
    socket.on('close', () => this.onEnd());
  }

  async read(n: number): Promise<Buffer> {
    while (this.buffered.length < n) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = undefined;
    }
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }

  detach(): void {
    this.socket.off('data', this.onData);
  }
}
