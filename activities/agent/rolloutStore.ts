// The summary row of a rollout in Postgres `rollouts`, upserted on (run_id, stage, task_id, sample): a retried
// activity overwrites its own row instead of adding a second one.
import type pg from 'pg';
import type { TestRecord } from '../../core/testStatuses.ts';
import type { ToolUsage } from '../trajectory/toolUsage.ts';
import type { EvalOutcome, ExitReason, RolloutStage } from '../../contracts/rollout.ts';

export interface RolloutRecord {
  runId: string;
  stage: RolloutStage;
  taskId: string;
  sample: number;
  model: string;
  policyVersion?: string;
  seed: number;
  turns: number;
  promptTokens: number;
  completionTokens: number;
  tokens: number;
  exitReason: ExitReason;
  forced: boolean;
  patch: string | null;
  outcome: EvalOutcome | null;
  reward: number | null;
  masked: boolean;
  maskReason?: string;
  historyAttempts: number;
  loopCount: number;
  formatErrors: number;
  error?: string;
  trajectoryPath: string;
  startedAt: Date;
  finishedAt: Date;
  evalMs?: number;
  attempt: number;
  /** Every listed test's status from the harness (migration 011); null when nothing was executed. */
  testStatuses?: TestRecord | null;
  logTail?: string | null;
  /** Calls and errors per tool (migration 016). */
  toolUsage?: ToolUsage;
  /** Context condensations (agent.context). */
  condensations?: number;
}

const COLUMNS = [
  'run_id',
  'stage',
  'task_id',
  'sample',
  'model',
  'policy_version',
  'seed',
  'turns',
  'prompt_tokens',
  'completion_tokens',
  'tokens',
  'exit_reason',
  'forced',
  'patch',
  'outcome',
  'reward',
  'masked',
  'mask_reason',
  'history_attempts',
  'loop_count',
  'format_errors',
  'error',
  'trajectory_path',
  'started_at',
  'finished_at',
  'duration_ms',
  'eval_ms',
  'attempt',
  'test_statuses',
  'log_tail',
  'tool_usage',
  'condensations',
] as const;
const KEY = new Set(['run_id', 'stage', 'task_id', 'sample']);

const UPSERT = `insert into rollouts (${COLUMNS.join(', ')})
  values (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})
  on conflict (run_id, stage, task_id, sample) do update set
  ${COLUMNS.filter((c) => !KEY.has(c))
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}
  returning id`;

/** Postgres text cannot hold NUL; a patch or message never should, but one stray byte must not lose the row. */
const pgText = (s: string | null | undefined) => (s == null ? null : s.replace(/\u0000/g, ''));

export async function upsertRollout(pool: pg.Pool, r: RolloutRecord): Promise<number> {
  const values = [
    r.runId,
    r.stage,
    r.taskId,
    r.sample,
    r.model,
    r.policyVersion ?? null,
    r.seed,
    r.turns,
    r.promptTokens,
    r.completionTokens,
    r.tokens,
    r.exitReason,
    r.forced,
    pgText(r.patch),
    r.outcome,
    r.reward,
    r.masked,
    pgText(r.maskReason),
    r.historyAttempts,
    r.loopCount,
    r.formatErrors,
    pgText(r.error),
    r.trajectoryPath,
    r.startedAt,
    r.finishedAt,
    r.finishedAt.getTime() - r.startedAt.getTime(),
    r.evalMs ?? null,
    r.attempt,
    r.testStatuses ? JSON.stringify(r.testStatuses) : null,
    pgText(r.logTail),
    r.toolUsage ? JSON.stringify(r.toolUsage) : null,
    r.condensations ?? 0,
  ];
  const { rows } = await pool.query<{ id: string }>(UPSERT, values);
  return Number(rows[0]!.id);
}

export interface StoredRollout {
  id: number;
  run_id: string;
  stage: string;
  task_id: string;
  sample: number;
  model: string;
  exit_reason: ExitReason;
  forced: boolean;
  outcome: EvalOutcome | null;
  reward: number | null;
  masked: boolean;
  mask_reason: string | null;
  turns: number;
  tokens: number;
  history_attempts: number;
  loop_count: number;
  format_errors: number;
  error: string | null;
  patch: string | null;
  trajectory_path: string | null;
  duration_ms: number | null;
  attempt: number;
  test_statuses: TestRecord | null;
  log_tail: string | null;
  tool_usage: ToolUsage | null;
  condensations: number;
}

export async function getRollout(pool: pg.Pool, id: number): Promise<StoredRollout | undefined> {
  const { rows } = await pool.query<StoredRollout & { id: string }>('select * from rollouts where id = $1', [id]);
  return rows[0] ? { ...rows[0], id: Number(rows[0].id) } : undefined;
}
