// The memory plan against measured peaks: small Qwen2-shaped models train one step on CPU (fp32, as the plan's
// 'cpu' device assumes) in a child process that reports its peak resident memory above its pre-model baseline
// (trainer/swe_forge_trainer/memprobe.py says exactly what is measured). The estimate must be within 25 %.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { estimateMemory, type JobShape } from '../../core/memoryPlan.ts';
import { KNOWN_SHAPES, type ModelShape } from '../../core/modelShapes.ts';
import { loadSettings } from '../../infra/settings.ts';
import { trainerEnv } from '../../dev/trainer.ts';

const run = promisify(execFile);

interface Probe {
  peak_bytes: number;
  parameters: number;
  tokens_per_s: number;
}

async function measure(shape: ModelShape, job: Partial<JobShape>): Promise<Probe> {
  const spec = {
    hidden_size: shape.hiddenSize,
    num_layers: shape.numLayers,
    intermediate_size: shape.intermediateSize,
    num_heads: shape.numHeads,
    num_kv_heads: shape.numKvHeads,
    vocab_size: shape.vocabSize,
    tie_embeddings: shape.tieEmbeddings,
    seq_len: job.seqLen,
    micro_batch: job.microBatch ?? 1,
    gradient_checkpointing: job.gradientCheckpointing ?? false,
    lora_rank: job.loraRank ?? 0,
    logit_chunk: job.logitChunk ?? 4096,
  };
  const { stdout } = await run(
    'nice',
    ['-n', '10', loadSettings().pythonBin, '-m', 'swe_forge_trainer.memprobe', JSON.stringify(spec)],
    { env: { ...trainerEnv(), MALLOC_MMAP_THRESHOLD_: '65536', SWE_FORGE_TORCH_THREADS: '2' }, timeout: 600_000 },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as Probe;
}

const small: ModelShape = {
  hiddenSize: 256,
  numLayers: 4,
  intermediateSize: 1024,
  numHeads: 4,
  numKvHeads: 2,
  vocabSize: 8192,
  tieEmbeddings: false,
  qkvBias: true,
};

const cases: [string, ModelShape, Partial<JobShape>][] = [
  ['small Qwen2, full fine-tuning', small, { seqLen: 1024 }],
  [
    'small Qwen2, checkpointed, 2 rows, chunked logits',
    small,
    { seqLen: 1024, microBatch: 2, gradientCheckpointing: true, logitChunk: 512 },
  ],
  ['small Qwen2, LoRA r=8, checkpointed', small, { seqLen: 1024, gradientCheckpointing: true, loraRank: 8 }],
  [
    'SmolLM2-135M shape, checkpointed',
    KNOWN_SHAPES['smollm2-135m-instruct']!,
    { seqLen: 128, gradientCheckpointing: true },
  ],
];

describe('memory plan against measured CPU peaks', () => {
  it.each(cases)('%s: estimate within 25 %%', { timeout: 700_000 }, async (_name, shape, over) => {
    const job: JobShape = {
      shape,
      device: 'cpu',
      gpus: 1,
      engine: 'fsdp',
      seqLen: 1024,
      microBatch: 1,
      gradientCheckpointing: false,
      offloadActivations: false,
      cpuOffload: false,
      loraRank: 0,
      logitChunk: 4096,
      ...over,
    };
    const measured = await measure(shape, job);
    const estimate = estimateMemory(job).total;
    const ratio = estimate / measured.peak_bytes;
    console.log(JSON.stringify({ case: _name, estimate, measured: measured.peak_bytes, ratio }));
    expect(ratio).toBeGreaterThan(0.75);
    expect(ratio).toBeLessThan(1.25);
  });
});
