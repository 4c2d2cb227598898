// Pipeline runs as a user starts them (the pipeline workflow on the orchestrator queue, the demo preset cut down
// to the stages a scenario needs) and what they leave in Postgres and Docker.
import { existsSync, readFileSync } from 'node:fs';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type Docker from 'dockerode';
import type pg from 'pg';
import { DOCKER_LABELS, TASK_QUEUES, WORKFLOW_TYPES, runWorkflowId } from '../core/constants.ts';
import { parseRunConfig } from '../config/load.ts';
import { STAGE_ORDER, type RunConfig, type StageName } from '../config/schema.ts';
import type { PipelineResult } from '../workflows/pipeline.ts';

const off = (stages: StageName[]) =>
  Object.fromEntries(STAGE_ORDER.filter((s) => !stages.includes(s)).map((s) => [s, { enabled: false }]));

/**
 * The demo preset (scripted teacher: a test stand-in that replays gold or wrong edits) with only `stages` on and
 * rollouts kept short: few turns, short command timeouts (the heartbeat timeout derives from them).
 */
export function faultConfig(name: string, stages: StageName[], over: Record<string, unknown> = {}): RunConfig {
  const o = over as { agent?: object; sandbox?: object; stages?: Record<string, object>; tasks?: object };
  const stageCfg: Record<string, object> = off(stages);
  for (const [k, v] of Object.entries(o.stages ?? {})) stageCfg[k] = { ...stageCfg[k], ...v };
  return parseRunConfig({
    preset: 'demo',
    ...over,
    name,
    agent: { maxTurns: 6, commandTimeoutSec: 5, wallTimeSec: 120, ...o.agent },
    sandbox: { memoryMb: 512, pidsLimit: 256, testTimeoutSec: 60, ...o.sandbox },
    // No held-out tasks: these runs evaluate nothing, and a preset's eval list must not clash with `train`.
    tasks: { file: 'tasks/mini/tasks.jsonl', eval: [], ...o.tasks },
    stages: stageCfg,
  });
}

export async function startRun(client: Client, runId: string, config: RunConfig): Promise<WorkflowHandle> {
  return client.workflow.start(WORKFLOW_TYPES.pipeline, {
    taskQueue: TASK_QUEUES.orchestrator,
    workflowId: runWorkflowId(runId),
    args: [{ runId, config }],
  });
}

/** The run's outcome without throwing: `{ ok, result | error }`. */
export async function outcome(
  handle: WorkflowHandle,
): Promise<{ ok: true; result: PipelineResult } | { ok: false; error: string }> {
  try {
    return { ok: true, result: (await handle.result()) as PipelineResult };
  } catch (err) {
    let e: unknown = err;
    const parts: string[] = [];
    for (let i = 0; e instanceof Error && i < 6; i++, e = (e as { cause?: unknown }).cause) parts.push(e.message);
    return { ok: false, error: parts.join(' <- ') };
  }
}

/**
 * outcome() with a bound: a run that is stuck fails the test with what was pending and the workers' last log
 * lines, instead of a bare vitest timeout that says nothing about where it hung.
 */
export async function outcomeWithin(
  client: Client,
  handle: WorkflowHandle,
  ms: number,
  logs: string[],
): Promise<{ ok: true; result: PipelineResult } | { ok: false; error: string }> {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<'stuck'>((r) => (timer = setTimeout(() => r('stuck'), ms)));
  const got = await Promise.race([outcome(handle), stuck]).finally(() => clearTimeout(timer));
  if (got !== 'stuck') return got;
  const pending: string[] = [];
  try {
    for await (const w of client.workflow.list({ query: 'ExecutionStatus="Running"' })) {
      const d = await client.workflow.getHandle(w.workflowId).describe();
      for (const a of d.raw.pendingActivities ?? [])
        pending.push(
          `${w.workflowId}: ${a.activityType?.name} attempt ${a.attempt} state ${a.state} ${a.lastFailure?.message ?? ''}`,
        );
      if (!d.raw.pendingActivities?.length) pending.push(`${w.workflowId}: running, no pending activity`);
    }
  } catch (err) {
    pending.push(`listing failed: ${(err as Error).message}`);
  }
  const tails = logs.map((f) => {
    const text = existsSync(f) ? readFileSync(f, 'utf8') : '(no log)';
    return `--- ${f}\n${text.split('\n').slice(-30).join('\n')}`;
  });
  throw new Error(`the run did not finish within ${ms / 1000} s; pending:\n${pending.join('\n')}\n${tails.join('\n')}`);
}

export interface RolloutRow {
  id: number;
  task_id: string;
  sample: number;
  masked: boolean;
  reward: number | null;
  outcome: string | null;
  exit_reason: string;
  mask_reason: string | null;
  error: string | null;
  attempt: number;
  format_errors: number;
  trajectory_path: string | null;
}

export async function rolloutRows(pool: pg.Pool, runId: string, stage: string): Promise<RolloutRow[]> {
  const { rows } = await pool.query<RolloutRow>(
    'select * from rollouts where run_id = $1 and stage = $2 order by task_id, sample',
    [runId, stage],
  );
  return rows;
}

/** (task, sample) keys that occur more than once: must be none. */
export function duplicates(rows: Pick<RolloutRow, 'task_id' | 'sample'>[]): string[] {
  const seen = new Map<string, number>();
  for (const r of rows) seen.set(`${r.task_id}#${r.sample}`, (seen.get(`${r.task_id}#${r.sample}`) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
}

export async function containersOfRun(docker: Docker, runId: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${DOCKER_LABELS.run}=${runId}`] } });
}
