import { connect, type Socket } from 'node:net';

/** How long a connection may wait for the server's greeting before another one is opened beside it. */
const STAGGER_MS = 1500;
/** At most this many connections wait at once; opening one more drops the oldest. */
const MAX_WAITING = 4;

/** A connection that ended before the server said anything. */
export class NoGreetingError extends Error {}

/**
 * Opens a TCP connection to an SSH server and resolves once the server has greeted it (sent
 * its first bytes, which are given back to the socket for the SSH client to read).
 *
 * Why not one connection: QEMU's user-mode port forward accepts a connection at once, before
 * the guest is up, and then retries the guest with a growing back-off, so a connection opened
 * early in the boot is answered many seconds after sshd started. A connection opened after
 * sshd started is greeted at once. So while no greeting has come, another connection is opened
 * every STAGGER_MS beside the waiting ones; the first greeted wins and the rest are closed.
 *
 * Rejects with the socket's error (ECONNREFUSED and the like) or a NoGreetingError when every
 * connection opened so far ended without a greeting, or when `timeoutMs` has passed.
 */
export function dialSsh(host: string, port: number, signal: AbortSignal, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const waiting: Socket[] = [];
    let settled = false;
    let stagger: NodeJS.Timeout | undefined;

    const finish = (outcome: { socket: Socket } | { error: Error }) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearInterval(stagger);
      signal.removeEventListener('abort', onAbort);
      for (const s of waiting) if (!('socket' in outcome) || s !== outcome.socket) s.destroy();
      waiting.length = 0;
      if ('socket' in outcome) resolve(outcome.socket);
      else reject(outcome.error);
    };

    const open = () => {
      if (waiting.length >= MAX_WAITING) waiting.shift()!.destroy();
      const socket = connect({ host, port });
      waiting.push(socket);
      const forget = () => {
        const i = waiting.indexOf(socket);
        if (i >= 0) waiting.splice(i, 1);
      };
      const onData = (chunk: Buffer) => {
        socket.off('data', onData);
        socket.pause();
        // Two servers can greet in the same turn: only the first is used.
        if (settled) return void socket.destroy();
        socket.unshift(chunk);
        socket.removeAllListeners('error');
        socket.removeAllListeners('close');
        forget();
        finish({ socket });
      };
      const onEnd = (error: Error) => {
        forget();
        socket.destroy();
        // Others may still be greeted; a failure counts only when none is left waiting.
        if (!settled && waiting.length === 0) finish({ error });
      };
      socket.on('data', onData);
      socket.on('error', (err) => onEnd(err));
      socket.on('close', () =>
        onEnd(new NoGreetingError('the connection closed before the server sent its SSH greeting')),
      );
    };

    const deadline = setTimeout(
      () =>
        finish({
          error: new NoGreetingError(`the server sent no SSH greeting within ${Math.round(timeoutMs / 1000)} s`),
        }),
      timeoutMs,
    );
    const onAbort = () => finish({ error: new Error('cancelled') });
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) return onAbort();

    open();
    stagger = setInterval(() => {
      if (waiting.length > 0) open();
    }, STAGGER_MS);
  });
}
