// The pipeline activities' contract (orchestrator queue): the stages' bookkeeping over Postgres and the artifact
// store, and the small per-stage summaries the pipeline persists in stage_results. Types only: workflows and the
// CLI import this file; activities/pipeline/index.ts `satisfies` the declared interface at the end.
import type { ModelEndpoint, RunConfig, StageName } from '../config/schema.ts';
import type { PassRateHistogram } from '../core/difficulty.ts';
import type { SftRule } from '../core/filter.ts';
import type { CheckpointRef } from './gpu.ts';
import type { RolloutStage } from './rollout.ts';
import type { HeldOutReport } from './scoring.ts';
import type {
  GrpoBatchInput,
  GrpoBatchRef,
  IterationInput,
  RetireRolloutsInput,
  RlGroupSignal,
  RlIterationExtra,
  RlIterationMetrics,
  RlResumePoint,
} from './rl.ts';

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

export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled';
export type CheckpointStage = 'sft' | 'rl' | 'sweWorld';

export interface StoredCheckpoint extends CheckpointRef {
  runId: string;
  stage: CheckpointStage;
}

export interface LoadRunTasksInput {
  runId: string;
  tasks: RunConfig['tasks'];
  seed: number;
}

export interface BuildSftDatasetInput {
  runId: string;
  filter: RunConfig['stages']['filter'];
  seed: number;
  /** The policy's tool format: `text` gives teacher trajectories the system prompt a text-format student sees. */
  toolFormat?: ModelEndpoint['toolFormat'];
  /** Candidates from these stages instead of filter.sources (an RFT round's: `rft`). */
  sources?: RolloutStage[];
  /** Only these samples of the sources (an RFT round's rollouts); absent: all of them. */
  samples?: { from: number; to: number };
  /** The dataset's name: `sft` (the filter's), `sft-round-2`... (an RFT round's). */
  name?: string;
}

export interface MaskRolloutsInput {
  runId: string;
  stage: string;
  taskIds: string[];
  samples: { from: number; to: number };
  reason: string;
}

export interface RolloutQuery {
  runId: string;
  stage: RolloutStage;
  samples?: { from: number; to: number };
}

export interface RecordRunEventInput {
  runId: string;
  kind: string;
  dedupeKey?: string;
  payload?: Record<string, unknown>;
}

/** The run audit log (orchestrator queue): append-only, idempotent on the dedupe key. */
export interface EventActivities {
  recordRunEvent(input: RecordRunEventInput): Promise<{ id: number; inserted: boolean }>;
}

/** The orchestrator's pipeline activities, as workflows call them (activities/pipeline/index.ts implements it). */
export interface PipelineActivities {
  registerRun(input: RegisterRunInput): Promise<RegisterRunResult>;
  /** A config that starts from `preset:` (e.g. pasted in the Web UI): presets are files, so this is an activity. */
  resolveConfig(input: { config: unknown }): Promise<RunConfig>;
  setRunStatus(input: { runId: string; status: RunStatus; error?: string }): Promise<void>;
  putStageResult(input: { runId: string; stage: StageName; summary: AnyStageSummary }): Promise<void>;
  getRunConfig(input: { runId: string }): Promise<RunConfig>;
  getStageResult<S extends StageName>(input: { runId: string; stage: S }): Promise<StageSummaries[S] | null>;
  loadRunTasks(input: LoadRunTasksInput): Promise<RunTasks>;
  computeDifficulty(input: { runId: string; model: string; bins?: number }): Promise<DifficultySummary>;
  /**
   * Tasks RL samples from: those the difficulty stage found mixed (or every scored one for keep = all); null when
   * no difficulty was estimated, so the caller falls back to the run's training tasks.
   */
  taskPool(input: { runId: string; keep: 'mixed' | 'all' }): Promise<string[] | null>;
  buildSftDataset(input: BuildSftDatasetInput): Promise<FilterSummary>;
  buildGrpoBatch(input: GrpoBatchInput): Promise<GrpoBatchRef>;
  recordRlIteration(
    input: IterationInput & { checkpointId: string | null; extra?: RlIterationExtra },
  ): Promise<RlIterationMetrics>;
  rlResumePoint(input: { runId: string }): Promise<RlResumePoint>;
  quarantinedTasks(input: { runId: string }): Promise<string[]>;
  maskRollouts(input: MaskRolloutsInput): Promise<{ masked: number }>;
  rolloutKeys(input: RolloutQuery): Promise<string[]>;
  /** Moves rollout rows to rollout_retired (kept, with the reason) so their keys run again. */
  retireRollouts(input: RetireRolloutsInput): Promise<{ retired: number }>;
  /** The iteration's groups with a learning signal and those whose rewards all agree (dynamic sampling). */
  rlGroupSignal(input: IterationInput): Promise<RlGroupSignal>;
  rolloutStats(input: RolloutQuery & { ids?: boolean }): Promise<RolloutTally>;
  recordCheckpoint(input: { runId: string; stage: CheckpointStage; ref: CheckpointRef }): Promise<StoredCheckpoint>;
  /**
   * The newest policy checkpoint of a run, or (runName) of the newest run with that config name: what a
   * scheduled evaluation evaluates. Verifier checkpoints are not policies and are left out unless asked for.
   */
  latestCheckpoint(input: {
    runId?: string;
    runName?: string;
    stages?: CheckpointStage[];
  }): Promise<StoredCheckpoint | null>;
  recordEvaluation(input: EvaluationInput): Promise<TtsSummary>;
}
