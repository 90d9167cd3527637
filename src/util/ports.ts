import { createServer } from 'node:net';

// Ports handed out in this process, so parallel builds never pick the same one.
const reserved = new Set<number>();

/** A port in [min, max] that is free on `host` now and not held by another build; release it when done. */
export async function reservePort(
  min: number,
  max: number,
  host = '127.0.0.1',
): Promise<{ port: number; release(): void }> {
  const span = max - min + 1;
  const start = min + Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = min + ((start - min + i) % span);
    if (reserved.has(port) || !(await isFree(port, host))) continue;
    reserved.add(port);
    return { port, release: () => void reserved.delete(port) };
  }
  throw new Error(`no free port between ${min} and ${max} on ${host}`);
}

function isFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
