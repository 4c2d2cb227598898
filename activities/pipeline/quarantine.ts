// The RL loop's side of the canaries (issue 17): which tasks this run has quarantined, and masking the rewards a
// flaky harness gave in the iteration that caught it. A masked row keeps its outcome for the record but its
// reward becomes null, so buildGrpoBatch gives it no advantage and the iteration's metrics leave it out.
import type { MaskRolloutsInput } from '../../contracts/pipeline.ts';
import type { ActivityDeps } from '../deps.ts';

export function createQuarantineActivities(deps: Pick<ActivityDeps, 'pool'>) {
  return {
    async quarantinedTasks(input: { runId: string }): Promise<string[]> {
      const { rows } = await deps.pool.query<{ task_id: string }>(
        'select task_id from task_quarantine where run_id = $1 order by task_id',
        [input.runId],
      );
      return rows.map((r) => r.task_id);
    },

    async maskRollouts(input: MaskRolloutsInput): Promise<{ masked: number }> {
      const r = await deps.pool.query(
        `update rollouts set masked = true, reward = null, mask_reason = $6
         where run_id = $1 and stage = $2 and task_id = any($3) and sample >= $4 and sample < $5`,
        [input.runId, input.stage, input.taskIds, input.samples.from, input.samples.to, input.reason],
      );
      return { masked: r.rowCount ?? 0 };
    },
  };
}
