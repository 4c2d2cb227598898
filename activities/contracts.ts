// The inputs and outputs of activities that cross owners (workflows call them; rollout / gpu / orchestrator
// workers implement them). Types only: workflows import this file. Payloads carry ids, paths and small
// summaries, never trajectories or tensors.
import type { RunConfig, ModelEndpoint } from '../config/schema.ts';
import type { CanaryInput, CanaryResult } from './harness/canary.ts';
import type { PrepareImagesInput, PrepareImagesResult } from './harness/diskBudget.ts';
import type {
  HeldOutReport,
  MeasureVerifierInput,
  PrepareVerifierDataInput,
  VerifierData,
} from './scoring/verifierTypes.ts';

export type AgentConfig = RunConfig['agent'];
export type SandboxConfig = RunConfig['sandbox'];
export type RolloutStage = 'distill' | 'difficulty' | 'rft' | 'rl' | 'tts' | 'eval';

/** SWE-bench grading outcome of one patch. Only infra_error is retriable. */
export type EvalOutcome = 'resolved' | 'unresolved' | 'patch_failed' | 'infra_error';
export type ExitReason = 'submitted' | 'max_turns' | 'context_limit' | 'timeout' | 'model_error' | 'infra_error';

export interface RolloutInput {
  runId: string;
  stage: RolloutStage;
  taskId: string;
  sample: number;
  /** The endpoint to sample from; baseUrl already resolved (e.g. the policy server of the current checkpoint). */
  model: ModelEndpoint;
  /**
   * The checkpoint id the workflow asked for (trainer policies) or the model name. The row records what the
   * endpoint reports in its replies' `model` field instead; this is only the fallback when no reply came.
   */
  policyVersion?: string;
  agent: AgentConfig;
  sandbox: SandboxConfig;
  /** Reward of a forced submission that resolves (SWE-Master α). */
  alpha: number;
  seed: number;
}

export interface RolloutSummary {
  rolloutId: number;
  taskId: string;
  sample: number;
  exitReason: ExitReason;
  forced: boolean;
  outcome: EvalOutcome | null;
  /** null when masked. */
  reward: number | null;
  masked: boolean;
  maskReason?: string;
  turns: number;
  tokens: number;
  historyAttempts: number;
  loopCount: number;
  trajectoryPath: string;
}

export interface CheckpointRef {
  checkpointId: string;
  path: string;
  step: number;
  metrics: Record<string, number>;
}

export interface TrainSftInput {
  runId: string;
  stage: 'sft' | 'sweWorld';
  baseModel: string;
  datasetPath: string;
  /**
   * The trainer's out_dir (a retry must pass the same one: it resumes from the newest checkpoint there). Empty:
   * <artifacts>/runs/<runId>/sft (swe-world-sft for stage sweWorld). Relative: under the worker's artifacts dir.
   */
  outDir: string;
  sft: RunConfig['stages']['sft'];
  /** Rejection-sampling round (stages.sft.rounds); absent or 1: the first. Later rounds train in their own dir. */
  round?: number;
  /** How the trainer spreads the model (FSDP, LoRA, checkpointing...); absent in histories from before it existed. */
  training?: RunConfig['training'];
}

export interface GrpoStepInput {
  runId: string;
  iteration: number;
  model: string;
  /** JSONL of { messages, advantage, masked, group } built by the orchestrator from rollout rows. */
  batchPath: string;
  /** Empty: <artifacts>/runs/<runId>/rl/iter-<iteration>. Relative: under the worker's artifacts dir. */
  outDir: string;
  rl: RunConfig['stages']['rl'];
  /** How the trainer spreads the model (FSDP, LoRA, checkpointing...); absent in histories from before it existed. */
  training?: RunConfig['training'];
}

export interface TrainVerifierInput {
  runId: string;
  kind: 'orm' | 'swe_world';
  baseModel: string;
  datasetPath: string;
  /** Empty: <artifacts>/runs/<runId>/verifier. Relative: under the worker's artifacts dir. */
  outDir: string;
  cfg: RunConfig['stages']['sweWorld'];
  /** How the trainer spreads the model (FSDP, LoRA, checkpointing...); absent in histories from before it existed. */
  training?: RunConfig['training'];
  /** A second verifier of the run (the baseline): its checkpoint id and default dir carry this name. */
  name?: string;
}

export interface ExportOnnxInput {
  model: string;
  /** Empty: <artifacts>/runs/<runId>/verifier/onnx (runId then required). Relative: under the artifacts dir. */
  outDir: string;
  runId?: string;
}

export interface MakeTinyModelInput {
  /**
   * The model is built once per (corpus, seed) in <cache>/models/tiny-<hash> and reused across runs; a non-empty
   * outDir gets a copy of it. Relative: under the worker's artifacts dir.
   */
  outDir: string;
  /** Relative paths are under the repository root (the bundled tasks). */
  corpusFiles: string[];
  seed: number;
}

export interface PolicyServerInput {
  /** Checkpoint dir (trainer kind) or model path (vLLM on CUDA workers). */
  checkpoint: string;
  /** Which server (one per served name per worker): started, or swapped to `checkpoint`. */
  servedName: string;
  /** The model name the engine serves the checkpoint under: its checkpoint id (default servedName). */
  modelName?: string;
}

export interface PolicyServerRef {
  baseUrl: string;
  pid: number;
  /** What the engine's GET /models lists: the name of the checkpoint it has loaded. */
  model?: string;
}

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

/**
 * One line of a trajectory file in the artifact store (JSONL): OpenAI chat-format messages in order, so the SFT
 * dataset builder can hand them to the trainer as they are. Per-turn extras ride along under `meta`.
 */
export interface TrajectoryMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
  name?: string;
  /**
   * usage: the endpoint's token counts for the reply (assistant messages; absent when it reported none). model:
   * the `model` the endpoint reported in its reply (which checkpoint answered). sampled: the completion's token
   * ids and their log-probs as the sampler drew them (policy endpoints that return them; GRPO's pi_old).
   */
  meta?: {
    turn?: number;
    ms?: number;
    refused?: string;
    error?: string;
    usage?: { prompt: number; completion: number };
    model?: string;
    sampled?: SampledTokens;
  };
}

export interface SampledTokens {
  tokenIds: number[];
  logprobs: number[];
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

/**
 * The activities workflows call by name, per task queue. Workflows proxy these interfaces; the workers that
 * serve each queue implement them (types only, so a worker can land later than the workflow that calls it).
 */
export interface RolloutActivities {
  /** rollout queue: one trajectory, graded; writes its rollouts row itself (idempotent on run/stage/task/sample). */
  runRollout(i: RolloutInput): Promise<RolloutSummary>;
  /** rollout queue: re-validates an RL iteration's canary tasks with the harness, quarantines the flipped ones. */
  canaryCheck(i: CanaryInput): Promise<CanaryResult>;
  /** rollout queue: task images under sandbox.diskBudgetGb (refuse, evict LRU, build, prefetch the next batch). */
  prepareTaskImages(i: PrepareImagesInput): Promise<PrepareImagesResult>;
}

export interface GpuActivities {
  makeTinyModel(i: MakeTinyModelInput): Promise<{ path: string }>;
  trainSft(i: TrainSftInput): Promise<CheckpointRef>;
  grpoStep(i: GrpoStepInput): Promise<CheckpointRef>;
  trainVerifier(i: TrainVerifierInput): Promise<CheckpointRef>;
  exportOnnx(i: ExportOnnxInput): Promise<{ onnxDir: string }>;
  ensurePolicyServer(i: PolicyServerInput): Promise<PolicyServerRef>;
  stopPolicyServer(i: { servedName: string }): Promise<void>;
}

/** orchestrator queue, written by the verifier / report owners. */
export interface ScoringActivities {
  buildVerifierDataset(i: BuildVerifierDatasetInput): Promise<DatasetRef>;
  /** The sweWorld stage's training rows from the run's executions, split by task (issue 14). */
  prepareVerifierData(i: PrepareVerifierDataInput): Promise<VerifierData>;
  /** A verifier checkpoint's accuracy on the held-out executions, scored as TTS scores. */
  measureVerifier(i: MeasureVerifierInput): Promise<HeldOutReport>;
  scoreCandidates(i: ScoreCandidatesInput): Promise<ScoreCandidatesResult>;
  writeReport(i: WriteReportInput): Promise<ReportRef>;
}
