// `npm run bench -- orchestration [n] [window]`: what Temporal orchestration costs per rollout. N no-op rollout
// activities go through the pipeline's own fan-out (distillWorkflow: bounded window, partition child workflows
// of 500, real pipeline activities on Postgres) on a headless dev server, against the same N calls of the same
// no-op function made directly with the same concurrency. Prints activities per minute and the per-activity
// overhead; target >= 1,000 activities per minute. Last line: one JSON object.
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { RolloutInput, RolloutSummary } from '../contracts/rollout.ts';
import { createPipelineActivities } from '../activities/pipeline/index.ts';
import { TASK_QUEUES } from '../core/constants.ts';
import { loadSettings } from '../infra/settings.ts';
import { startTestStack } from '../dev/stack.ts';
import { standInSummary } from './inflightStandIn.ts';
import { workflowBundle } from '../workers/run.ts';

const TARGET_PER_MIN = 1000;
const SAMPLES = 10;

/** The stand-in rollout: returns at once, so all that is measured is scheduling, dispatch and bookkeeping. */
async function noopRollout(i: RolloutInput): Promise<RolloutSummary> {
  return standInSummary(i);
}

async function direct(inputs: RolloutInput[], window: number): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: window }, async () => {
      for (let i = next++; i < inputs.length; i = next++) await noopRollout(inputs[i]!);
    }),
  );
  return performance.now() - t0;
}

export default async function orchestration(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 2000);
  const window = Number(args[1] ?? 64);
  if (!Number.isInteger(n) || n < SAMPLES || n % SAMPLES)
    throw new Error(`n must be a multiple of ${SAMPLES} (got ${args[0]})`);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const stack = await startTestStack({ prefix: 'bench-orch' });
  const pool = stack.pool!;
  const tasks = Array.from({ length: n / SAMPLES }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
  for (const id of tasks)
    await pool.query(`insert into tasks (instance_id, repo, base_commit, data) values ($1, 'bench/noop', 'x', '{}')`, [
      id,
    ]);
  const native = await NativeConnection.connect({ address: stack.temporal!.address });
  const settings = loadSettings({ SWE_FORGE_DATA: stack.dir });
  const workers = [
    await Worker.create({
      connection: native,
      taskQueue: TASK_QUEUES.orchestrator,
      workflowBundle: await workflowBundle(),
      activities: createPipelineActivities({ pool, settings }),
    }),
    await Worker.create({
      connection: native,
      taskQueue: TASK_QUEUES.rollout,
      activities: { runRollout: noopRollout },
      maxConcurrentActivityTaskExecutions: 200,
    }),
  ];
  const running = workers.map((w) => w.run());
  const client = new Client({ connection: await Connection.connect({ address: stack.temporal!.address }) });
  try {
    const config = {
      name: 'bench',
      tasks: { file: '(none)' },
      models: { teachers: [{ name: 'noop', kind: 'scripted' }], policy: { name: 'noop', kind: 'scripted' } },
      stages: { distill: { samplesPerTask: SAMPLES, window } },
    };
    const { parseConfig } = await import('../workflows/pipeline.ts');
    const t0 = performance.now();
    const summary = await client.workflow.execute('distillWorkflow', {
      taskQueue: TASK_QUEUES.orchestrator,
      workflowId: 'bench-orchestration',
      args: [{ runId: 'bench', config: parseConfig(config) }],
    });
    const fanoutMs = performance.now() - t0;
    const inputs = tasks.flatMap((taskId) =>
      Array.from({ length: SAMPLES }, (_, sample) => ({ taskId, sample }) as RolloutInput),
    );
    const directMs = await direct(inputs, window);
    const perMin = (n / fanoutMs) * 60_000;
    const overheadMs = (fanoutMs - directMs) / n;
    console.log(
      `${n} no-op rollouts through the pipeline fan-out (window ${window}, partitions of 500): ${(fanoutMs / 1000).toFixed(1)} s`,
    );
    console.log(
      `  ${Math.round(perMin)} activities / min; overhead ${overheadMs.toFixed(2)} ms per activity; summary ${JSON.stringify(summary)}`,
    );
    console.log(`${n} direct calls, same concurrency: ${directMs.toFixed(1)} ms`);
    const ratio = Math.round((perMin / TARGET_PER_MIN) * 100) / 100;
    console.log(
      JSON.stringify({
        bench: 'orchestration',
        n,
        window,
        fanoutMs: Math.round(fanoutMs),
        directMs: Math.round(directMs * 100) / 100,
        activitiesPerMinute: Math.round(perMin),
        perActivityOverheadMs: Math.round(overheadMs * 100) / 100,
        ratio,
        target: 1,
        targetPerMinute: TARGET_PER_MIN,
        ok: perMin >= TARGET_PER_MIN,
      }),
    );
  } finally {
    workers.forEach((w) => w.shutdown());
    await Promise.allSettled(running);
    await client.connection.close();
    await native.close();
    await stack.stop();
  }
}
