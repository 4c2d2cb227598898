// The `rl` part of `swe-forge status RUN --json`: per iteration the checkpoint that answered the rollouts (as the
// serving engine reported it), the checkpoint the step produced and the GRPO step's figures, read from Postgres.
import { readRlIterations, type RlIterationView } from '../activities/pipeline/rlIterations.ts';
import { withDatabase } from './database.ts';

export interface RlStatus {
  /** stages.rl.offPolicy of the run: RL from a fixed endpoint's samples, allowed on purpose. */
  offPolicy: boolean;
  iterations: RlIterationView[];
  error?: string;
}

export async function rlStatus(runId: string): Promise<RlStatus> {
  try {
    return await withDatabase(async (pool) => {
      const { rows } = await pool.query<{ off: boolean | null }>(
        `select (config->'stages'->'rl'->>'offPolicy')::boolean as off from runs where run_id = $1`,
        [runId],
      );
      return { offPolicy: rows[0]?.off === true, iterations: await readRlIterations(pool, runId) };
    });
  } catch (err) {
    return { offPolicy: false, iterations: [], error: `rl iterations unavailable: ${(err as Error).message}` };
  }
}
