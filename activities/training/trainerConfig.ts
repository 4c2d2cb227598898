// RunConfig's camelCase stage configs -> the trainer's snake_case config files, one function per command. Pure:
// the activity reads what it needs from disk (the base model's context length) and passes it in. The trainer
// rejects unknown fields, so a name mistyped here fails loudly in the trainer instead of training on a default.
import type { RunConfig } from '../../config/schema.ts';
import type { TrainingConfig } from '../../config/trainingSchema.ts';
import type { ModelPositions } from './modelPositions.ts';

export type SftStageConfig = RunConfig['stages']['sft'];
export type RlStageConfig = RunConfig['stages']['rl'];
export type SweWorldStageConfig = RunConfig['stages']['sweWorld'];
export type TrainerConfig = Record<string, unknown>;

/** The trainer's model set-up fields (trainer/swe_forge_trainer/distributed.py), shared by sft, grpo-step and
 *  train-verifier; nothing when the input predates `training` (the trainer's defaults then apply). */
export function setupFields(t: TrainingConfig | undefined): TrainerConfig {
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
export function ropeScaling(yarnFactor: number | undefined, start: ModelPositions = {}) {
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
}): TrainerConfig {
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
}): TrainerConfig {
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
}): TrainerConfig {
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

export function tinyModelTrainerConfig(o: { outDir: string; corpusFiles: string[]; seed: number }): TrainerConfig {
  return { out_dir: o.outDir, corpus_files: o.corpusFiles, seed: o.seed };
}

export function onnxTrainerConfig(o: { model: string; outDir: string }): TrainerConfig {
  return { model: o.model, out_dir: o.outDir };
}

export function serveTrainerConfig(o: { checkpoint: string; servedName: string; host: string }): TrainerConfig {
  return { model: o.checkpoint, model_name: o.servedName, host: o.host, port: 0 };
}
