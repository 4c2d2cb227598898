// A pipeline test environment: a real dev server and Postgres (dev/stack.ts), the real orchestrator
// pipeline activities, and stub rollout / gpu / scoring activities, each on its real task queue.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createPipelineActivities } from '../../../activities/pipeline/index.ts';
import type { RunConfigInput } from '../../../config/schema.ts';
import { TASK_QUEUES } from '../../../core/constants.ts';
import { loadSettings } from '../../../infra/settings.ts';
import { startDevServer } from '../../../infra/temporal.ts';
import { workflowBundle } from '../../../workers/run.ts';
import { startTestStack, type TestStack } from '../../../dev/stack.ts';
import { createStubs, type StubOptions, type Stubs } from './stubs.ts';

export const TASK_IDS = ['t-0', 't-1', 't-2', 't-3', 't-4', 't-5', 't-6'];

export interface PipelineEnv {
  stack: TestStack;
  client: Client;
  stubs: Stubs;
  /** Mutable: tests change gates and failures between runs. */
  behaviour: Omit<StubOptions, 'pool' | 'artifactsDir'>;
  artifactsDir: string;
  tasksFile: string;
  stop(): Promise<void>;
}

export interface PipelineEnvOptions {
  dynamicConfig?: Record<string, string | number | boolean>;
  prefix?: string;
  /** Start the dev server with its Web UI (stack.temporal.uiUrl). */
  ui?: boolean;
  /** Task ids to put in the task store and the task file (default: TASK_IDS). */
  taskIds?: string[];
}

export async function startPipelineEnv(o: PipelineEnvOptions = {}): Promise<PipelineEnv> {
  const stack = await startTestStack({ prefix: o.prefix ?? 'wf', dynamicConfig: o.dynamicConfig, temporal: !o.ui });
  if (o.ui) {
    // stack.stop() stops it with the rest.
    stack.temporal = await startDevServer({
      dataDir: join(stack.dir, 'temporal'),
      logFile: join(stack.dir, 'temporal.log'),
    });
  }
  const taskIds = o.taskIds ?? TASK_IDS;
  const pool = stack.pool!;
  const artifactsDir = join(stack.dir, 'artifacts');
  mkdirSync(artifactsDir, { recursive: true });
  const tasksFile = join(stack.dir, 'tasks.jsonl');
  writeFileSync(
    tasksFile,
    taskIds.map((id) => JSON.stringify({ instance_id: id, repo: 'mini/stub' })).join('\n') + '\n',
  );
  for (const id of taskIds) {
    await pool.query(
      `insert into tasks (instance_id, repo, base_commit, data) values ($1, 'mini/stub', 'abc', '{}') on conflict do nothing`,
      [id],
    );
  }
  const behaviour: PipelineEnv['behaviour'] = {};
  const stubs = createStubs({
    pool,
    artifactsDir,
    get outcome() {
      return behaviour.outcome;
    },
    get gate() {
      return behaviour.gate;
    },
    get failWhen() {
      return behaviour.failWhen;
    },
    get flaky() {
      return behaviour.flaky;
    },
    get trainGate() {
      return behaviour.trainGate;
    },
    get answeredBy() {
      return behaviour.answeredBy;
    },
  });
  const settings = loadSettings({ SWE_FORGE_DATA: stack.dir, SWE_FORGE_ARTIFACTS: artifactsDir });
  const address = stack.temporal!.address;
  const native = await NativeConnection.connect({ address });
  const common = { connection: native, namespace: 'default' };
  const workers = [
    await Worker.create({
      ...common,
      taskQueue: TASK_QUEUES.orchestrator,
      workflowBundle: await workflowBundle(),
      activities: { ...createPipelineActivities({ pool, settings }), ...stubs.scoring },
      maxConcurrentActivityTaskExecutions: 20,
    }),
    await Worker.create({
      ...common,
      taskQueue: TASK_QUEUES.rollout,
      activities: { runRollout: stubs.runRollout, canaryCheck: stubs.canaryCheck },
      maxConcurrentActivityTaskExecutions: 50,
      // Cancellation reaches an activity in a heartbeat reply; the default throttle (up to 60 s) would slow tests.
      maxHeartbeatThrottleInterval: '1 second',
    }),
    await Worker.create({ ...common, taskQueue: TASK_QUEUES.gpu, activities: stubs.gpu }),
  ];
  const running = workers.map((w) => w.run());
  const client = new Client({ connection: await Connection.connect({ address }) });
  return {
    stack,
    client,
    stubs,
    behaviour,
    artifactsDir,
    tasksFile,
    async stop() {
      workers.forEach((w) => w.shutdown());
      await Promise.allSettled(running);
      await client.connection.close();
      await native.close();
      await stack.stop();
    },
  };
}

/** A small run: 5 training tasks, 2 held out; every number is small so a whole pipeline takes seconds. */
export function testConfig(
  env: PipelineEnv,
  over: { stages?: Record<string, unknown>; fanOut?: Record<string, unknown> } = {},
): RunConfigInput {
  const stages: Record<string, Record<string, unknown>> = {
    distill: { samplesPerTask: 2, window: 4 },
    difficulty: { n: 4, model: 'teacher' },
    filter: { perInstanceCap: 2 },
    sft: { steps: 6 },
    rl: { iterations: 3, batchTasks: 2, groupSize: 2, continueAsNewEvery: 2 },
    sweWorld: { kind: 'orm', steps: 2 },
    tts: { k: 2 },
  };
  for (const [k, v] of Object.entries(over.stages ?? {}))
    stages[k] = { ...stages[k], ...(v as Record<string, unknown>) };
  return {
    name: 'wf-test',
    recipe: 'swe-master',
    seed: 7,
    tasks: { file: env.tasksFile, eval: ['t-5', 't-6'] },
    models: {
      teachers: [{ name: 'stub-teacher', kind: 'scripted' }],
      policy: { name: 'stub-student', kind: 'trainer' },
    },
    fanOut: { window: 4, partitionSize: 500, ...over.fanOut },
    stages,
  } as RunConfigInput;
}

/** RL alone, from a base model: every other stage off (the RL loop's own tests). */
export function rlOnlyConfig(env: PipelineEnv, rl: Record<string, unknown>): RunConfigInput {
  const c = testConfig(env, { stages: { rl } }) as { stages: Record<string, unknown>; models: Record<string, unknown> };
  for (const s of ['distill', 'difficulty', 'filter', 'sft', 'sweWorld', 'tts', 'report'])
    c.stages[s] = { enabled: false };
  c.models.baseModelDir = '/models/base';
  return c as RunConfigInput;
}
