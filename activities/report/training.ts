// The training side of the report: checkpoints, loss per step, RL iterations. Also the writer of train_metrics
// (infra/migrations/007_scoring_metrics.sql), for whoever streams the trainer's `progress` events.
import type pg from 'pg';

export interface TrainingData {
  checkpoints: { id: string; stage: string; step: number; path: string; metrics: Record<string, number> }[];
  /** Loss per step and stage: train_metrics, else the loss each checkpoint recorded. */
  loss: Record<string, { step: number; loss: number }[]>;
  lossSource: Record<string, 'train_metrics' | 'checkpoints'>;
  rl: {
    iteration: number;
    meanReward: number | null;
    resolvedRate: number | null;
    masked: number;
    meanTurns: number | null;
  }[];
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export interface TrainMetricPoint {
  step: number;
  loss: number | null;
  metrics?: Record<string, number>;
}

/** Idempotent on (run, stage, step): a resumed job that redoes steps overwrites them. */
export async function recordTrainMetrics(
  pool: pg.Pool,
  i: { runId: string; stage: string; points: readonly TrainMetricPoint[] },
): Promise<void> {
  if (!i.points.length) return;
  await pool.query(
    `insert into train_metrics (run_id, stage, step, loss, metrics)
     select $1, $2, s, l, m from unnest($3::int[], $4::float8[], $5::jsonb[]) as t(s, l, m)
     on conflict (run_id, stage, step) do update set loss = excluded.loss, metrics = excluded.metrics, recorded_at = now()`,
    [
      i.runId,
      i.stage,
      i.points.map((p) => p.step),
      i.points.map((p) => p.loss),
      i.points.map((p) => JSON.stringify(p.metrics ?? {})),
    ],
  );
}

export async function loadTrainingData(
  pool: pg.Pool,
  runId: string,
  config: Record<string, unknown>,
): Promise<TrainingData> {
  const checkpoints = (
    await pool.query<TrainingData['checkpoints'][number]>(
      'select id, stage, step, path, metrics from checkpoints where run_id = $1 order by stage, step',
      [runId],
    )
  ).rows.map((r) => ({ ...r, metrics: r.metrics ?? {} }));
  const { rows: points } = await pool.query<{ stage: string; step: number; loss: number }>(
    'select stage, step, loss from train_metrics where run_id = $1 and loss is not null order by stage, step',
    [runId],
  );
  const loss: TrainingData['loss'] = {};
  const lossSource: TrainingData['lossSource'] = {};
  for (const r of points) {
    (loss[r.stage] ??= []).push({ step: r.step, loss: Number(r.loss) });
    lossSource[r.stage] = 'train_metrics';
  }
  // Without per-step rows, the loss each checkpoint recorded still draws a (coarser) curve.
  for (const c of checkpoints) {
    if (lossSource[c.stage] === 'train_metrics' || typeof c.metrics.loss !== 'number') continue;
    (loss[c.stage] ??= []).push({ step: c.step, loss: c.metrics.loss });
    lossSource[c.stage] = 'checkpoints';
  }
  const { rows: iters } = await pool.query<{
    iteration: number;
    mean_reward: number | null;
    resolved_rate: number | null;
    masked: number;
    mean_turns: number | null;
  }>(
    'select iteration, mean_reward, resolved_rate, masked, mean_turns from rl_iterations where run_id = $1 order by iteration',
    [runId],
  );
  const rl = iters.map((r) => ({
    iteration: r.iteration,
    meanReward: num(r.mean_reward),
    resolvedRate: num(r.resolved_rate),
    masked: r.masked,
    meanTurns: num(r.mean_turns),
  }));
  return { checkpoints, loss, lossSource, rl: rl.length ? rl : await rlFromRollouts(pool, runId, config) };
}

/** When no rl_iterations rows exist: iteration i's samples are [(i-1)G, iG) (core/sampling.ts rlSampleIndex). */
async function rlFromRollouts(
  pool: pg.Pool,
  runId: string,
  config: Record<string, unknown>,
): Promise<TrainingData['rl']> {
  const g = Number((config?.stages as { rl?: { groupSize?: number } } | undefined)?.rl?.groupSize ?? 0);
  if (!(g >= 1)) return [];
  const { rows } = await pool.query<{
    iteration: number;
    n: string;
    masked: string;
    resolved: string;
    mean_reward: number | null;
    mean_turns: number | null;
  }>(
    `select sample / $2 + 1 as iteration, count(*) as n, count(*) filter (where masked) as masked,
            count(*) filter (where outcome = 'resolved' and not masked) as resolved,
            avg(reward) filter (where not masked)::float8 as mean_reward, avg(turns)::float8 as mean_turns
       from rollouts where run_id = $1 and stage = 'rl' group by 1 order by 1`,
    [runId, g],
  );
  return rows.map((r) => {
    const scored = Number(r.n) - Number(r.masked);
    return {
      iteration: r.iteration,
      meanReward: num(r.mean_reward),
      resolvedRate: scored ? Number(r.resolved) / scored : null,
      masked: Number(r.masked),
      meanTurns: num(r.mean_turns),
    };
  });
}
