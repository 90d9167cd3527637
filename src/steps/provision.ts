import type { Communicator } from '../core/communicator.js';
import type { PipelineStep } from '../core/pipeline.js';
import type { BuildContext } from '../core/plugin.js';
import type { RunningHttpServer } from '../util/http-server.js';
import { GUEST_HOST_IP } from './http-server.js';

/** Runs the template's provisioners; they get the HTTP server's address as the guest sees it (PACKER_HTTP_ADDR), as in Packer. */
export function stepProvision(
  build: BuildContext,
): PipelineStep<{ communicator: Communicator; http: RunningHttpServer | undefined }, object> {
  return {
    name: 'provision',
    async run({ communicator, http }) {
      const generated = http
        ? {
            PACKER_HTTP_ADDR: `${GUEST_HOST_IP}:${http.port}`,
            PACKER_HTTP_IP: GUEST_HOST_IP,
            PACKER_HTTP_PORT: String(http.port),
          }
        : undefined;
      await build.provision(communicator, generated);
      return {};
    },
  };
}
