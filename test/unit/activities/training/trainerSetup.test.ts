// RunConfig.training reaches every training command's config file under the trainer's field names.
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../../../config/load.ts';
import {
  grpoTrainerConfig,
  setupFields,
  sftTrainerConfig,
  verifierTrainerConfig,
} from '../../../../activities/training/trainerConfig.ts';

const cfg = parseRunConfig({
  preset: 'swe-master',
  training: { microBatchSize: 2, lora: { enabled: true, rank: 16, alpha: 32 }, cpuOffload: true },
});

describe('trainer set-up fields', () => {
  it('maps training to the trainer names, LoRA only when enabled', () => {
    expect(setupFields(cfg.training)).toEqual({
      engine: 'fsdp',
      gradient_checkpointing: true,
      micro_batch_size: 2,
      cpu_offload: true,
      offload_activations: true,
      logit_chunk: 2048,
      lora: { rank: 16, alpha: 32 },
    });
    expect(setupFields(parseRunConfig({ preset: 'demo' }).training).lora).toBeNull();
    expect(setupFields(undefined)).toEqual({}); // inputs recorded before `training` existed
  });

  it('goes into sft, grpo-step and train-verifier configs', () => {
    const sft = sftTrainerConfig({
      sft: cfg.stages.sft,
      baseModel: 'm',
      datasetPath: 'd',
      outDir: 'o',
      worldSize: 32,
      training: cfg.training,
    });
    const grpo = grpoTrainerConfig({
      rl: cfg.stages.rl,
      model: 'm',
      batchPath: 'b',
      outDir: 'o',
      training: cfg.training,
    });
    const ver = verifierTrainerConfig({
      cfg: cfg.stages.sweWorld,
      kind: 'orm',
      baseModel: 'm',
      datasetPath: 'd',
      outDir: 'o',
      worldSize: 32,
      training: cfg.training,
    });
    for (const c of [sft, grpo, ver])
      expect(c).toMatchObject({ engine: 'fsdp', micro_batch_size: 2, cpu_offload: true });
    expect(sft.batch_size).toBe(8); // 256 over 32 GPUs; accumulation in micro-batches of 2
  });
});
