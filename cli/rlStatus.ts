// The `rl` part of `swe-forge status RUN --json`: per iteration the checkpoint that answered the rollouts (as the
// serving engine reported it), the checkpoint the step produced and the GRPO step's figures, read from Postgres.
import { readRlIterations, type RlIterationView } from '../activities/pipeline/rlIterations.ts';
import { loadSettings } from '../infra/settings.ts';
import { readStackState } from '../infra/stack.ts';
import { withDatabase } from './database.ts';
import { loadToolUsage, type StageToolUsage } from '../activities/report/toolUsage.ts';
import type pg from 'pg';

export interface RlStatus {
  /** stages.rl.offPolicy of the run: RL from a fixed endpoint's samples, allowed on purpose. */
  offPolicy: boolean;
  iterations: RlIterationView[];
  error?: string;
}

/** Reads from a database that is already up, or says why not (`what unavailable: ...`). */
async function fromRunningDatabase<T>(
  what: string,
  read: (pool: pg.Pool) => Promise<T>,
): Promise<T | { error: string }> {
  // A status query must not start (or fight over) an embedded Postgres: read only a database that is already up.
  const settings = loadSettings();
  if (!settings.databaseUrl && !readStackState(settings)?.databaseUrl)
    return { error: `${what} unavailable: no running database (DATABASE_URL or \`swe-forge up\`)` };
  try {
    return await withDatabase(read);
  } catch (err) {
    return { error: `${what} unavailable: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Per stage: calls and errors per tool, and context condensations (activities/report/toolUsage.ts). */
export async function toolStatus(runId: string): Promise<StageToolUsage[] | { error: string }> {
  return fromRunningDatabase('tool usage', (pool) => loadToolUsage(pool, runId));
}

export async function rlStatus(runId: string): Promise<RlStatus> {
  const r = await fromRunningDatabase('rl iterations', async (pool) => {
    const { rows } = await pool.query<{ off: boolean | null }>(
      `select (config->'stages'->'rl'->>'offPolicy')::boolean as off from runs where run_id = $1`,
      [runId],
    );
    return { offPolicy: rows[0]?.off === true, iterations: await readRlIterations(pool, runId) };
  });
  return 'error' in r ? { offPolicy: false, iterations: [], error: r.error } : r;
}

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
const secs = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)}s`);

/** "12.3s (bound 8.1s) stale 0:4 1:4": the iteration's time against its best possible, and its staleness. */
function pace(it: RlIterationView): string {
  const stale = it.staleness
    ? ` stale ${Object.entries(it.staleness)
        .map(([k, n]) => `${k}:${n}`)
        .join(' ')}`
    : '';
  return `${it.mode ?? ''} ${secs(it.iterationMs)} (bound ${secs(it.boundMs)}, swap ${secs(it.swapMs)})${stale}`.trim();
}

/** The plain-text `status` lines for the same data: one per RL iteration (served -> produced, reward, resolved). */
export function rlStatusLines(rl: RlStatus): string[] {
  const out = rl.iterations.map((it) => {
    const produced = it.stepSkipped ? `${it.producedCheckpoint ?? '-'} (step skipped)` : (it.producedCheckpoint ?? '-');
    const reward = it.meanReward === null ? '-' : it.meanReward.toFixed(3);
    const line = `rl iteration ${it.iteration}: served ${it.servedCheckpoint ?? '-'} -> produced ${produced}  reward ${reward}  resolved ${pct(it.resolvedRate)}`;
    return it.iterationMs === null ? line : `${line}  ${pace(it)}`;
  });
  if (rl.offPolicy && out.length) out.unshift('rl: off-policy (stages.rl.offPolicy): rollouts from a fixed endpoint');
  return out;
}
