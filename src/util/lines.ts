import { createInterface } from 'node:readline';

/**
 * Calls `onLine` for each line of a stream and resolves when it ends. A stream error
 * ends it too: readline re-emits input errors, and the caller learns of the failure
 * from its own process or connection, so an error here must not crash the run.
 */
export function readLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: stream, crlfDelay: Infinity });
    rl.on('line', onLine);
    rl.on('error', () => rl.close());
    rl.on('close', resolve);
  });
}
