import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { sleep } from '../../base/errors.js';
import { readLines } from '../../util/lines.js';

/** An event QEMU reported, such as SHUTDOWN or POWERDOWN. */
export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

export class QmpError extends Error {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    description: string,
  ) {
    super(`QMP ${command} failed: ${description} (${errorClass})`);
  }
}

interface Pending {
  command: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/**
 * A client for QEMU's machine protocol over a unix socket: the capabilities handshake,
 * commands answered in order, and events (emitted as 'event' and by name).
 */
export class QmpClient extends EventEmitter {
  private readonly pending: Pending[] = [];
  private closed = false;

  private constructor(private readonly socket: Socket) {
    super();
    void readLines(socket, (line) => this.onLine(line));
    socket.on('close', () => {
      this.closed = true;
      for (const p of this.pending.splice(0))
        p.reject(new Error(`QMP connection closed before ${p.command} was answered`));
      this.emit('close');
    });
    socket.on('error', () => undefined);
  }

  /** Connects (retrying while QEMU creates the socket) and negotiates capabilities. */
  static async connect(socketPath: string, signal: AbortSignal, timeoutMs = 10_000): Promise<QmpClient> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect(socketPath);
          s.once('connect', () => resolve(s));
          // A permanent listener: a reset after a failed attempt must not go unhandled.
          s.on('error', reject);
        });
        const client = new QmpClient(socket);
        await client.greeting();
        await client.execute('qmp_capabilities');
        return client;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`could not connect to QEMU's QMP socket ${socketPath}: ${(err as Error).message}`);
        await sleep(50, signal);
      }
    }
  }

  private greetingWaiter: ((ok: boolean) => void) | undefined;
  private greeted = false;

  private greeting(): Promise<void> {
    if (this.greeted) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no QMP greeting')), 5000);
      this.greetingWaiter = (ok) => {
        clearTimeout(timer);
        if (ok) resolve();
        else reject(new Error('QMP connection closed before the greeting'));
      };
      this.once('close', () => this.greetingWaiter?.(false));
    });
  }

  private onLine(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if ('QMP' in msg) {
      this.greeted = true;
      this.greetingWaiter?.(true);
      return;
    }
    if ('event' in msg) {
      const event = msg as unknown as QmpEvent;
      this.emit('event', event);
      this.emit(event.event, event);
      return;
    }
    const p = this.pending.shift();
    if (!p) return;
    if ('error' in msg) {
      const e = msg.error as { class: string; desc: string };
      p.reject(new QmpError(p.command, e.class, e.desc));
    } else {
      p.resolve(msg.return);
    }
  }

  /** Runs one command and resolves to its "return" value. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`QMP connection is closed; cannot run ${command}`));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ command, resolve: resolve as (v: unknown) => void, reject });
      this.socket.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
    });
  }

  /** Resolves when an event of this name arrives, or rejects at the timeout or on cancel. */
  waitForEvent(name: string, timeoutMs: number, signal: AbortSignal): Promise<QmpEvent> {
    return new Promise((resolve, reject) => {
      const done = (fn: () => void) => {
        clearTimeout(timer);
        this.off(name, onEvent);
        this.off('close', onClose);
        signal.removeEventListener('abort', onAbort);
        fn();
      };
      const onEvent = (e: QmpEvent) => done(() => resolve(e));
      const onClose = () => done(() => resolve({ event: 'CLOSED' }));
      const onAbort = () => done(() => reject(new Error('cancelled')));
      const timer = setTimeout(
        () => done(() => reject(new Error(`no ${name} event within ${timeoutMs} ms`))),
        timeoutMs,
      );
      this.on(name, onEvent);
      this.once('close', onClose);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.socket.end();
  }
}
