// The scoring activities' contract (orchestrator queue): verifier datasets, held-out measurement, candidate
// scoring and the report. Types only.
import type { ModelEndpoint } from '../config/schema.ts';
import type { HeldOutMetrics } from '../core/verifierMetrics.ts';

export interface ScoreCandidatesInput {
  runId: string;
  /** Dir written by exportOnnx (model.onnx, tokenizer.json, scorer.json), for the onnx backend. */
  verifierDir?: string;
  backend: 'onnx' | 'llm';
  verifier?: ModelEndpoint;
  rolloutIds: number[];
  /**
   * llm backend: which verifier the endpoint serves (orm: P(YES) from logprobs; swe_world: simulated report,
   * REWARD parsed). Default orm. The onnx graph is always an ORM.
   */
  kind?: 'orm' | 'swe_world';
  /** llm backend: /v1/completions (default) or chat completions. */
  api?: 'completions' | 'chat';
}

export interface ScoreCandidatesResult {
  scores: { rolloutId: number; score: number }[];
}

export interface BuildVerifierDatasetInput {
  runId: string;
  kind: 'orm' | 'swe_world';
  balance: boolean;
}

export interface DatasetRef {
  datasetId: string;
  path: string;
  rows: number;
  stats: Record<string, number>;
}

export interface WriteReportInput {
  runId: string;
}

export interface ReportRef {
  reportPath: string;
  files: string[];
}

export interface PrepareVerifierDataInput {
  runId: string;
  kind: 'orm' | 'swe_world';
  balance: boolean;
  /** Share of the run's tasks whose executions are held out of training and measured on (0: none). */
  heldOutFraction: number;
  /** swe_world: a teacher that writes reverse-reasoning chains into the report rows (stages.sweWorld.reverseReasoning). */
  reasoner?: ModelEndpoint;
}

export interface VerifierData {
  train: DatasetRef;
  trainTasks: string[];
  /** Executions (rollouts with a recorded test run) of the held-out tasks. */
  heldOut: { taskIds: string[]; rolloutIds: number[] };
}

export interface MeasureVerifierInput {
  runId: string;
  kind: 'orm' | 'swe_world';
  /** export-onnx output of the checkpoint being measured. */
  verifierDir: string;
  checkpointId: string;
  rolloutIds: number[];
  heldOutTasks: string[];
}

export interface HeldOutReport extends HeldOutMetrics {
  kind: 'orm' | 'swe_world';
  checkpointId: string;
  heldOutTasks: string[];
}

/** Orchestrator queue, written by the verifier / report owners. */
export interface ScoringActivities {
  buildVerifierDataset(i: BuildVerifierDatasetInput): Promise<DatasetRef>;
  /** The sweWorld stage's training rows from the run's executions, split by task (issue 14). */
  prepareVerifierData(i: PrepareVerifierDataInput): Promise<VerifierData>;
  /** A verifier checkpoint's accuracy on the held-out executions, scored as TTS scores. */
  measureVerifier(i: MeasureVerifierInput): Promise<HeldOutReport>;
  scoreCandidates(i: ScoreCandidatesInput): Promise<ScoreCandidatesResult>;
  writeReport(i: WriteReportInput): Promise<ReportRef>;
}
