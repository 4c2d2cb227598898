// How far behind the weights being trained each GRPO member was sampled, in policy versions: the number of GRPO
// updates between the checkpoint that sampled it and the one the step trains from. A checkpoint no RL step of the
// run produced (the SFT or base weights) is version 0. Which checkpoint answered is what the serving engine said in
// each reply (meta.model on every assistant turn), never what the workflow assumed; a member with no such reply
// (a fixed endpoint) falls back to the version the workflow launched its rollouts with, and says so.
import type pg from 'pg';

/**
 * Checkpoint id -> its policy version: how many GRPO updates of the run led to it (1 for the first step's
 * checkpoint). An iteration whose step was skipped (no learning signal) kept its weights and adds no version.
 */
export async function policyVersions(pool: pg.Pool, runId: string): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ checkpoint_id: string | null; skipped: boolean }>(
    `select checkpoint_id, coalesce((metrics->>'stepSkipped')::int, 0) = 1 as skipped
       from rl_iterations where run_id = $1 order by iteration`,
    [runId],
  );
  const versions = new Map<string, number>();
  for (const r of rows)
    if (r.checkpoint_id && !r.skipped && !versions.has(r.checkpoint_id))
      versions.set(r.checkpoint_id, versions.size + 1);
  return versions;
}

export const versionOf = (versions: ReadonlyMap<string, number>, checkpointId: string) =>
  versions.get(checkpointId) ?? 0;

export interface MemberStaleness {
  /** Versions behind the trained-from weights of the member's oldest turn; null: unknown (no reply, no launch). */
  staleness: number | null;
  source: 'engine' | 'schedule' | null;
}

export function memberStaleness(
  answered: readonly string[],
  versions: ReadonlyMap<string, number>,
  trainedFromVersion: number,
  launchVersion: number | undefined,
): MemberStaleness {
  // The oldest turn decides: a partial rollout's early turns were sampled by older weights than its late ones.
  if (answered.length) {
    const oldest = Math.min(...answered.map((id) => versionOf(versions, id)));
    return { staleness: Math.max(0, trainedFromVersion - oldest), source: 'engine' };
  }
  if (launchVersion === undefined) return { staleness: null, source: null };
  return { staleness: Math.max(0, trainedFromVersion - launchVersion), source: 'schedule' };
}

/** Members per staleness value ("0", "1", ...), over the members whose staleness is known. */
export function stalenessHistogram(values: readonly (number | null)[]): Record<string, number> {
  const h: Record<string, number> = {};
  for (const v of values) if (v !== null) h[String(v)] = (h[String(v)] ?? 0) + 1;
  return h;
}
