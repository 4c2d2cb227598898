// The orchestrator's scoring and report activities (contracts.ts ScoringActivities). Loaded ONNX sessions live
// in this factory's closure: one per worker process and verifier export, never a module-level singleton.
import type { DatasetRef, ReportRef, ScoreCandidatesResult, ScoringActivities } from '../contracts.ts';
import type { ActivityDeps } from '../deps.ts';
import { writeReport, type WriteReportOptions } from '../report/index.ts';
import { buildVerifierDataset, type BuildVerifierDatasetOptions } from './dataset.ts';
import { scoreCandidates, type OnnxCache, type ScoreCandidatesOptions } from './score.ts';

export function createScoringActivities(deps: Pick<ActivityDeps, 'pool' | 'settings'>) {
  const onnx: OnnxCache = new Map();
  const activities = {
    buildVerifierDataset: (i: BuildVerifierDatasetOptions): Promise<DatasetRef> => buildVerifierDataset(deps, i),
    scoreCandidates: (i: ScoreCandidatesOptions): Promise<ScoreCandidatesResult> => scoreCandidates(deps, onnx, i),
    writeReport: (i: WriteReportOptions): Promise<ReportRef> => writeReport(deps, i),
  } satisfies ScoringActivities;
  return activities;
}
