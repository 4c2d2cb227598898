// The Docker engine going away under the harness, simulated with a socket proxy (never the shared dockerd):
// evaluations in flight become infra_error, the batch goes on and what finished is kept, the containers left
// behind are reaped; an engine that stops answering hits the harness deadline (infra_error), not a hang.
import { rmSync } from 'node:fs';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxSchema } from '../../config/schema.ts';
import { evaluateBatch } from '../../activities/harness/batch.ts';
import { evaluatePatch } from '../../activities/harness/evaluate.ts';
import type { EvaluationResult } from '../../activities/harness/evaluate.ts';
import { connectDocker } from '../../infra/docker.ts';
import { ensureTaskImage } from '../../infra/images/taskImage.ts';
import { reapOrphans } from '../../infra/sandbox.ts';
import { makeCalcRepo, type CalcRepo } from '../fixtures/calcRepo.ts';
import { removeRunContainers, removeTaskImages, runContainers } from '../../dev/dockerCleanup.ts';
import { startDockerProxy, type DockerProxy } from '../helpers/dockerProxy.ts';

const RUN = `harness-engine-${process.pid}`;
let docker: Docker;
let proxy: DockerProxy;
let repo: CalcRepo;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  docker = await connectDocker();
  repo = makeCalcRepo(`${process.pid}e`);
  for (const t of Object.values(repo.tasks)) await ensureTaskImage(docker, t, { repoPath: repo.dir });
  proxy = await startDockerProxy();
});
afterAll(async () => {
  await proxy?.close();
  await removeRunContainers(docker, RUN);
  await removeTaskImages(docker, `fixture__calc-${process.pid}e-`);
  rmSync(repo.root, { recursive: true, force: true });
});

describe('the engine going away', () => {
  // Timing-dependent (the engine is pulled while two evaluations are in flight): a retry under heavy machine
  // load, where the cut can land at another moment; every attempt still has to see the exact outcomes.
  it(
    'mid-batch: in-flight evaluations are infra_error, finished ones are kept, the rest of the batch runs',
    { retry: 2 },
    async () => {
      proxy.up(); // a retried attempt starts with the engine reachable
      await removeRunContainers(docker, RUN);
      const { calc, hang } = repo.tasks;
      const items = [
        { task: calc, patch: calc.patch },
        { task: calc, patch: '' },
        { task: hang, patch: hang.patch },
        { task: hang, patch: hang.patch },
        { task: calc, patch: calc.patch },
        { task: calc, patch: '' },
      ];
      const done: number[] = [];
      let cut = false;
      const batch = evaluateBatch(proxy.docker, items, {
        sandbox: SandboxSchema.parse({ testTimeoutSec: 60 }),
        concurrency: 2,
        labels: { run: RUN },
        onResult: (i, _item, r) => {
          done.push(i);
          // The engine is back once the in-flight ones have failed: the rest of the batch must still run.
          if (cut && r.outcome === 'infra_error' && done.filter((d) => d === 2 || d === 3).length === 2) proxy.up();
        },
      });
      // Wait until both hanging evaluations have their containers running, then pull the engine away.
      for (let i = 0; i < 600 && !cut; i++) {
        const running = (await runContainers(docker, RUN)).filter(
          (c) => c.State === 'running' && c.Labels['org.swe-forge.task'] === hang.instance_id,
        );
        if (running.length === 2 && done.length === 2) {
          await sleep(1500);
          cut = true;
          proxy.down();
        } else await sleep(100);
      }
      expect(cut).toBe(true);
      const results: EvaluationResult[] = await batch;
      expect(results.map((r) => r.outcome)).toEqual([
        'resolved',
        'unresolved',
        'infra_error',
        'infra_error',
        'resolved',
        'unresolved',
      ]);
      expect(results[2]!.message).toMatch(/lost the Docker engine|ECONNRESET|EPIPE|ECONNREFUSED/);
      expect(results[3]!.message).toMatch(/lost the Docker engine|ECONNRESET|EPIPE|ECONNREFUSED/);
      // The in-flight containers could not be removed through the dead connection: the reaper finds them.
      const left = await runContainers(docker, RUN);
      expect(left.length).toBeGreaterThan(0);
      const { removed } = await reapOrphans(docker, { ttlSec: 0, runId: RUN });
      expect(removed.sort()).toEqual(left.map((c) => c.Id).sort());
      expect(await runContainers(docker, RUN)).toEqual([]);
    },
  );

  it('an engine that stops answering: the harness deadline turns the hang into infra_error', async () => {
    proxy.freeze();
    try {
      const r = await evaluatePatch(proxy.docker, repo.tasks.calc, repo.tasks.calc.patch, {
        sandbox: SandboxSchema.parse({}),
        labels: { run: RUN },
        harnessTimeoutSec: 3,
      });
      expect(r.outcome).toBe('infra_error');
      expect(r.message).toMatch(/harness timed out after 3s/);
    } finally {
      proxy.up();
    }
  });
});
