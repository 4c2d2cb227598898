// The gpu queue's contract: training steps, ONNX export and policy serving, implemented by workers that own a
// trainer process (CUDA machines, or the CPU in development). Types only.
import type { RunConfig } from '../config/schema.ts';

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
  /**
   * Only if the running server can take the checkpoint in place (partial rollouts: requests in flight must not
   * lose their server); otherwise nothing changes and the ref says `swap: 'none'`.
   */
  inPlaceOnly?: boolean;
}

export interface PolicyServerRef {
  baseUrl: string;
  pid: number;
  /** What the engine's GET /models lists: the name of the checkpoint it has loaded. */
  model?: string;
  /** How the checkpoint got there: already served, swapped into the running engine, a (re)start, or not at all. */
  swap?: 'same' | 'in-place' | 'restart' | 'none';
}

/** The gpu queue (TASK_QUEUES.gpu). */
export interface GpuActivities {
  makeTinyModel(i: MakeTinyModelInput): Promise<{ path: string }>;
  trainSft(i: TrainSftInput): Promise<CheckpointRef>;
  grpoStep(i: GrpoStepInput): Promise<CheckpointRef>;
  trainVerifier(i: TrainVerifierInput): Promise<CheckpointRef>;
  exportOnnx(i: ExportOnnxInput): Promise<{ onnxDir: string }>;
  ensurePolicyServer(i: PolicyServerInput): Promise<PolicyServerRef>;
  stopPolicyServer(i: { servedName: string }): Promise<void>;
}
