// Inputs and outputs of the orchestrator's pipeline activities and the small per-stage summaries the pipeline
// persists in stage_results. Types only: workflows and the CLI import this file.
import type { RunConfig, StageName } from '../../config/schema.ts';
import type { PassRateHistogram } from '../../core/difficulty.ts';
import type { SftRule } from '../../core/filter.ts';
import type { CheckpointRef, RolloutStage } from '../contracts.ts';
import type { HeldOutReport } from '../scoring/verifierTypes.ts';

export interface TtsScorer {
  source: 'run' | 'external';
  kind: 'orm' | 'swe_world';
  /** The checkpoint id (source run) or the judge's model name (source external). */
  name: string;
}

export interface DistillSummary {
  rollouts: number;
  resolved: number;
  masked: number;
  failed: number;
  teachers: string[];
}
export interface DifficultySummary {
  model: string;
  tasks: number;
  mixed: number;
  rollouts: number;
  histogram: PassRateHistogram;
}
export interface FilterSummary {
  datasetId: string;
  path: string;
  rows: number;
  poolSize: number;
  candidates: number;
  removed: Record<SftRule, number>;
  /** Kept by the rules but their trajectory file was missing or empty. */
  unreadable: number;
}
export interface SftSummary {
  checkpointId: string;
  path: string;
  step: number;
  baseModel: string;
}
export interface RlSummary {
  iterations: number;
  checkpointId: string | null;
  path: string | null;
  meanReward: number | null;
  resolvedRate: number | null;
}
export interface SweWorldSummary {
  datasetId: string;
  rows: number;
  checkpointId: string;
  path: string;
  onnxDir: string | null;
  /** The verifier kind TTS scores with (absent in runs recorded before issue 14: orm or swe_world by config). */
  kind?: 'orm' | 'swe_world';
  /** Measured on executions of tasks it never trained on (issue 14); absent when nothing was held out. */
  heldOut?: HeldOutReport;
  /** stages.sweWorld.baseline: the other kind, trained and measured on the same split. */
  baseline?: {
    kind: 'orm' | 'swe_world';
    checkpointId: string;
    path: string;
    onnxDir: string;
    heldOut?: HeldOutReport;
  };
}
export interface TtsSummary {
  evaluationId: string;
  /** What scored the candidates: the run's own checkpoint (kind, id) or an external judge by name. */
  scoredWith?: TtsScorer;
  /** TTS@K over the same candidates with the baseline verifier (stages.sweWorld.baseline). */
  baseline?: { scoredWith: TtsScorer; ttsAtK: number | null };
  tasks: number;
  k: number;
  ttsAtK: number | null;
  pass1: number | null;
  passK: number | null;
  /** Markdown summary written next to the run's reports. */
  reportPath?: string;
  /** Set when the stage had nothing to do (e.g. no evaluation tasks). */
  note?: string;
}
export interface ReportSummary {
  reportPath: string;
  files: string[];
}
export interface StageSummaries {
  distill: DistillSummary;
  difficulty: DifficultySummary;
  filter: FilterSummary;
  sft: SftSummary;
  rl: RlSummary;
  sweWorld: SweWorldSummary;
  tts: TtsSummary;
  report: ReportSummary;
}
export type AnyStageSummary = StageSummaries[StageName];

export interface StageInput {
  runId: string;
  config: RunConfig;
}

export interface RegisterRunInput {
  runId: string;
  workflowId: string;
  /** Temporal's run id of this execution: one audit event per execution, however often the activity retries. */
  executionId: string;
  config: RunConfig;
}
export interface RegisterRunResult {
  /** True when the run existed before (a resume or a re-execution). */
  existed: boolean;
  completed: Partial<StageSummaries>;
}

export interface RunTasks {
  train: string[];
  eval: string[];
}

/** Aggregate of a fan-out of rollouts; ids only for the callers that need them (TTS scoring). */
export interface RolloutTally {
  total: number;
  done: number;
  failed: number;
  resolved: number;
  masked: number;
  scored: number;
  rewardSum: number;
  turnsSum: number;
  rolloutIds: number[];
  errors: string[];
}

export interface RlResumePoint {
  /** The next iteration to run (from 1). */
  nextIteration: number;
  checkpoint: CheckpointRef | null;
}

export interface RlIterationMetrics {
  iteration: number;
  rollouts: number;
  meanReward: number | null;
  resolvedRate: number | null;
  masked: number;
  meanTurns: number | null;
}

export interface GrpoBatchRef {
  batchPath: string;
  rows: number;
  groups: number;
  contributingGroups: number;
  zeroVarianceGroups: number;
  masked: number;
  activeMembers: number;
}

export interface EvaluationInput {
  evaluationId: string;
  runId: string;
  stage: RolloutStage;
  kind: 'tts' | 'eval';
  checkpoint: string | null;
  k: number;
  selector: 'verifier' | 'random' | 'fewest_turns';
  seed: number;
  scores: { rolloutId: number; score: number }[];
  /** Which verifier produced `scores` (named in the summary and the Markdown). */
  scoredWith?: TtsScorer;
}
