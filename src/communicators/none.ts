import { UserError } from '../base/errors.js';
import type { Communicator } from '../core/communicator.js';

const refuse = (what: string): never => {
  throw new UserError(
    `cannot ${what}: this build uses "communicator": "none"`,
    'use a provisioner that runs locally (shell-local), or give the builder a communicator such as ssh',
  );
};

/** The communicator of builds that do not connect to a machine. */
export const noneCommunicator: Communicator = {
  type: 'none',
  exec: async () => refuse('run a command on the machine'),
  upload: async () => refuse('upload a file'),
  uploadDir: async () => refuse('upload a directory'),
  download: async () => refuse('download a file'),
  downloadDir: async () => refuse('download a directory'),
  isDirectory: async () => refuse('look at a path on the machine'),
  close: async () => {},
};
