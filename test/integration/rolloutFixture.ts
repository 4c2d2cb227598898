// Shared set-up of the rollout integration tests: embedded Postgres (and Temporal where asked), the bundled
// tasks imported into the task store with their bundles as sources, real Docker, and inputs for the scripted
// policy server (the test stand-in) with seeds chosen for the behaviour a test needs.
import type { RolloutInput } from '../../contracts/rollout.ts';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type Docker from 'dockerode';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { DOCKER_LABELS } from '../../core/constants.ts';
import { parseTaskJsonl, type TaskInstance } from '../../core/task.ts';
import { loadPreset } from '../../config/load.ts';
import { connectDocker } from '../../infra/docker.ts';
import { loadSettings } from '../../infra/settings.ts';
import { planFor, type ScriptedPlan } from '../../infra/scripted-policy/policy.ts';
import { createTaskStore } from '../../activities/tasks/store.ts';
import type { ActivityDeps } from '../../activities/deps.ts';
import { startTestStack, type TestStack } from '../../dev/stack.ts';

export interface RolloutFixture {
  stack: TestStack;
  docker: Docker;
  deps: ActivityDeps;
  tasks: Map<string, TaskInstance>;
  stop(): Promise<void>;
}

export async function startRolloutFixture(o: { temporal?: boolean; prefix: string }): Promise<RolloutFixture> {
  const stack = await startTestStack({ temporal: o.temporal ?? false, prefix: o.prefix });
  try {
    const docker = await connectDocker();
    const parsed = parseTaskJsonl(readFileSync('tasks/mini/tasks.jsonl', 'utf8'));
    await createTaskStore(stack.pool!).importRows(
      parsed.tasks.map(({ task }) => ({
        task,
        sourcePath: resolve(`tasks/mini/repos/${task.repo.split('/')[1]}.bundle`),
      })),
    );
    const settings = { ...loadSettings(), artifactsDir: join(stack.dir, 'artifacts') };
    return {
      stack,
      docker,
      deps: { pool: stack.pool!, settings, docker },
      tasks: new Map(parsed.tasks.map(({ task }) => [task.instance_id, task])),
      stop: () => stack.stop(),
    };
  } catch (err) {
    await stack.stop();
    throw err;
  }
}

const demo = loadPreset('demo');

export function rolloutInput(over: Partial<RolloutInput> & Pick<RolloutInput, 'runId' | 'taskId'>): RolloutInput {
  return {
    stage: 'distill',
    sample: 0,
    model: demo.models.teachers[0]!,
    agent: demo.agent,
    sandbox: demo.sandbox,
    alpha: 0.5,
    seed: 0,
    ...over,
  };
}

/** The first seed whose scripted plan for (task, sample) satisfies the predicate. */
export function seedWhere(
  task: TaskInstance,
  pred: (p: ScriptedPlan) => boolean,
  sample = 0,
): { seed: number; plan: ScriptedPlan } {
  for (let seed = 0; seed < 10_000; seed++) {
    const plan = planFor(task, seed, sample);
    if (pred(plan)) return { seed, plan };
  }
  throw new Error(`no seed in 0..9999 gives the wanted plan for ${task.instance_id}`);
}

/** Containers (running or not) this project made for a run. */
export async function containersOfRun(docker: Docker, runId: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${DOCKER_LABELS.run}=${runId}`] } });
}

export async function rolloutRows(deps: ActivityDeps, runId: string) {
  const { rows } = await deps.pool.query('select * from rollouts where run_id = $1 order by id', [runId]);
  return rows;
}

/** An activity context for `attempt`, with the SDK's failure logging kept quiet (tests assert on failures). */
export function mockActivity(attempt = 1): MockActivityEnvironment {
  return new MockActivityEnvironment({ attempt }, { logger: new DefaultLogger('ERROR') });
}
