import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Client, ClientChannel } from 'ssh2';
import { shellQuote } from '../../util/shell-quote.js';

/**
 * The scp protocol (the remote `scp -t`/`scp -f`), for machines without an SFTP server.
 * Data is streamed in both directions; nothing is held whole in memory.
 */
class Reader {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  private ended = false;

  constructor(private readonly channel: ClientChannel) {
    channel.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiting?.();
    });
    channel.on('close', () => {
      this.ended = true;
      this.waiting?.();
    });
  }

  private async fill(n: number): Promise<void> {
    while (this.buffer.length < n) {
      if (this.ended) throw new Error('scp: the remote side closed the connection early');
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = undefined;
    }
  }

  /** Reads one status byte; 1 and 2 carry an error message line. */
  async ack(): Promise<void> {
    await this.fill(1);
    const code = this.buffer[0]!;
    this.buffer = this.buffer.subarray(1);
    if (code === 0) return;
    throw new Error(`scp: ${(await this.line()).trim() || `error ${code}`}`);
  }

  async line(): Promise<string> {
    for (;;) {
      const nl = this.buffer.indexOf(10);
      if (nl >= 0) {
        const text = this.buffer.subarray(0, nl).toString();
        this.buffer = this.buffer.subarray(nl + 1);
        return text;
      }
      await this.fill(this.buffer.length + 1);
    }
  }

  /** Passes exactly `size` bytes to `write`, in the chunks they arrive in. */
  async take(size: number, write: (chunk: Buffer) => Promise<void>): Promise<void> {
    let left = size;
    while (left > 0) {
      if (this.buffer.length === 0) await this.fill(1);
      const chunk = this.buffer.subarray(0, Math.min(left, this.buffer.length));
      this.buffer = this.buffer.subarray(chunk.length);
      left -= chunk.length;
      // Pause the channel while the disk catches up, so memory stays flat.
      this.channel.pause();
      await write(chunk);
      this.channel.resume();
    }
  }
}

function execChannel(client: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => client.exec(command, (err, ch) => (err ? reject(err) : resolve(ch))));
}

export async function scpUpload(
  client: Client,
  localPath: string,
  remotePath: string,
  mode: number,
  signal: AbortSignal,
): Promise<void> {
  const channel = await execChannel(client, `scp -t ${shellQuote(remotePath)}`);
  const onAbort = () => channel.close();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const reader = new Reader(channel);
    await reader.ack();
    const { size } = await stat(localPath);
    channel.write(`C${(mode & 0o7777).toString(8).padStart(4, '0')} ${size} ${path.basename(remotePath)}\n`);
    await reader.ack();
    for await (const chunk of createReadStream(localPath)) {
      if (!channel.write(chunk)) await new Promise((r) => channel.once('drain', r));
    }
    channel.write(Buffer.from([0]));
    await reader.ack();
    channel.end();
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

export async function scpDownload(
  client: Client,
  remotePath: string,
  localPath: string,
  signal: AbortSignal,
): Promise<void> {
  const channel = await execChannel(client, `scp -f ${shellQuote(remotePath)}`);
  const onAbort = () => channel.close();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const reader = new Reader(channel);
    channel.write(Buffer.from([0]));
    const header = await reader.line();
    const m = /^C([0-7]{4}) (\d+) /.exec(header);
    if (!m) throw new Error(`scp: ${header.replace(/^[\x01\x02]/, '').trim() || 'unexpected reply'}`);
    channel.write(Buffer.from([0]));
    const out = createWriteStream(localPath, { mode: parseInt(m[1]!, 8) });
    await reader.take(
      Number(m[2]),
      (chunk) => new Promise((resolve, reject) => out.write(chunk, (err) => (err ? reject(err) : resolve()))),
    );
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    await reader.ack();
    channel.write(Buffer.from([0]));
    channel.end();
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
