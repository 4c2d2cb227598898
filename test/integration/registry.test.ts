// Task images built once for a fleet (issue 26, first part): with a registry, a task image is pushed after its
// build and pulled, not built, where it is missing (another host, or here after `docker rmi`); a registry that is
// down means a build here, said in the log. A real registry (Debian's docker-registry) and the real engine.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker } from '../../infra/docker.ts';
import { REGISTRY_KEY_LABEL } from '../../infra/images/registry.ts';
import { ensureTaskImage, taskImageName } from '../../infra/images/taskImage.ts';
import { freePort } from '../../infra/net.ts';
import { removeTaskImages } from '../../dev/dockerCleanup.ts';
import { startLocalRegistry, type LocalRegistry } from '../../dev/localRegistry.ts';
import { makeCalcRepo, type CalcRepo } from '../fixtures/calcRepo.ts';

let docker: Docker;
let repo: CalcRepo;
let registry: LocalRegistry;
const PREFIX = `fixture__calc-${process.pid}r-`;

beforeAll(async () => {
  docker = await connectDocker();
  repo = makeCalcRepo(`${process.pid}r`);
  registry = await startLocalRegistry(join(repo.root, 'registry'));
}, 120_000);
afterAll(async () => {
  registry?.stop();
  if (docker) await removeTaskImages(docker, PREFIX);
  if (repo) rmSync(repo.root, { recursive: true, force: true });
});

const ensure = async (registryAddress: string) => {
  const log: string[] = [];
  await ensureTaskImage(docker, repo.tasks.calc, {
    repoPath: repo.dir,
    registry: registryAddress,
    onLog: (l) => log.push(l),
  });
  const image = await docker.getImage(taskImageName(repo.tasks.calc)).inspect();
  return { log, image };
};
const rmi = (name: string) => docker.getImage(name).remove({ force: true });
const built = (log: string[]) => log.some((l) => /^Step \d+\/\d+ : FROM /.test(l));

describe('task images through a registry', () => {
  it('builds and pushes once, then pulls instead of building', async () => {
    const first = await ensure(registry.address);
    expect(
      first.log.some((l) => l.includes('is not there yet; building it here')),
      first.log.slice(0, 5).join('\n'),
    ).toBe(true);
    expect(built(first.log)).toBe(true);
    expect(
      first.log.some((l) => l.startsWith('registry: pushed ')),
      first.log.filter((l) => l.startsWith('registry')).join('\n'),
    ).toBe(true);
    const key = first.image.Config.Labels[REGISTRY_KEY_LABEL]!;
    expect(key).toMatch(/^[0-9a-f]{24}$/);

    // As on a host that never built it: the image is gone here, the registry has it.
    await rmi(taskImageName(repo.tasks.calc));
    await rmi(`${registry.address}/swe-forge-task:${key}`);
    const second = await ensure(registry.address);
    expect(second.log.some((l) => l.includes('(not built here)'))).toBe(true);
    expect(built(second.log)).toBe(false);
    expect(second.image.Id).toBe(first.image.Id);
    // Found again without asking the registry.
    const third = await ensure(registry.address);
    expect(third.log).toEqual([]);
  }, 300_000);

  it('a registry that is down means a build here, and says so', async () => {
    await rmi(taskImageName(repo.tasks.calc));
    const dead = `127.0.0.1:${await freePort()}`;
    const r = await ensure(dead);
    expect(r.log.some((l) => l.startsWith('registry unavailable'))).toBe(true);
    expect(built(r.log)).toBe(true);
    expect(r.log.some((l) => l.includes('failed') && l.includes('stays on this host only'))).toBe(true);
  }, 300_000);
});
