// The orchestrator's scoring and report activities (contracts/scoring.ts ScoringActivities). Loaded ONNX sessions live
// in this factory's closure: one per worker process and verifier export, never a module-level singleton.
import { asyncLocalStorage } from '@temporalio/activity';
import type {
  DatasetRef,
  HeldOutReport,
  MeasureVerifierInput,
  PrepareVerifierDataInput,
  ReportRef,
  ScoreCandidatesResult,
  ScoringActivities,
  VerifierData,
} from '../../contracts/scoring.ts';
import type { ActivityDeps } from '../deps.ts';
import { writeReport, type WriteReportOptions } from '../report/index.ts';
import { buildVerifierDataset, type BuildVerifierDatasetOptions } from './dataset.ts';
import { OnnxCache } from './onnxSessions.ts';
import { scoreCandidates, type ScoreCandidatesOptions } from './score.ts';
import { measureVerifier, prepareVerifierData } from './verifierData.ts';

export function createScoringActivities(deps: Pick<ActivityDeps, 'pool' | 'settings'>) {
  const onnx = new OnnxCache();
  const activities = {
    buildVerifierDataset: (i: BuildVerifierDatasetOptions): Promise<DatasetRef> => buildVerifierDataset(deps, i),
    prepareVerifierData: (i: PrepareVerifierDataInput): Promise<VerifierData> => prepareVerifierData(deps, i),
    async measureVerifier(i: MeasureVerifierInput): Promise<HeldOutReport> {
      // The same in-process scorer scoreCandidates uses for TTS, so the measured model is the one TTS picks with.
      const ctx = asyncLocalStorage.getStore();
      return onnx.use(i.verifierDir, undefined, (v) =>
        measureVerifier(deps, i, (texts) =>
          v.scoreTexts(texts, {
            onBatch: (done, total) => ctx?.heartbeat({ done, total }),
            signal: ctx?.cancellationSignal,
          }),
        ),
      );
    },
    scoreCandidates: (i: ScoreCandidatesOptions): Promise<ScoreCandidatesResult> => scoreCandidates(deps, onnx, i),
    writeReport: (i: WriteReportOptions): Promise<ReportRef> => writeReport(deps, i),
  } satisfies ScoringActivities;
  return activities;
}
