// RunConfig's camelCase stage configs -> the trainer's snake_case config files, one function per command. Pure:
// the activity reads what it needs from disk (the base model's context length) and passes it in. The trainer
// rejects unknown fields, so a name mistyped here fails loudly in the trainer instead of training on a default.
import type { RunConfig } from '../../config/schema.ts';
import type { TrainingConfig } from '../../config/trainingSchema.ts';
import type { ModelPositions } from './modelPositions.ts';

export type SftStageConfig = RunConfig['stages']['sft'];
export type RlStageConfig = RunConfig['stages']['rl'];
export type SweWorldStageConfig = RunConfig['stages']['sweWorld'];

// What the builders write, per command, under the trainer's field names. The trainer declares each command's
// config as a frozen dataclass (`python -m swe_forge_trainer --schema` prints them all). These types name the
// fields this side writes (object types, not interfaces, so they fit the runner's TrainerConfig record);
// test/unit/activities/trainerSchema.test.ts checks what the builders write against the trainer's schema.

/** distributed.py SetupConfig, plus the checkpointing and micro-batch fields sft, grpo-step and train-verifier share. */
export type SetupTrainerFields = {
  engine: 'fsdp' | 'ddp';
  gradient_checkpointing: boolean;
  micro_batch_size: number;
  cpu_offload: boolean;
  offload_activations: boolean;
  logit_chunk: number;
  lora: { rank: number; alpha: number } | null;
  cpu_bf16?: true;
};

export type RopeScalingField = {
  type: 'yarn';
  factor: number;
  original_max_position_embeddings?: number;
};

/** sft.py SftConfig. */
export type SftTrainerConfig = Partial<SetupTrainerFields> & {
  model: string;
  data: string;
  out_dir: string;
  steps?: number;
  epochs?: number;
  batch_size: number;
  max_seq_len: number;
  packing: boolean;
  rope_scaling: RopeScalingField | null;
  lr: number;
  save_every: number;
  seed?: number;
};

/** grpo.py GrpoStepConfig. */
export type GrpoTrainerConfig = Partial<SetupTrainerFields> & {
  model: string;
  batch: string;
  out_dir: string;
  eps_low: number;
  eps_high: number;
  l_max: number;
  group_size: number;
  lr: number;
  ppo_epochs: number;
  mini_batches: number;
  old_logprobs: 'sampler' | 'recomputed';
  tis_cap: number;
};

/** verifier.py TrainVerifierConfig. */
export type VerifierTrainerConfig = Partial<SetupTrainerFields> & {
  kind: 'orm' | 'swe_world';
  model: string;
  data: string;
  out_dir: string;
  steps: number;
  batch_size: number;
  lr: number;
  balance: boolean;
};

/** tiny.py MakeTinyModelConfig. */
export type TinyModelTrainerConfig = {
  out_dir: string;
  corpus_files: string[];
  seed: number;
};

/** onnx_export.py ExportOnnxConfig. */
export type OnnxTrainerConfig = {
  model: string;
  out_dir: string;
};

/** serve.py ServeConfig; serve_llama.py ServeLlamaConfig also takes these, and `dtype` (serve-llama only: the
 *  policy server adds it for that command). */
export type ServeTrainerConfig = {
  model: string;
  model_name: string;
  host: string;
  port: number;
  dtype?: 'f32' | 'f16';
};

/** base_models.py PrepareBaseModelConfig (written by baseModels.ts). */
export type PrepareBaseModelTrainerConfig = {
  name: string;
  out_dir: string;
};

/** Any command's config file as the runner writes it; the builders return their command's own type, which fits. */
export type TrainerConfig = Record<string, unknown>;

/** The trainer's model set-up fields (trainer/swe_forge_trainer/distributed.py), shared by sft, grpo-step and
 *  train-verifier; nothing when the input predates `training` (the trainer's defaults then apply). */
export function setupFields(t: TrainingConfig | undefined): Partial<SetupTrainerFields> {
  if (!t) return {};
  return {
    engine: t.engine,
    gradient_checkpointing: t.gradientCheckpointing,
    micro_batch_size: t.microBatchSize,
    cpu_offload: t.cpuOffload,
    offload_activations: t.offloadActivations,
    logit_chunk: t.logitChunk,
    lora: t.lora.enabled ? { rank: t.lora.rank, alpha: t.lora.alpha } : null,
    // Only when asked: a trainer config without it is the same as before the field existed.
    ...(t.cpuBf16 ? { cpu_bf16: true } : {}),
  };
}

/** The trainer takes sequences per process per step; RunConfig states the global batch. */
export function perProcessBatch(globalBatch: number, worldSize: number): number {
  return Math.max(1, Math.ceil(globalBatch / Math.max(1, worldSize)));
}

/**
 * YaRN stretches the context the base model was trained on (its max_position_embeddings) by `factor`:
 * SWE-Master's 2.5 takes Qwen2.5-Coder's 32K to 80K. Applied once: a starting model that has YaRN already (an SFT
 * round >= 2 starts from round 1's checkpoint) is stretched from its original length, never from the stretched
 * one, and not at all when it has the factor asked for.
 */
export function ropeScaling(yarnFactor: number | undefined, start: ModelPositions = {}): RopeScalingField | undefined {
  if (yarnFactor === undefined || yarnFactor === 1) return undefined;
  const have = start.yarn;
  if (have && have.factor === yarnFactor) return undefined;
  // transformers reads YaRN without original_max_position_embeddings as over max_position_embeddings.
  const original = have ? (have.originalMaxPositions ?? start.maxPositions) : start.maxPositions;
  return {
    type: 'yarn',
    factor: yarnFactor,
    ...(original ? { original_max_position_embeddings: original } : {}),
  };
}

export function sftTrainerConfig(o: {
  sft: SftStageConfig;
  baseModel: string;
  datasetPath: string;
  outDir: string;
  worldSize: number;
  /** What the starting model's config.json says about positions (readModelPositions). */
  startingModel?: ModelPositions;
  seed?: number;
  training?: TrainingConfig;
}): SftTrainerConfig {
  const { sft } = o;
  return {
    ...setupFields(o.training),
    model: o.baseModel,
    data: o.datasetPath,
    out_dir: o.outDir,
    // The trainer wants exactly one of steps / epochs; RunConfig documents steps as overriding epochs.
    ...(sft.steps !== undefined ? { steps: sft.steps } : { epochs: sft.epochs }),
    batch_size: perProcessBatch(sft.batchSize, o.worldSize),
    max_seq_len: sft.maxSeqLen,
    packing: sft.packing,
    rope_scaling: ropeScaling(sft.yarnFactor, o.startingModel) ?? null,
    lr: sft.lr,
    save_every: sft.saveEvery,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
  };
}

export function grpoTrainerConfig(o: {
  rl: RlStageConfig;
  model: string;
  batchPath: string;
  outDir: string;
  training?: TrainingConfig;
}): GrpoTrainerConfig {
  // klCoef is always 0 (the schema accepts nothing else) and the trainer has no KL term, so it is not passed.
  return {
    ...setupFields(o.training),
    model: o.model,
    batch: o.batchPath,
    out_dir: o.outDir,
    eps_low: o.rl.epsLow,
    eps_high: o.rl.epsHigh,
    l_max: o.rl.lMax,
    group_size: o.rl.groupSize,
    lr: o.rl.lr,
    ppo_epochs: o.rl.ppoEpochs,
    mini_batches: o.rl.miniBatches,
    old_logprobs: o.rl.oldLogprobs,
    tis_cap: o.rl.tisCap,
  };
}

export function verifierTrainerConfig(o: {
  cfg: SweWorldStageConfig;
  kind: 'orm' | 'swe_world';
  baseModel: string;
  datasetPath: string;
  outDir: string;
  worldSize: number;
  training?: TrainingConfig;
}): VerifierTrainerConfig {
  return {
    ...setupFields(o.training),
    kind: o.kind,
    model: o.baseModel,
    data: o.datasetPath,
    out_dir: o.outDir,
    steps: o.cfg.steps,
    // A stage config from before batchSize existed trained 4 rows per process.
    batch_size: perProcessBatch(o.cfg.batchSize ?? 4, o.worldSize),
    lr: o.cfg.lr,
    balance: o.cfg.balance,
  };
}

export function tinyModelTrainerConfig(o: {
  outDir: string;
  corpusFiles: string[];
  seed: number;
}): TinyModelTrainerConfig {
  return { out_dir: o.outDir, corpus_files: o.corpusFiles, seed: o.seed };
}

export function onnxTrainerConfig(o: { model: string; outDir: string }): OnnxTrainerConfig {
  return { model: o.model, out_dir: o.outDir };
}

export function serveTrainerConfig(o: { checkpoint: string; servedName: string; host: string }): ServeTrainerConfig {
  return { model: o.checkpoint, model_name: o.servedName, host: o.host, port: 0 };
}
