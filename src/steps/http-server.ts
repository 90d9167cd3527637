import type { HttpConfig } from '../config/http.js';
import type { PipelineStep } from '../core/pipeline.js';
import { startHttpServer, type RunningHttpServer } from '../util/http-server.js';

/** Where a guest on user-mode networking (QEMU, VirtualBox NAT) reaches the host. */
export const GUEST_HOST_IP = '10.0.2.2';

/** Serves http_directory or http_content to the installer. */
export function stepHttpServer(
  http: HttpConfig | undefined,
): PipelineStep<object, { http: RunningHttpServer | undefined }> {
  return {
    name: 'http-server',
    async run(_state, ctx) {
      if (!http) return { http: undefined };
      const server = await startHttpServer({
        directory: http.directory,
        content: http.content,
        bind: http.bindAddress,
        portMin: http.portRange[0],
        portMax: http.portRange[1],
      });
      ctx.ui.say(
        `Serving ${http.directory ?? 'http_content'} on http://${http.bindAddress}:${server.port} (the guest sees it at ${GUEST_HOST_IP}:${server.port})`,
      );
      return { http: server };
    },
    async cleanup({ http: server }, ctx) {
      if (!server) return;
      if (server.requests.length) ctx.log(`http server: ${server.requests.join(', ')}`);
      await server.close();
    },
    leftover: ({ http: server }) => (server ? `the HTTP server on port ${server.port}` : undefined),
  };
}
