import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { dialSsh, NoGreetingError } from '../../../src/communicators/ssh/dial.js';

const signal = new AbortController().signal;
let server: Server | undefined;
const accepted: Socket[] = [];

/** A loopback server whose connection number N (from 1) is greeted after greet(N) ms, or never (undefined). */
async function listen(greet: (n: number) => number | undefined): Promise<number> {
  let n = 0;
  server = createServer((s) => {
    accepted.push(s);
    s.on('error', () => {}).resume();
    const after = greet(++n);
    if (after !== undefined) setTimeout(() => s.writable && s.write(`SSH-2.0-test-${n}\r\n`), after);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return (server.address() as { port: number }).port;
}

const closed = (s: Socket) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())));
const readGreeting = (s: Socket) => new Promise<string>((r) => s.once('data', (d) => r(String(d))).resume());

afterEach(() => {
  for (const s of accepted.splice(0)) s.destroy();
  server?.close();
});

describe('dialSsh: the first connection the server greets', () => {
  it('opens another connection beside one the forwarder holds silent, uses the greeted one, and closes the other', async () => {
    // Like QEMU's port forward early in a boot: the first connection is accepted and never answered.
    const port = await listen((n) => (n === 1 ? undefined : 0));
    const started = Date.now();
    const socket = await dialSsh('127.0.0.1', port, signal, 10_000);
    expect(Date.now() - started).toBeLessThan(5000);
    // The greeting is given back for the SSH client to read.
    expect(await readGreeting(socket)).toBe('SSH-2.0-test-2\r\n');
    await closed(accepted[0]!);
    socket.destroy();
  });

  it('keeps only one of two connections greeted at the same moment', async () => {
    // Both are greeted at about 1.6 s: the first after waiting, the second soon after it opened.
    const port = await listen((n) => (n === 1 ? 1600 : n === 2 ? 100 : undefined));
    const socket = await dialSsh('127.0.0.1', port, signal, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const open = accepted.filter((s) => !s.destroyed && !s.readableEnded);
    expect(open).toHaveLength(1);
    socket.destroy();
  });

  it('fails with the socket error on a closed port, and with NoGreetingError when the server never speaks', async () => {
    const port = await listen(() => undefined);
    await expect(dialSsh('127.0.0.1', port, signal, 2000)).rejects.toBeInstanceOf(NoGreetingError);
    // Every connection it opened is closed again.
    await Promise.all(accepted.map(closed));
    server!.close();
    await new Promise((r) => setTimeout(r, 50));
    await expect(dialSsh('127.0.0.1', port, signal, 2000)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('stops at once when cancelled', async () => {
    const port = await listen(() => undefined);
    const controller = new AbortController();
    const dialing = dialSsh('127.0.0.1', port, controller.signal, 60_000);
    setTimeout(() => controller.abort(), 100);
    await expect(dialing).rejects.toThrow('cancelled');
    await Promise.all(accepted.map(closed));
  });
});
