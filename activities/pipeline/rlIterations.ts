// Per RL iteration, for `status --json`, the report and the iteration's row: which checkpoint answered its rollouts
// (the policy_version the serving engine reported on the rows), which one its GRPO step produced, and the step's
// figures (clip fraction low / high, ratio mean / max, sampler-vs-trainer KL, grad norm, token mismatches).
import type pg from 'pg';
import { rlSampleRange } from '../../core/sampling.ts';

/** The trainer's `done` metrics of the step, as the checkpoints table holds them (numbers only). */
export type GrpoMetrics = Record<string, number>;

export interface RlIterationView {
  iteration: number;
  /** What the engine reported answering this iteration's rollouts (distinct versions joined by ','). */
  servedCheckpoint: string | null;
  producedCheckpoint: string | null;
  /** No update this iteration (every group had zero variance or was masked): produced = served. */
  stepSkipped: boolean;
  meanReward: number | null;
  resolvedRate: number | null;
  masked: number;
  clipFraction: number | null;
  clipFractionLow: number | null;
  clipFractionHigh: number | null;
  ratioMean: number | null;
  ratioMax: number | null;
  samplerKl: number | null;
  gradNorm: number | null;
  loss: number | null;
  ppoEpochs: number | null;
  updates: number | null;
  sampledTurns: number | null;
  tokenMismatchTurns: number | null;
  /** GRPO groups of the batch; those with >= 2 unmasked members; of those, the ones whose rewards were all equal. */
  groups: number | null;
  contributingGroups: number | null;
  zeroVarianceGroups: number | null;
  /** k3 KL(pi_old || pi) over the update, and the policy entropy when a trainer logs it. */
  approxKl: number | null;
  entropy: number | null;
  /** Share of sampled tokens whose truncated-IS weight pi_trainer_old / pi_sampler hit tisCap. */
  tisTruncated: number | null;
  /** sync or async (stages.rl.mode); null on rows from before it was recorded. */
  mode: string | null;
  /** Batch members per staleness in policy versions ("0", "1", ...), from the checkpoints the engine named. */
  staleness: Record<string, number> | null;
  /** Members left out (drop) or re-run (rerun) for being more than maxStaleness versions behind. */
  staleDropped: number | null;
  staleRerun: number | null;
  /** Serving the policy for the rollouts (a restart today), the rollouts, the batch + step + record. */
  swapMs: number | null;
  rolloutMs: number | null;
  trainMs: number | null;
  /** Wall time of the iteration (async: since the previous iteration was recorded) and its best possible time,
   * max(rolloutMs, trainMs + swapMs). */
  iterationMs: number | null;
  boundMs: number | null;
  /** Dynamic sampling: extra groups drawn, and zero-variance groups left out of the batch. */
  extraGroups: number | null;
  droppedGroups: number | null;
}

const histogram = (v: unknown): Record<string, number> | null =>
  v && typeof v === 'object' && !Array.isArray(v)
    ? (Object.fromEntries(
        Object.entries(v as Record<string, unknown>).filter(([, n]) => typeof n === 'number'),
      ) as Record<string, number>)
    : null;

export async function iterationProvenance(
  pool: pg.Pool,
  runId: string,
  iteration: number,
  groupSize: number,
): Promise<{ served: string | null; grpo: GrpoMetrics | null }> {
  const range = rlSampleRange(iteration, groupSize);
  const { rows } = await pool.query<{ v: string }>(
    `select distinct policy_version as v from rollouts
      where run_id = $1 and stage = 'rl' and sample >= $2 and sample < $3 and policy_version is not null order by 1`,
    [runId, range.from, range.to],
  );
  const ck = await pool.query<{ metrics: GrpoMetrics }>(
    `select metrics from checkpoints where run_id = $1 and stage = 'rl' and id like $2 order by step desc limit 1`,
    [runId, `${runId}/rl/iter-${iteration}/%`],
  );
  return { served: rows.length ? rows.map((r) => r.v).join(',') : null, grpo: ck.rows[0]?.metrics ?? null };
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export async function readRlIterations(pool: pg.Pool, runId: string): Promise<RlIterationView[]> {
  const { rows } = await pool.query<{
    iteration: number;
    checkpoint_id: string | null;
    served_checkpoint: string | null;
    mean_reward: number | null;
    resolved_rate: number | null;
    masked: number;
    metrics: ({ stepSkipped?: number; grpo?: GrpoMetrics } & Record<string, unknown>) | null;
  }>(
    `select iteration, checkpoint_id, served_checkpoint, mean_reward, resolved_rate, masked, metrics
       from rl_iterations where run_id = $1 order by iteration`,
    [runId],
  );
  return rows.map((r) => {
    const m = r.metrics ?? {};
    const g = m.grpo ?? {};
    return {
      iteration: r.iteration,
      servedCheckpoint: r.served_checkpoint,
      producedCheckpoint: r.checkpoint_id,
      stepSkipped: m.stepSkipped === 1,
      meanReward: r.mean_reward,
      resolvedRate: r.resolved_rate,
      masked: r.masked,
      clipFraction: num(g.clip_fraction),
      clipFractionLow: num(g.clip_fraction_low),
      clipFractionHigh: num(g.clip_fraction_high),
      ratioMean: num(g.ratio_mean),
      ratioMax: num(g.ratio_max),
      samplerKl: num(g.sampler_kl),
      gradNorm: num(g.grad_norm),
      loss: num(g.loss),
      ppoEpochs: num(g.ppo_epochs),
      updates: num(g.updates),
      sampledTurns: num(g.sampled_turns),
      tokenMismatchTurns: num(g.mismatch_turns),
      groups: num(m.groups),
      contributingGroups: num(m.contributingGroups),
      zeroVarianceGroups: num(m.zeroVarianceGroups),
      approxKl: num(g.approx_kl),
      entropy: num(g.entropy),
      tisTruncated: num(g.tis_truncated_fraction),
      mode: typeof m.mode === 'string' ? m.mode : null,
      staleness: histogram(m.staleness),
      staleDropped: num(m.staleDropped),
      staleRerun: num(m.staleRerun),
      swapMs: num(m.swapMs),
      rolloutMs: num(m.rolloutMs),
      trainMs: num(m.trainMs),
      iterationMs: num(m.iterationMs),
      boundMs: num(m.boundMs),
      extraGroups: num(m.extraGroups),
      droppedGroups: num(m.droppedGroups),
    };
  });
}
