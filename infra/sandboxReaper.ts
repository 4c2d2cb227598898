// Removes containers we made that outlived their TTL: what a worker killed mid-rollout leaves behind.
import type Docker from 'dockerode';
import { DOCKER_LABELS } from '../core/constants.ts';
import { InfraError } from '../core/errors.ts';

export async function reapOrphans(
  docker: Docker,
  o: { ttlSec: number; runId?: string },
): Promise<{ removed: string[] }> {
  const label = [`${DOCKER_LABELS.managed}=true`];
  if (o.runId) label.push(`${DOCKER_LABELS.run}=${o.runId}`);
  let list: Docker.ContainerInfo[];
  try {
    list = await docker.listContainers({ all: true, filters: { label } });
  } catch (err) {
    throw new InfraError(`cannot list containers to reap: ${(err as Error).message}`, { cause: err });
  }
  const cutoff = Date.now() / 1000 - o.ttlSec;
  const removed: string[] = [];
  for (const c of list.filter((c) => c.Created <= cutoff)) {
    try {
      await docker.getContainer(c.Id).remove({ force: true, v: true });
      removed.push(c.Id);
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      // Gone already (removed by its owner meanwhile) or being removed: not ours to report.
      if (status !== 404 && status !== 409)
        throw new InfraError(`cannot reap ${c.Id.slice(0, 12)}: ${(err as Error).message}`);
    }
  }
  return { removed };
}
