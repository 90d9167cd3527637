import { createWriteStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Ui } from '../base/ui.js';

const MIB = 1024 * 1024;
const mib = (n: number) => (n / MIB).toFixed(1);
/** How many times one download picks up again after its connection drops, when it had made progress. */
const RESUMES = 5;

const sizeOf = (file: string) => (existsSync(file) ? statSync(file).size : 0);

/** The first byte a 206 answer starts at, from Content-Range: bytes START-END/TOTAL. */
function rangeStart(response: Response): number | undefined {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
  return m ? Number(m[1]) : undefined;
}

/** Counts bytes as they pass and reports progress at most a few times a second. */
function meter(name: string, start: number, total: number | undefined, ui: Ui): Transform {
  let done = start;
  let last = 0;
  const began = Date.now();
  return new Transform({
    transform(chunk: Buffer, _enc, callback) {
      done += chunk.length;
      const now = Date.now();
      if (now - last >= 250) {
        last = now;
        const rate = (done - start) / Math.max(0.001, (now - began) / 1000);
        const share = total
          ? `${Math.floor((done / total) * 100)}% (${mib(done)} of ${mib(total)} MiB, ${mib(rate)} MiB/s)`
          : `${mib(done)} MiB (${mib(rate)} MiB/s)`;
        ui.progress?.(`Downloading ${name}: ${share}`);
      }
      callback(null, chunk);
    },
  });
}

/**
 * Downloads `url` into `partial`, picking up where an earlier attempt stopped when the
 * server honours Range requests: the bytes already in `partial` (from a dropped connection
 * or an interrupted build) are kept and only the rest is fetched. A server that answers
 * a Range request with the whole file starts it over. The caller checks the checksum.
 */
export async function downloadResumable(
  url: string,
  partial: string,
  opts: { ui: Ui; signal: AbortSignal },
): Promise<void> {
  const name = path.basename(new URL(url).pathname) || url;
  for (let resumes = 0; ; resumes++) {
    const have = sizeOf(partial);
    const response = await fetch(url, { signal: opts.signal, headers: have > 0 ? { Range: `bytes=${have}-` } : {} });
    // 416: nothing is left after `have` bytes, so the partial file is the whole file.
    if (response.status === 416 && have > 0) return void (await response.body?.cancel());
    if (!response.ok || !response.body) throw new Error(`${url} answered ${response.status} ${response.statusText}`);
    const resumed = have > 0 && response.status === 206 && rangeStart(response) === have;
    if (have > 0)
      opts.ui.say(
        resumed
          ? `Resuming the download of ${name} at ${mib(have)} MiB`
          : `The server cannot resume ${name}; downloading it again from the start`,
      );
    const length = Number(response.headers.get('content-length') ?? NaN);
    const total = Number.isFinite(length) ? (resumed ? have : 0) + length : undefined;
    const start = resumed ? have : 0;
    const sink = createWriteStream(partial, { flags: resumed ? 'a' : 'w' });
    try {
      await pipeline(Readable.fromWeb(response.body as never), meter(name, start, total, opts.ui), sink, {
        signal: opts.signal,
      });
      const written = sizeOf(partial);
      if (total !== undefined && written < total)
        throw new Error(`the connection closed after ${mib(written)} of ${mib(total)} MiB`);
      return;
    } catch (err) {
      // A failed pipeline can reject while the file stream still finishes a write: resuming from the size
      // seen before that write lands would append its bytes twice.
      if (!sink.closed) await new Promise<void>((resolve) => sink.once('close', () => resolve()));
      if (opts.signal.aborted) throw err;
      const now = sizeOf(partial);
      if (now <= start || resumes >= RESUMES) throw err;
      opts.ui.error(`The download of ${name} stopped at ${mib(now)} MiB (${(err as Error).message}); resuming`);
    }
  }
}
