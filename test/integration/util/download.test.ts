import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Output } from '../../../src/core/ui.js';
import { obtain } from '../../../src/util/download.js';
import { tempDir } from '../../support/cli.js';
import { recordingUi } from '../../support/ssh.js';

const body = randomBytes(3 * 1024 * 1024);
const sha256 = createHash('sha256').update(body).digest('hex');

interface Behaviour {
  /** On the first request, send this many bytes and then drop the connection. */
  dropFirstAfter?: number;
  /** On the first request, send this many bytes and then go quiet. */
  stallFirstAfter?: number;
  /** Answer Range requests with 206 (else the whole file, 200). */
  ranges: boolean;
}

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

/** A web server on 127.0.0.1 for one file, recording the Range header of every request. */
async function serve(behaviour: Behaviour): Promise<{ url: string; ranges: (string | undefined)[] }> {
  const ranges: (string | undefined)[] = [];
  server = createServer((req, res) => {
    ranges.push(req.headers.range);
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = behaviour.ranges && m ? Number(m[1]) : 0;
    if (start >= body.length) return void res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
    const headers: Record<string, string | number> = {
      'content-length': body.length - start,
      'accept-ranges': behaviour.ranges ? 'bytes' : 'none',
    };
    if (start > 0) headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    res.writeHead(start > 0 ? 206 : 200, headers);
    const first = ranges.length === 1;
    if (first && behaviour.dropFirstAfter !== undefined)
      return void res.write(body.subarray(0, behaviour.dropFirstAfter), () => res.destroy());
    if (first && behaviour.stallFirstAfter !== undefined)
      return void res.write(body.subarray(0, behaviour.stallFirstAfter));
    res.end(body.subarray(start));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/images/disk.img`, ranges };
}

const cacheEnv = () => ({ BOXWRIGHT_CACHE_DIR: tempDir() });
const partialOf = (env: { BOXWRIGHT_CACHE_DIR: string }) =>
  path.join(env.BOXWRIGHT_CACHE_DIR, 'downloads', `sha256-${sha256}.img.partial`);

describe('downloads into the shared cache', () => {
  it('picks up where a dropped connection stopped, with a Range request, and the file is whole', async () => {
    const { url, ranges } = await serve({ dropFirstAfter: 1_000_000, ranges: true });
    const ui = recordingUi();
    const file = await obtain([url], `sha256:${sha256}`, { ui, signal: new AbortController().signal, env: cacheEnv() });
    expect(readFileSync(file).equals(body)).toBe(true);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(ranges[1]!)![0])).toBeGreaterThan(0);
    expect(ui.lines.join('\n')).toContain('Resuming the download of disk.img at');
    expect(ui.lines.join('\n')).toMatch(/Downloaded 3\.0 MiB in/);
  });

  it('an interrupted build keeps what it downloaded; the next build fetches only the rest', async () => {
    const { url, ranges } = await serve({ stallFirstAfter: 1_048_576, ranges: true });
    const env = cacheEnv();
    const controller = new AbortController();
    const ui = recordingUi();
    const first = obtain([url], `sha256:${sha256}`, { ui, signal: controller.signal, env });
    while (!existsSync(partialOf(env)) || statSync(partialOf(env)).size < 1_048_576)
      await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    await expect(first).rejects.toThrow();
    expect(statSync(partialOf(env)).size).toBe(1_048_576);
    expect(ui.lines.join('\n')).toContain('Keeping the 1.0 MiB downloaded so far; the next build resumes from there.');

    const file = await obtain([url], `sha256:${sha256}`, {
      ui: recordingUi(),
      signal: new AbortController().signal,
      env,
    });
    expect(ranges).toEqual([undefined, 'bytes=1048576-']);
    expect(readFileSync(file).equals(body)).toBe(true);
    expect(existsSync(partialOf(env))).toBe(false);
  });

  it('starts over when the server ignores Range, and still gets the right bytes', async () => {
    const { url, ranges } = await serve({ dropFirstAfter: 500_000, ranges: false });
    const ui = recordingUi();
    const file = await obtain([url], `sha256:${sha256}`, { ui, signal: new AbortController().signal, env: cacheEnv() });
    expect(ranges.length).toBe(2);
    expect(ui.lines.join('\n')).toContain('The server cannot resume disk.img; downloading it again from the start');
    expect(readFileSync(file).equals(body)).toBe(true);
  });

  it('a wrong checksum fails the build and leaves neither the file nor a partial to resume from', async () => {
    const { url } = await serve({ ranges: true });
    const env = cacheEnv();
    const wrong = 'a'.repeat(64);
    await expect(
      obtain([url], `sha256:${wrong}`, { ui: recordingUi(), signal: new AbortController().signal, env }),
    ).rejects.toThrow(`checksum mismatch`);
    expect(existsSync(path.join(env.BOXWRIGHT_CACHE_DIR, 'downloads', `sha256-${wrong}.img.partial`))).toBe(false);
    expect(existsSync(path.join(env.BOXWRIGHT_CACHE_DIR, 'downloads', `sha256-${wrong}.img`))).toBe(false);
  });

  it('draws a progress line on a terminal and wipes it before the next line; a pipe gets no progress', async () => {
    const { url } = await serve({ ranges: true });
    const render = async (tty: boolean) => {
      const stdout = Object.assign(new PassThrough(), { isTTY: tty });
      let text = '';
      stdout.on('data', (d) => (text += d));
      const output = new Output(
        { machineReadable: false, color: false, timestamps: false },
        { redact: (s: string) => s } as never,
        { write: () => {} } as never,
        { stdout, stderr: new PassThrough() },
      );
      await obtain([url], `sha256:${sha256}`, {
        ui: output.forBuild('qemu'),
        signal: new AbortController().signal,
        env: cacheEnv(),
      });
      return text;
    };
    const terminal = await render(true);
    expect(terminal).toMatch(/\r\x1b\[2K {4}qemu: Downloading disk\.img: \d+% \([\d.]+ of 3\.0 MiB, [\d.]+ MiB\/s\)/);
    expect(terminal).toMatch(/\r\x1b\[2K==> qemu: Downloaded 3\.0 MiB in/);
    const piped = await render(false);
    expect(piped).not.toContain('Downloading disk.img:');
    expect(piped).toContain('==> qemu: Downloaded 3.0 MiB in');
  });
});
