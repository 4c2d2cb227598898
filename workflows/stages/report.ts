// The run report (Markdown + plots), written by the report activity from what Postgres recorded.
import type { ReportSummary, StageInput } from '../../contracts/pipeline.ts';
import { scoring } from '../activities.ts';
import { controlled, type Control } from '../control.ts';

export async function reportWorkflow(input: StageInput): Promise<ReportSummary> {
  return controlled((control) => reportStage(input, control));
}

async function reportStage({ runId }: StageInput, control: Control): Promise<ReportSummary> {
  control.report({ kind: 'stage', stage: 'report', done: 0, total: 1 });
  const ref = await scoring.writeReport({ runId });
  control.report({ kind: 'stage', stage: 'report', done: 1, total: 1 });
  return { reportPath: ref.reportPath, files: ref.files };
}
