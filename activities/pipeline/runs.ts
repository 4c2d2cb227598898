// The run's bookkeeping in Postgres: the runs row, stage results (what a re-execution skips) and where the run's
// artifacts live. Every write is an upsert, so a retried activity changes nothing the second time.
import type { StageName } from '../../config/schema.ts';
import { RunConfigSchema, STAGE_ORDER, type RunConfig } from '../../config/schema.ts';
import { formatIssues, parseRunConfig } from '../../config/load.ts';
import { ConfigError, InputError } from '../../core/errors.ts';
import { runDir } from '../../infra/layout.ts';
import type { ActivityDeps } from '../deps.ts';
import type {
  AnyStageSummary,
  RegisterRunInput,
  RegisterRunResult,
  RunStatus,
  StageSummaries,
} from '../../contracts/pipeline.ts';

/** Validates again here: a workflow started from the UI or the CLI of another version may carry anything. */
export function validateConfig(raw: unknown, source: string): RunConfig {
  const r = RunConfigSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(formatIssues(r.error, raw, source));
  return r.data;
}

export function createRunActivities({ pool, settings }: Pick<ActivityDeps, 'pool' | 'settings'>) {
  return {
    async registerRun(input: RegisterRunInput): Promise<RegisterRunResult> {
      const config = validateConfig(input.config, `of run ${input.runId}`);
      runDir(settings.artifactsDir, input.runId);
      const { rows } = await pool.query<{ inserted: boolean }>(
        `insert into runs (run_id, recipe, config, status) values ($1, $2, $3, 'running')
         on conflict (run_id) do update set config = excluded.config, status = 'running', updated_at = now()
         returning (xmax = 0) as inserted`,
        [input.runId, config.recipe, config],
      );
      const existed = !rows[0]?.inserted;
      await pool.query(
        `insert into run_events (run_id, kind, dedupe_key, payload) values ($1, $2, $3, $4) on conflict (dedupe_key) do nothing`,
        [
          input.runId,
          existed ? 'run.resumed' : 'run.started',
          `start:${input.executionId}`,
          { workflowId: input.workflowId, executionId: input.executionId },
        ],
      );
      const results = await pool.query<{ stage: StageName; summary: AnyStageSummary }>(
        'select stage, summary from stage_results where run_id = $1',
        [input.runId],
      );
      const completed: Partial<StageSummaries> = {};
      for (const r of results.rows)
        if (STAGE_ORDER.includes(r.stage)) Object.assign(completed, { [r.stage]: r.summary });
      return { existed, completed };
    },

    /** A config that starts from `preset:` (e.g. pasted in the Web UI): presets are files, so this is an activity. */
    async resolveConfig(input: { config: unknown }): Promise<RunConfig> {
      return parseRunConfig(input.config, 'in the workflow input');
    },

    async setRunStatus(input: { runId: string; status: RunStatus; error?: string }): Promise<void> {
      await pool.query('update runs set status = $2, updated_at = now() where run_id = $1', [
        input.runId,
        input.status,
      ]);
      await pool.query('insert into run_events (run_id, kind, payload) values ($1, $2, $3)', [
        input.runId,
        `run.${input.status}`,
        input.error ? { error: input.error } : {},
      ]);
    },

    async putStageResult(input: { runId: string; stage: StageName; summary: AnyStageSummary }): Promise<void> {
      await pool.query(
        `insert into stage_results (run_id, stage, summary) values ($1, $2, $3)
         on conflict (run_id, stage) do update set summary = excluded.summary, completed_at = now()`,
        [input.runId, input.stage, input.summary],
      );
      await pool.query(
        `insert into run_events (run_id, kind, dedupe_key, payload) values ($1, 'stage.completed', $2, $3)
         on conflict (dedupe_key) do nothing`,
        [input.runId, `stage:${input.runId}:${input.stage}`, { stage: input.stage }],
      );
    },

    async getStageResult<S extends StageName>(input: { runId: string; stage: S }): Promise<StageSummaries[S] | null> {
      const { rows } = await pool.query<{ summary: StageSummaries[S] }>(
        'select summary from stage_results where run_id = $1 and stage = $2',
        [input.runId, input.stage],
      );
      return rows[0]?.summary ?? null;
    },

    /** The config a run was registered with: what the RL loop reloads after continue-as-new (it carries only ids). */
    async getRunConfig(input: { runId: string }): Promise<RunConfig> {
      const { rows } = await pool.query<{ config: unknown }>('select config from runs where run_id = $1', [
        input.runId,
      ]);
      if (!rows[0]) throw new InputError(`runId: no run ${JSON.stringify(input.runId)} is registered`);
      return validateConfig(rows[0].config, `of run ${input.runId} (stored)`);
    },
  };
}
