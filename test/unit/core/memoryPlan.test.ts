// The memory plan: parameter counts against published model sizes, the estimate's arithmetic by hand, and the
// presets fitting the clusters they state.
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../../config/load.ts';
import { memoryPlan, memoryProblems } from '../../../cli/preflight/memory.ts';
import { suggestFix } from '../../../core/memoryFit.ts';
import { GIB, estimateMemory, type JobShape } from '../../../core/memoryPlan.ts';
import { KNOWN_SHAPES, knownShape, loraParams, shapeFromHfConfig, totalParams } from '../../../core/modelShapes.ts';

const qwen32 = KNOWN_SHAPES['qwen2.5-coder-32b-instruct']!;
const job = (over: Partial<JobShape> = {}): JobShape => ({
  shape: qwen32,
  device: 'cuda',
  gpus: 1,
  engine: 'fsdp',
  seqLen: 4096,
  microBatch: 1,
  gradientCheckpointing: true,
  offloadActivations: false,
  cpuOffload: false,
  loraRank: 0,
  logitChunk: 4096,
  ...over,
});

describe('model shapes', () => {
  it('count the published sizes (SmolLM2 135M, Qwen2.5-Coder 32B / 7B)', () => {
    expect(totalParams(KNOWN_SHAPES['smollm2-135m-instruct']!) / 1e6).toBeCloseTo(134.5, 0);
    expect(totalParams(qwen32) / 1e9).toBeCloseTo(32.8, 1);
    expect(totalParams(KNOWN_SHAPES['qwen2.5-coder-7b-instruct']!) / 1e9).toBeCloseTo(7.6, 1);
  });

  it('finds a model by served or hub name and reads a config.json', () => {
    expect(knownShape('Qwen/Qwen2.5-Coder-32B-Instruct')).toBe(qwen32);
    expect(knownShape('qwen2.5-coder-32b')).toBe(qwen32);
    const cfg = { model_type: 'qwen2', hidden_size: 64, num_hidden_layers: 2, intermediate_size: 256 };
    expect(shapeFromHfConfig(cfg)).toBeUndefined(); // no heads / vocab: cannot plan
    expect(shapeFromHfConfig({ ...cfg, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 1000 })).toEqual({
      hiddenSize: 64,
      numLayers: 2,
      intermediateSize: 256,
      numHeads: 4,
      numKvHeads: 2,
      vocabSize: 1000,
      tieEmbeddings: false,
      qkvBias: true,
    });
  });
});

describe('estimateMemory', () => {
  const P = totalParams(qwen32);

  it('holds 16 bytes per parameter on one GPU (fp32 weights and grads, two AdamW moments)', () => {
    const e = estimateMemory(job());
    expect([e.weights, e.gradients, e.optimizer]).toEqual([4 * P, 4 * P, 8 * P]);
    expect(e.total).toBe(e.weights + e.gradients + e.optimizer + e.activations + e.logits);
  });

  it('shards the states over every GPU with FSDP but not with DDP', () => {
    expect(estimateMemory(job({ gpus: 32 })).optimizer).toBeCloseTo((8 * P) / 32, 0);
    expect(estimateMemory(job({ gpus: 32, engine: 'ddp' })).optimizer).toBe(8 * P);
  });

  it('trains only the adapters with LoRA, on a bf16 base', () => {
    const e = estimateMemory(job({ loraRank: 16 }));
    expect(e.optimizer).toBe(8 * loraParams(qwen32, 16));
    expect(e.weights).toBe(2 * P + 4 * loraParams(qwen32, 16));
  });

  it('keeps less with checkpointing, and less again with the layer inputs in host memory', () => {
    const none = estimateMemory(job({ gradientCheckpointing: false })).activations;
    const ckpt = estimateMemory(job()).activations;
    const off = estimateMemory(job({ offloadActivations: true }));
    expect(ckpt).toBeLessThan(none / 5);
    expect(off.activations).toBeLessThan(ckpt);
    expect(off.host).toBe(ckpt - off.activations);
  });

  it('computes logits a chunk at a time', () => {
    const big = estimateMemory(job({ seqLen: 81920 })).logits;
    expect(big).toBe(4096 * qwen32.vocabSize * 12);
    expect(estimateMemory(job({ seqLen: 1024, logitChunk: 4096 })).logits).toBe(1024 * qwen32.vocabSize * 12);
  });
});

describe('memory plan of a run', () => {
  it.each(['swe-master', 'swe-gym'])('%s fits the cluster it states', (preset) => {
    const plan = memoryPlan(parseRunConfig({ preset }));
    expect(plan.model?.parameters).toBe(P32());
    expect(plan.stages.length).toBeGreaterThan(0);
    for (const s of plan.stages) expect(s.perGpuGib.total).toBeLessThanOrEqual(plan.cluster.usableGib);
    expect(memoryProblems(plan)).toEqual([]);
    expect(plan.cluster.gpus).toBeGreaterThan(1);
  });

  it('refuses 32B at 80K on one 80 GB GPU and names the knob that fits', () => {
    const cfg = parseRunConfig({ preset: 'swe-master', training: { nodes: 1, gpusPerNode: 1, gpuMemoryGb: 80 } });
    const problems = memoryProblems(memoryPlan(cfg));
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(
      /^training: stage sft needs \d+(\.\d)? GiB per GPU .* 72 GiB is usable .* set training\./,
    );
  });

  it('suggests cheaper knobs before hardware, and the fewest nodes when only hardware helps', () => {
    const ctx = { capacity: 72 * GIB, hostCapacity: 2 ** 50, gpusPerNode: 8, nodes: 1, seqLenPath: 's' };
    // Full fine-tuning at 80K on 8 GPUs: moving state to host memory is enough.
    expect(suggestFix(job({ seqLen: 81920, offloadActivations: true, gpus: 8 }), ctx)).toEqual([
      { path: 'training.cpuOffload', value: true },
    ]);
    // LoRA on one GPU without host memory to offload to: only a second GPU helps.
    const one = { ...ctx, gpusPerNode: 1, hostCapacity: 0 };
    expect(suggestFix(job({ loraRank: 16 }), one)).toEqual([{ path: 'training.nodes', value: 2 }]);
    expect(suggestFix(job({ loraRank: 16, gpus: 2 }), { ...one, nodes: 2 })).toBeUndefined();
  });
});

function P32(): number {
  return totalParams(qwen32);
}
