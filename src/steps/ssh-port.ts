import type { GuestAccess } from '../config/guest-access.js';
import type { PipelineStep } from '../core/pipeline.js';
import { reservePort } from '../util/ports.js';

/** A host port held for the build until cleanup. */
export interface HeldPort {
  port: number;
  release(): void;
}

/** Holds a port on 127.0.0.1 for the SSH forward; none when the build has no SSH or forwards nothing. */
export function stepSshPort(
  access: GuestAccess,
  forward: boolean,
): PipelineStep<object, { sshPort: HeldPort | undefined }> {
  return {
    name: 'host-ports',
    async run() {
      if (access.communicator !== 'ssh' || !forward) return { sshPort: undefined };
      return { sshPort: await reservePort(access.hostPortRange[0], access.hostPortRange[1]) };
    },
    async cleanup({ sshPort }) {
      sshPort?.release();
    },
  };
}
