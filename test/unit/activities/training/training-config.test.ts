// The pure parts of the gpu worker: RunConfig -> trainer config translation, paths, argv, GPU counting, env.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RlSchema, SftSchema, SweWorldSchema } from '../../../../config/schema.ts';
import { DEFAULT_VLLM_CMD, loadTrainingEnv } from '../../../../activities/training/env.ts';
import {
  countGpus,
  policyServerArgv,
  trackingEnv,
  trainerArgv,
  withParentDeathSignal,
} from '../../../../activities/training/launch.ts';
import { stepOfCheckpoint, tinyModelDir } from '../../../../activities/training/paths.ts';
import { runDir, runPaths } from '../../../../infra/layout.ts';
import {
  grpoTrainerConfig,
  perProcessBatch,
  ropeScaling,
  sftTrainerConfig,
  verifierTrainerConfig,
} from '../../../../activities/training/trainerConfig.ts';
import { modelPositions, readModelPositions } from '../../../../activities/training/modelPositions.ts';
import { loadCheckedConfig } from '../../../../cli/preflight/checks.ts';
import { ConfigError } from '../../../../core/errors.ts';

const tmp = mkdtempSync(join(tmpdir(), 'swe-forge-training-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('trainer config translation', () => {
  it('maps the SWE-Master SFT stage, YaRN included, to the trainer fields', () => {
    const sft = SftSchema.parse({ epochs: 5, batchSize: 256, maxSeqLen: 81920, yarnFactor: 2.5, lr: 1e-5 });
    const cfg = sftTrainerConfig({
      sft,
      baseModel: '/m/base',
      datasetPath: '/d/sft.jsonl',
      outDir: '/a/runs/r/sft',
      worldSize: 8,
      startingModel: { maxPositions: 32768 },
    });
    expect(cfg).toEqual({
      model: '/m/base',
      data: '/d/sft.jsonl',
      out_dir: '/a/runs/r/sft',
      epochs: 5,
      batch_size: 32,
      max_seq_len: 81920,
      packing: false,
      rope_scaling: { type: 'yarn', factor: 2.5, original_max_position_embeddings: 32768 },
      lr: 1e-5,
      save_every: 50,
    });
  });

  it('sends steps instead of epochs when steps is set, and no rope scaling without a factor', () => {
    const cfg = sftTrainerConfig({
      sft: SftSchema.parse({ steps: 6, batchSize: 4 }),
      baseModel: 'b',
      datasetPath: 'd',
      outDir: 'o',
      worldSize: 1,
    });
    expect(cfg.steps).toBe(6);
    expect(cfg).not.toHaveProperty('epochs');
    expect(cfg.rope_scaling).toBeNull();
    expect(cfg.batch_size).toBe(4);
  });

  it('applies YaRN once: a round >= 2 starting from a checkpoint that has it is not stretched again', () => {
    // Round 1's checkpoint as the trainer writes it (transformers 5): the factor, the original length, and
    // max_position_embeddings already stretched to 32768 * 2.5.
    const dir = mkdtempSync(join(tmp, 'round1-'));
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        max_position_embeddings: 81920,
        rope_parameters: { rope_type: 'yarn', rope_theta: 1e6, factor: 2.5, original_max_position_embeddings: 32768 },
      }),
    );
    const round2 = (yarnFactor: number) =>
      sftTrainerConfig({
        sft: SftSchema.parse({ steps: 2, yarnFactor }),
        baseModel: dir,
        datasetPath: 'd',
        outDir: 'o',
        worldSize: 1,
        startingModel: readModelPositions(dir),
      }).rope_scaling;
    expect(round2(2.5)).toBeNull();
    // Another factor stretches from the original 32K, never from the 80K the checkpoint already has.
    expect(round2(4)).toEqual({ type: 'yarn', factor: 4, original_max_position_embeddings: 32768 });
    // The base model (no YaRN yet) is stretched from its own length.
    const base = mkdtempSync(join(tmp, 'base-'));
    writeFileSync(join(base, 'config.json'), JSON.stringify({ max_position_embeddings: 32768, rope_theta: 1e6 }));
    expect(ropeScaling(2.5, readModelPositions(base))).toEqual({
      type: 'yarn',
      factor: 2.5,
      original_max_position_embeddings: 32768,
    });
  });

  it('reads YaRN from rope_scaling (transformers 4) and rope_parameters (5), and nothing from a missing file', () => {
    expect(
      modelPositions({
        max_position_embeddings: 8192,
        rope_scaling: { type: 'yarn', factor: 2, original_max_position_embeddings: 4096 },
      }),
    ).toEqual({ maxPositions: 8192, yarn: { factor: 2, originalMaxPositions: 4096 } });
    expect(modelPositions({ max_position_embeddings: 4096, rope_parameters: { rope_type: 'default' } })).toEqual({
      maxPositions: 4096,
    });
    expect(readModelPositions(join(tmp, 'no-such-model'))).toEqual({});
    expect(ropeScaling(2, {})).toEqual({ type: 'yarn', factor: 2 });
    expect(ropeScaling(1, { maxPositions: 4096 })).toBeUndefined();
  });

  it('splits the global batch over processes, never below one sequence', () => {
    expect(perProcessBatch(256, 8)).toBe(32);
    expect(perProcessBatch(10, 4)).toBe(3);
    expect(perProcessBatch(2, 8)).toBe(1);
    expect(perProcessBatch(5, 0)).toBe(5);
  });

  it('maps the RL stage to grpo-step fields without a KL coefficient', () => {
    const rl = RlSchema.parse({ groupSize: 4, epsLow: 0.2, epsHigh: 0.28, lMax: 81920, lr: 1e-6 });
    expect(grpoTrainerConfig({ rl, model: '/p', batchPath: '/b.jsonl', outDir: '/o' })).toEqual({
      model: '/p',
      batch: '/b.jsonl',
      out_dir: '/o',
      eps_low: 0.2,
      eps_high: 0.28,
      l_max: 81920,
      group_size: 4,
      lr: 1e-6,
      ppo_epochs: 1,
      mini_batches: 1,
      old_logprobs: 'sampler',
      tis_cap: 0,
    });
  });

  it('turns truncated IS on by default in async mode only, and an explicit setting wins', () => {
    expect(RlSchema.parse({})).toMatchObject({ mode: 'sync', oldLogprobs: 'sampler', tisCap: 0 });
    expect(RlSchema.parse({ mode: 'async' })).toMatchObject({ oldLogprobs: 'recomputed', tisCap: 2, maxStaleness: 1 });
    expect(RlSchema.parse({ mode: 'async', tisCap: 0 })).toMatchObject({ oldLogprobs: 'sampler', tisCap: 0 });
    expect(RlSchema.parse({ mode: 'async', oldLogprobs: 'sampler' })).toMatchObject({ tisCap: 0 });
    expect(RlSchema.parse({ mode: 'async', tisCap: 5 })).toMatchObject({ oldLogprobs: 'recomputed', tisCap: 5 });
    expect(() => RlSchema.parse({ mode: 'async', maxStaleness: 0 })).toThrow();
  });

  it('refuses truncated IS on top of a ratio that is already against the sampler', async () => {
    expect(() => RlSchema.parse({ tisCap: 2 })).toThrow(
      /oldLogprobs: sampler corrects the sampler\/trainer mismatch twice/,
    );
    expect(RlSchema.parse({ tisCap: 2, oldLogprobs: 'recomputed' })).toMatchObject({ tisCap: 2 });
    expect(RlSchema.parse({ oldLogprobs: 'sampler' }).tisCap).toBe(0);
    // `config check` / `run`: exit 2, the dotted paths of both fields.
    const file = join(tmp, 'tis.yaml');
    writeFileSync(file, 'preset: swe-master\nname: tis\nstages:\n  rl: { tisCap: 2 }\n');
    const err = await loadCheckedConfig(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/stages\.rl\.tisCap: .*stages\.rl\.oldLogprobs: sampler/);
    writeFileSync(file, 'preset: swe-master\nname: tis\nstages:\n  rl: { tisCap: 2, oldLogprobs: recomputed }\n');
    await expect(loadCheckedConfig(file)).resolves.toMatchObject({ config: { stages: { rl: { tisCap: 2 } } } });
  });

  it('maps the sweWorld stage to train-verifier fields, its global batch split over the ranks', () => {
    const cfg = SweWorldSchema.parse({ kind: 'orm', steps: 6, batchSize: 16, lr: 0.001, balance: false });
    const at = (worldSize: number) =>
      verifierTrainerConfig({ cfg, kind: 'orm', baseModel: '/m', datasetPath: '/d', outDir: '/o', worldSize });
    expect(at(1)).toEqual({
      kind: 'orm',
      model: '/m',
      data: '/d',
      out_dir: '/o',
      steps: 6,
      batch_size: 16,
      lr: 0.001,
      balance: false,
    });
    expect(at(8).batch_size).toBe(2);
    expect(at(32).batch_size).toBe(1);
  });
});

describe('training paths', () => {
  it('derives every out dir from the run id', () => {
    expect(runPaths.sft('/a', 'r1')).toBe('/a/runs/r1/sft');
    expect(runPaths.rlIteration('/a', 'r1', 3)).toBe('/a/runs/r1/rl/iter-3');
    expect(runPaths.verifier('/a', 'r1')).toBe('/a/runs/r1/verifier');
    expect(runPaths.onnx('/a', 'r1')).toBe('/a/runs/r1/verifier/onnx');
    expect(() => runDir('/a', '../etc')).toThrow(/runId/);
  });

  it('names the tiny model by its corpus contents and seed', () => {
    const corpus = join(tmp, 'corpus.txt');
    writeFileSync(corpus, 'def f(): pass\n');
    const a = tinyModelDir('/c', [corpus], 0);
    expect(a).toMatch(/^\/c\/models\/tiny-[0-9a-f]{16}$/);
    expect(tinyModelDir('/c', [corpus], 0)).toBe(a);
    expect(tinyModelDir('/c', [corpus], 1)).not.toBe(a);
    writeFileSync(corpus, 'def g(): pass\n');
    expect(tinyModelDir('/c', [corpus], 0)).not.toBe(a);
  });

  it('reads the step from a checkpoint directory name', () => {
    expect(stepOfCheckpoint('/o/checkpoints/step-000012')).toBe(12);
    expect(stepOfCheckpoint('/o/checkpoints/step-000012/')).toBe(12);
    expect(stepOfCheckpoint('/models/tiny')).toBeUndefined();
  });
});

describe('launch', () => {
  it('runs python for one GPU or none and torchrun for several, only for distributed commands', () => {
    const base = { pythonBin: '/v/python', configPath: '/o/sft.config.json' };
    expect(trainerArgv({ ...base, command: 'sft', gpus: 1 })).toEqual([
      '/v/python', '-m', 'swe_forge_trainer', 'sft', '--config', '/o/sft.config.json',
    ]); // prettier-ignore
    expect(trainerArgv({ ...base, command: 'sft', gpus: 4 }).slice(0, 5)).toEqual([
      '/v/python', '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=4',
    ]); // prettier-ignore
    expect(trainerArgv({ ...base, command: 'export-onnx', gpus: 4 })[1]).toBe('-m');
    expect(trainerArgv({ ...base, command: 'export-onnx', gpus: 4 })[2]).toBe('swe_forge_trainer');
  });

  it('wraps argv so the child knows its parent pid', () => {
    const argv = withParentDeathSignal('/v/python', ['a', 'b']);
    expect(argv[0]).toBe('/v/python');
    expect(argv[1]).toBe('-c');
    expect(argv.slice(3)).toEqual([String(process.pid), 'a', 'b']);
  });

  it('fills the vLLM template after splitting, so paths with spaces stay one argument', () => {
    const argv = policyServerArgv(DEFAULT_VLLM_CMD, { checkpoint: '/ck/my model', name: 'policy', port: 8123 });
    expect(argv).toEqual([
      'vllm', 'serve', '/ck/my model', '--served-model-name', 'policy', '--port', '8123',
      '--enable-auto-tool-choice', '--tool-call-parser', 'hermes',
    ]); // prettier-ignore
    expect(policyServerArgv(`x --chat-template "a b" {port}`, { checkpoint: 'c', name: 'n', port: 1 })).toEqual([
      'x', '--chat-template', 'a b', '1',
    ]); // prettier-ignore
  });

  it('gives the trainer the artifacts root (one MLflow store per deployment) and which job it runs', () => {
    expect(trackingEnv('/art', { runId: 'r1', stage: 'rl', job: 'rl/iter-3', iteration: 3 })).toEqual({
      SWE_FORGE_ARTIFACTS_DIR: '/art',
      SWE_FORGE_RUN_ID: 'r1',
      SWE_FORGE_STAGE: 'rl',
      SWE_FORGE_JOB: 'rl/iter-3',
      SWE_FORGE_ITERATION: '3',
    });
    expect(trackingEnv('/art', { runId: 'r1', stage: 'sft', job: 'sft' })).not.toHaveProperty('SWE_FORGE_ITERATION');
    expect(trackingEnv('/art')).toEqual({ SWE_FORGE_ARTIFACTS_DIR: '/art' }); // export-onnx, tiny models
  });

  it('counts GPUs from nvidia-smi -L', () => {
    const out = 'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-1)\nGPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-2)\n';
    expect(countGpus(out)).toBe(2);
    expect(countGpus('')).toBe(0);
    expect(countGpus('  MIG 1g.10gb Device 0: (UUID: MIG-1)')).toBe(0);
  });
});

describe('training env', () => {
  it('has defaults and names the variable that is wrong', () => {
    const env = loadTrainingEnv({});
    expect(env.gpus).toBeUndefined();
    expect(env.vllmCmd).toBe(DEFAULT_VLLM_CMD);
    expect(env.killGraceMs).toBe(60_000);
    expect(loadTrainingEnv({ SWE_FORGE_GPUS: '4' }).gpus).toBe(4);
    expect(() => loadTrainingEnv({ SWE_FORGE_GPUS: 'two' })).toThrow(/SWE_FORGE_GPUS="two"/);
    expect(() => loadTrainingEnv({ SWE_FORGE_POLICY_SERVER: 'sglang' })).toThrow(/SWE_FORGE_POLICY_SERVER/);
    // CPU workers serve with llama.cpp unless told otherwise; f16 weights by default (faster on CPU).
    expect(env.policyServer).toBe('auto');
    expect(env.llamaDtype).toBe('f16');
    expect(loadTrainingEnv({ SWE_FORGE_POLICY_SERVER: 'llama', SWE_FORGE_LLAMA_DTYPE: 'f32' }).llamaDtype).toBe('f32');
    expect(() => loadTrainingEnv({ SWE_FORGE_LLAMA_DTYPE: 'q4' })).toThrow(/SWE_FORGE_LLAMA_DTYPE/);
  });
});
