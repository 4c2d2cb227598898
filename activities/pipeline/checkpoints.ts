// Checkpoints of the policy (sft, rl) and of the verifier (sweWorld), and the latest one a run or a schedule uses.
import type { CheckpointStage, StoredCheckpoint } from '../../contracts/pipeline.ts';
import type { ActivityDeps } from '../deps.ts';
import type { CheckpointRef } from '../../contracts/gpu.ts';

/**
 * The gpu worker records its checkpoints as `<run>/<stage>/step-N` already (this upsert then refreshes the same
 * row); a bare id from another trainer ("step-6") is namespaced so the key stays unique across runs and stages.
 */
export function checkpointKey(runId: string, stage: CheckpointStage, id: string): string {
  return id.startsWith(`${runId}/`) ? id : `${runId}/${stage}/${id}`;
}

type Row = {
  id: string;
  run_id: string;
  stage: CheckpointStage;
  step: number;
  path: string;
  metrics: Record<string, number>;
};
const toRef = (r: Row): StoredCheckpoint => ({
  checkpointId: r.id,
  runId: r.run_id,
  stage: r.stage,
  step: r.step,
  path: r.path,
  metrics: r.metrics,
});

export function createCheckpointActivities({ pool }: Pick<ActivityDeps, 'pool'>) {
  return {
    async recordCheckpoint(input: {
      runId: string;
      stage: CheckpointStage;
      ref: CheckpointRef;
    }): Promise<StoredCheckpoint> {
      const id = checkpointKey(input.runId, input.stage, input.ref.checkpointId);
      const { rows } = await pool.query<Row>(
        `insert into checkpoints (id, run_id, stage, step, path, metrics) values ($1, $2, $3, $4, $5, $6)
         on conflict (id) do update set path = excluded.path, step = excluded.step, metrics = checkpoints.metrics || excluded.metrics
         returning id, run_id, stage, step, path, metrics`,
        [id, input.runId, input.stage, input.ref.step, input.ref.path, input.ref.metrics ?? {}],
      );
      return toRef(rows[0]!);
    },

    /**
     * The newest policy checkpoint of a run, or (runName) of the newest run with that config name: what a
     * scheduled evaluation evaluates. Verifier checkpoints are not policies and are left out unless asked for.
     */
    async latestCheckpoint(input: {
      runId?: string;
      runName?: string;
      stages?: CheckpointStage[];
    }): Promise<StoredCheckpoint | null> {
      const stages = input.stages ?? ['sft', 'rl'];
      const { rows } = await pool.query<Row>(
        `select c.id, c.run_id, c.stage, c.step, c.path, c.metrics
           from checkpoints c join runs r on r.run_id = c.run_id
          where c.stage = any($1) and ($2::text is null or c.run_id = $2) and ($3::text is null or r.config->>'name' = $3)
          order by c.created_at desc, c.step desc limit 1`,
        [stages, input.runId ?? null, input.runName ?? null],
      );
      return rows[0] ? toRef(rows[0]) : null;
    },
  };
}
