import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { reservePort } from './ports.js';

export interface RunningHttpServer {
  port: number;
  /** Requests served, for the build log. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Serves a directory (http_directory) or fixed contents (http_content) read-only, for
 * preseed and kickstart files. Paths outside the directory are refused.
 */
export async function startHttpServer(options: {
  directory?: string;
  content?: Record<string, string>;
  bind: string;
  portMin: number;
  portMax: number;
}): Promise<RunningHttpServer> {
  const requests: string[] = [];
  const root = options.directory ? path.resolve(options.directory) : undefined;
  const server: Server = createServer(async (req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    requests.push(`${req.method} ${url}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405).end();
    const fixed = options.content?.[url] ?? options.content?.[url.replace(/^\//, '')];
    if (fixed !== undefined)
      return void res
        .writeHead(200, { 'content-length': Buffer.byteLength(fixed) })
        .end(req.method === 'HEAD' ? undefined : fixed);
    if (!root) return void res.writeHead(404).end();
    const file = path.resolve(root, `.${url}`);
    if (file !== root && !file.startsWith(root + path.sep)) return void res.writeHead(403).end();
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': info.size });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  });
  const reservation = await reservePort(options.portMin, options.portMax, options.bind);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(reservation.port, options.bind, () => resolve());
  });
  return {
    port: reservation.port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        reservation.release();
      }),
  };
}
