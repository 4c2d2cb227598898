// Removes containers we made that outlived their TTL: what a worker killed mid-rollout leaves behind.
import type Docker from 'dockerode';
import { DOCKER_LABELS } from '../core/constants.ts';
import { InfraError } from '../core/errors.ts';

export async function reapOrphans(
  docker: Docker,
  o: {
    ttlSec: number;
    runId?: string;
    /** Containers of rollouts that are still live (leaseStore.liveContainers): a resumed rollout may outlive the TTL. */
    live?: () => Promise<Set<string>>;
  },
): Promise<{ removed: string[]; kept: string[] }> {
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
  const old = list.filter((c) => c.Created <= cutoff);
  const live = old.length && o.live ? await o.live() : new Set<string>();
  const kept = old.filter((c) => live.has(c.Id)).map((c) => c.Id);
  for (const c of old.filter((c) => !live.has(c.Id))) {
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
  return { removed, kept };
}
