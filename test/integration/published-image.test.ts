// Published images: an image built with the repository's full history (future commits reachable from a tag, a
// branch, a note and a stash; a conda env like SWE-bench's) is scrubbed in a derived image before anything runs
// in it, its env is on PATH, and the task grades through it; pulled from a local registry (Debian
// docker-registry) when missing; and a missing image offline is a quick per-task error naming the image.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxSchema } from '../../config/schema.ts';
import { evaluatePatch } from '../../activities/harness/evaluate.ts';
import { connectDocker } from '../../infra/docker.ts';
import { ensurePublishedImage } from '../../infra/images/published.ts';
import { BASE_IMAGE } from '../../infra/images/taskImage.ts';
import { Sandbox } from '../../infra/sandbox.ts';
import { makeCalcRepo, type CalcRepo } from '../fixtures/calcRepo.ts';
import { REGISTRY_BIN, startLocalRegistry } from '../../dev/localRegistry.ts';

const PUBLISHED = `swe-forge/test-published-full:${process.pid}`;
let docker: Docker;
let repo: CalcRepo;
const made: string[] = [];
const sandbox = SandboxSchema.parse({ testTimeoutSec: 60 });

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

async function inContainer(image: string, cmd: string, login = false): Promise<string> {
  const sb = await Sandbox.create(docker, {
    image,
    labels: { task: 'published-image-test' },
    memoryMb: 512,
    pidsLimit: 128,
    cpuShares: 512,
    network: false,
  });
  try {
    return (await sb.exec(cmd, { timeoutSec: 60, login })).output;
  } finally {
    await sb.remove();
  }
}

beforeAll(async () => {
  docker = await connectDocker();
  repo = makeCalcRepo(`${process.pid}p`);
  const ctx = join(repo.root, 'ctx');
  mkdirSync(ctx);
  execFileSync('cp', ['-a', repo.dir, join(ctx, 'testbed')]);
  writeFileSync(
    join(ctx, 'Dockerfile'),
    [
      `FROM ${BASE_IMAGE}`,
      'COPY testbed /testbed',
      // As published images are: the repository cloned whole, its branch moved to base_commit.
      `RUN cd /testbed && git -c safe.directory='*' checkout -q -B main ${repo.baseCommit}`,
      'RUN mkdir -p /opt/miniconda3/envs/testbed/bin && ln -s /usr/bin/python3 /opt/miniconda3/envs/testbed/bin/python' +
        " && printf '#!/bin/sh\\necho conda-testbed\\n' > /opt/miniconda3/envs/testbed/bin/which-env" +
        ' && chmod +x /opt/miniconda3/envs/testbed/bin/which-env',
      '',
    ].join('\n'),
  );
  execFileSync('docker', ['build', '-q', '-t', PUBLISHED, ctx], { stdio: 'pipe' });
  made.push(PUBLISHED);
}, 300_000);

afterAll(async () => {
  for (const image of made)
    await docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined);
  if (repo) rmSync(repo.root, { recursive: true, force: true });
});

describe('published images', () => {
  it('the image as published leaks the fix: git reaches commits after base_commit', async () => {
    const out = await inContainer(PUBLISHED, `cd /testbed && git -c safe.directory='*' cat-file -t ${repo.fixCommit}`);
    expect(out.trim()).toBe('commit');
  });

  it('its derived image is scrubbed, owned by the agent user, with the conda env on PATH, and grades', async () => {
    const task = { ...repo.tasks.calc, image_name: PUBLISHED };
    const derived = await ensurePublishedImage(docker, task);
    made.push(derived);
    const out = await inContainer(
      derived,
      [
        'cd /testbed',
        'git rev-list --all --reflog | sort > /tmp/all',
        `git cat-file -e ${repo.fixCommit} 2>/dev/null && echo LEAK || echo gone`,
        `git cat-file -e ${repo.laterCommits[1]} 2>/dev/null && echo LEAK || echo gone`,
        'git rev-parse HEAD',
        'stat -c %u /testbed/calc.py',
        'which-env',
      ].join('; '),
    );
    expect(out.trim().split('\n')).toEqual(['gone', 'gone', repo.baseCommit, '1000', 'conda-testbed']);
    // The agent's shell is a login shell, whose /etc/profile resets PATH: the env must still be active there.
    expect((await inContainer(derived, 'which-env', true)).trim()).toBe('conda-testbed');
    // Cached: a second call finds the derived image by its key label.
    const id = (await docker.getImage(derived).inspect()).Id;
    expect(await ensurePublishedImage(docker, task)).toBe(derived);
    expect((await docker.getImage(derived).inspect()).Id).toBe(id);
    const r = await evaluatePatch(docker, task, task.patch, { sandbox });
    expect([r.outcome, r.message]).toEqual(['resolved', expect.stringContaining('resolved')]);
    expect((await evaluatePatch(docker, task, '', { sandbox })).outcome).toBe('unresolved');
  });

  it('offline, a missing image is a quick per-task infra_error naming the image (no hang)', async () => {
    const port = await freePort(); // nothing listens there: the pull is refused at once
    const image = `127.0.0.1:${port}/nowhere/sweb.eval.x86_64.none:latest`;
    const task = { ...repo.tasks.calc, instance_id: `${repo.tasks.calc.instance_id}-gone`, image_name: image };
    const r = await evaluatePatch(docker, task, task.patch, { sandbox });
    expect(r.outcome).toBe('infra_error');
    expect(r.message).toContain(`image ${image} is not here and could not be pulled`);
    expect(r.message).toContain(task.instance_id);
  });

  it('a missing image is pulled from a registry (local docker-registry)', async () => {
    // infra/bootstrap.sh --test installs Debian's docker-registry: missing is a failure, not a skip.
    expect(existsSync(REGISTRY_BIN), `${REGISTRY_BIN} (run bash infra/bootstrap.sh --test)`).toBe(true);
    const registry = await startLocalRegistry(join(repo.root, 'registry'));
    try {
      const remote = `${registry.address}/swe-forge-test/calc:${process.pid}`;
      execFileSync('docker', ['tag', PUBLISHED, remote]);
      execFileSync('docker', ['push', '-q', remote], { stdio: 'pipe' });
      execFileSync('docker', ['rmi', remote], { stdio: 'pipe' });
      const task = { ...repo.tasks.calc, instance_id: `${repo.tasks.calc.instance_id}-reg`, image_name: remote };
      const log: string[] = [];
      const derived = await ensurePublishedImage(docker, task, { onLog: (l) => log.push(l) });
      made.push(remote, derived);
      expect(log.some((l) => /Pulling from|Digest|Status/.test(l))).toBe(true);
      expect((await docker.getImage(remote).inspect()).Id).toBeTruthy();
      expect((await inContainer(derived, `cd /testbed && git cat-file -e ${repo.fixCommit} || echo gone`)).trim()).toBe(
        'gone',
      );
    } finally {
      registry.stop();
    }
  });
});
