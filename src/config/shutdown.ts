import { parseGoDuration } from '../base/duration.js';
import { duration, type Options } from './options.js';

/** How the guest is stopped once provisioned. */
export interface ShutdownConfig {
  /** Run over the communicator; empty means halt the machine. */
  command: string;
  /** How long the guest may take to power off after `command`; past it the build fails. */
  timeoutMs: number;
  /** A wait after power-off, before the disk is touched. */
  postDelayMs: number;
}

export const shutdownOptions = {
  shutdown_command: { type: 'string', default: '' },
  shutdown_timeout: duration('5m'),
  post_shutdown_delay: duration('0s'),
};

export function prepareShutdown(o: Options): ShutdownConfig {
  return {
    command: o.shutdown_command as string,
    timeoutMs: parseGoDuration(o.shutdown_timeout as string) ?? 300_000,
    postDelayMs: parseGoDuration(o.post_shutdown_delay as string) ?? 0,
  };
}
