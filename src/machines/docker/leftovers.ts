import type { Leftover, OwnerFilter } from '../../util/leftovers.js';
import { ownerOfName } from '../../util/run-mark.js';
import { connectDocker, dockerHost, engineMessage, isNotFound } from './engine.js';

/**
 * Containers named with the mark of a run `owners` accepts (boxwright-pidN-BUILD-XXXXXXXX). Only
 * a daemon on this machine is asked: a pid means nothing on another host. `note` says why a
 * daemon that is there could not be asked.
 */
export async function leftoverContainers(owners: OwnerFilter): Promise<{ leftovers: Leftover[]; note?: string }> {
  const host = dockerHost();
  if (!host.startsWith('unix://')) return { leftovers: [], note: `containers on ${host} were not looked at` };
  const docker = await connectDocker();
  let timer: NodeJS.Timeout | undefined;
  try {
    const containers = await Promise.race([
      docker.listContainers({ all: true }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('the daemon did not answer within 10 s')), 10_000);
      }),
    ]);
    return {
      leftovers: containers.flatMap((c) => {
        const name = (c.Names[0] ?? '').replace(/^\//, '');
        const owner = ownerOfName(name);
        if (owner === undefined || !owners(owner)) return [];
        return [
          {
            owner,
            what: `container ${name} (${c.State})`,
            remove: async () => {
              await docker
                .getContainer(c.Id)
                .remove({ force: true })
                .catch((err: unknown) => {
                  if (!isNotFound(err)) throw err;
                });
            },
          },
        ];
      }),
    };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // No daemon here: nothing of ours can be in it.
    if (code === 'ENOENT' || code === 'ECONNREFUSED') return { leftovers: [] };
    return { leftovers: [], note: `could not list the containers of ${host}: ${engineMessage(err)}` };
  } finally {
    clearTimeout(timer);
  }
}
