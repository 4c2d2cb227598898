// The checkpoints table: one row per checkpoint the trainer reports, keyed by `${runId}/${stage}/step-N`, so an
// activity that runs twice (a retry, a re-executed stage) writes each row once.
import { existsSync } from 'node:fs';
import type pg from 'pg';
import type { CheckpointRef } from '../../contracts/gpu.ts';

export function checkpointId(runId: string, stageKey: string, step: number): string {
  return `${runId}/${stageKey}/step-${step}`;
}

/** Temporal payloads and the metrics column want numbers only: booleans become 0/1, anything else is dropped. */
export function numericMetrics(raw: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (!raw || typeof raw !== 'object') return out;
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
    else if (typeof v === 'boolean') out[k] = v ? 1 : 0;
  }
  return out;
}

export interface RecordCheckpointInput {
  runId: string;
  /** The stage column: sft, sweWorld, rl, verifier. */
  stage: string;
  /** The id's middle part: the stage, or `rl/iter-3` where one stage writes several out dirs. */
  stageKey: string;
  step: number;
  path: string;
  metrics: Record<string, number>;
}

export async function recordCheckpoint(pool: pg.Pool, c: RecordCheckpointInput): Promise<CheckpointRef> {
  const id = checkpointId(c.runId, c.stageKey, c.step);
  // A re-run reports the same step with final metrics: keep one row, refresh what it says, keep created_at.
  await pool.query(
    `insert into checkpoints (id, run_id, stage, step, path, metrics) values ($1, $2, $3, $4, $5, $6)
     on conflict (id) do update set path = excluded.path,
       metrics = checkpoints.metrics || excluded.metrics`,
    [id, c.runId, c.stage, c.step, c.path, c.metrics],
  );
  return { checkpointId: id, path: c.path, step: c.step, metrics: c.metrics };
}

/**
 * The trainer keeps only its newest checkpoints on disk (keep_checkpoints); rows of the ones it pruned would
 * point at nothing, so they go once the job is over.
 */
export async function forgetPrunedCheckpoints(pool: pg.Pool, runId: string, stageKey: string): Promise<number> {
  const { rows } = await pool.query<{ id: string; path: string }>(
    `select id, path from checkpoints where run_id = $1 and starts_with(id, $2)`,
    [runId, `${runId}/${stageKey}/step-`],
  );
  const gone = rows.filter((r) => !existsSync(r.path)).map((r) => r.id);
  if (gone.length) await pool.query('delete from checkpoints where id = any($1)', [gone]);
  return gone.length;
}

export async function checkpointIdByPath(pool: pg.Pool, path: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ id: string }>('select id from checkpoints where path = $1 limit 1', [path]);
  return rows[0]?.id;
}
