import type { Communicator } from '../core/communicator.js';
import type { PipelineStep } from '../core/pipeline.js';
import type { BuildContext } from '../core/plugin.js';
import type { RunningHttpServer } from '../util/http-server.js';
import { GUEST_HOST_IP } from './http-server.js';
import type { RunningVm } from '../machines/driver.js';
import { vmProvisionCheckpoints, type VmCheckpoints } from './vm-checkpoints.js';

/** Runs the template's provisioners; they get the HTTP server's address as the guest sees it (PACKER_HTTP_ADDR), as in Packer. */
export function stepProvision(build: BuildContext): PipelineStep<
  {
    communicator: Communicator;
    http: RunningHttpServer | undefined;
    running: RunningVm;
    vmCheckpoints: VmCheckpoints | undefined;
  },
  object
> {
  return {
    name: 'provision',
    async run({ communicator, http, running, vmCheckpoints }) {
      const generated = http
        ? {
            PACKER_HTTP_ADDR: `${GUEST_HOST_IP}:${http.port}`,
            PACKER_HTTP_IP: GUEST_HOST_IP,
            PACKER_HTTP_PORT: String(http.port),
          }
        : undefined;
      const checkpoints = vmCheckpoints && vmProvisionCheckpoints(vmCheckpoints, running, communicator, build);
      await build.provision(communicator, generated, undefined, checkpoints);
      return {};
    },
  };
}
