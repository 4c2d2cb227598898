// A rollout worker's reaper removes our containers past their TTL and leaves everything else alone.
import { afterAll, describe, expect, it } from 'vitest';
import { DOCKER_LABELS } from '../../core/constants.ts';
import { connectDocker } from '../../infra/docker.ts';
import { startReaper } from '../../workers/reaper.ts';

const docker = await connectDocker();
const made: string[] = [];

async function container(labels: Record<string, string>): Promise<string> {
  const c = await docker.createContainer({
    Image: 'swe-forge/base:bookworm',
    Cmd: ['sleep', '300'],
    Labels: labels,
    HostConfig: { NetworkMode: 'none' },
  });
  await c.start();
  made.push(c.id);
  return c.id;
}
const exists = (id: string) =>
  docker
    .getContainer(id)
    .inspect()
    .then(
      () => true,
      () => false,
    );

afterAll(async () => {
  for (const id of made)
    await docker
      .getContainer(id)
      .remove({ force: true })
      .catch(() => undefined);
});

describe('worker reaper', () => {
  it('removes an orphan of ours older than the TTL at start-up, not a foreign container nor a young one', async () => {
    const orphan = await container({ [DOCKER_LABELS.managed]: 'true', [DOCKER_LABELS.run]: 'reaper-test' });
    const foreign = await container({ 'org.example.other': 'true' });
    await new Promise((r) => setTimeout(r, 4100)); // Docker's Created has one-second resolution
    const young = await container({ [DOCKER_LABELS.managed]: 'true', [DOCKER_LABELS.run]: 'reaper-test' });
    const reaper = startReaper(docker, { ttlSec: 2.5, everySec: 3600 });
    await reaper.ready;
    reaper.stop();
    expect(await exists(orphan)).toBe(false);
    expect(await exists(foreign)).toBe(true);
    expect(await exists(young)).toBe(true);
  });
});
