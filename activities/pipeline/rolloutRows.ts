// Reading rollout rows (written by the rollout activity); their trajectory files are read by trajectory/store.ts.
import type pg from 'pg';
import type { RolloutStage } from '../../contracts/rollout.ts';

export interface RolloutRow {
  id: number;
  taskId: string;
  sample: number;
  outcome: string | null;
  resolved: boolean;
  forced: boolean;
  reward: number | null;
  masked: boolean;
  turns: number;
  /** Prompt plus completion tokens as the rollout recorded them: the trajectory's length for the token budget. */
  tokens: number;
  historyAttempts: number;
  trajectoryPath: string | null;
}

export async function fetchRollouts(
  pool: pg.Pool,
  runId: string,
  stages: readonly RolloutStage[],
  samples?: { from: number; to: number },
): Promise<RolloutRow[]> {
  const { rows } = await pool.query<{
    id: string;
    task_id: string;
    sample: number;
    outcome: string | null;
    forced: boolean;
    reward: number | null;
    masked: boolean;
    turns: number;
    tokens: number;
    history_attempts: number;
    trajectory_path: string | null;
  }>(
    `select id, task_id, sample, outcome, forced, reward, masked, turns,
            (prompt_tokens + completion_tokens)::int as tokens, history_attempts, trajectory_path
       from rollouts
      where run_id = $1 and stage = any($2) and ($3::int is null or (sample >= $3 and sample < $4))
      order by task_id, sample, id`,
    [runId, stages, samples?.from ?? null, samples?.to ?? null],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    taskId: r.task_id,
    sample: r.sample,
    outcome: r.outcome,
    resolved: r.outcome === 'resolved' && !r.masked,
    forced: r.forced,
    reward: r.masked ? null : r.reward,
    masked: r.masked,
    turns: r.turns,
    tokens: r.tokens,
    historyAttempts: r.history_attempts,
    trajectoryPath: r.trajectory_path,
  }));
}
