// The filter: mixed-results tasks, successful trajectories capped per instance, the SFT dataset written.
import type { FilterSummary, StageInput } from '../../contracts/pipeline.ts';
import { pipeline } from '../activities.ts';
import { controlled, type Control } from '../control.ts';

export async function filterWorkflow(input: StageInput): Promise<FilterSummary> {
  return controlled((control) => filterStage(input, control));
}

async function filterStage({ runId, config }: StageInput, control: Control): Promise<FilterSummary> {
  control.report({ kind: 'stage', stage: 'filter', done: 0, total: 1 });
  const summary = await pipeline.buildSftDataset({
    runId,
    filter: config.stages.filter,
    seed: config.seed,
    toolFormat: config.models.policy.toolFormat,
  });
  control.report({ kind: 'stage', stage: 'filter', done: 1, total: 1, note: `${summary.rows} trajectories kept` });
  return summary;
}
