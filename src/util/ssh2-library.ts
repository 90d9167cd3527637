import { createRequire } from 'node:module';

/**
 * ssh2, loaded the first time something needs it: a Docker or AWS-only build never does,
 * and loading it costs every command a few tens of milliseconds.
 */
export function ssh2Library(): typeof import('ssh2') {
  return createRequire(import.meta.url)('ssh2') as typeof import('ssh2');
}
