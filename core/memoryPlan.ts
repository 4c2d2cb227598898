// Per-GPU memory of one training job, as the trainer runs it (trainer/swe_forge_trainer/runtime.py): FSDP2 shards
// fp32 master weights, fp32 gradients and AdamW's two fp32 moments over every GPU; one decoder layer at a time is
// gathered; activations are kept per layer (or only each layer's input with checkpointing); logits are computed in
// chunks of `logitChunk` tokens. Figures are bytes. The activation coefficients are counted from the Qwen2 /
// Llama forward (see docs/training.md) and checked against peaks measured on CPU (trainer/tests/test_memory.py).
// Pure.
import { kvDim, layerParams, loraParams, outerParams, totalParams, type ModelShape } from './modelShapes.ts';

export interface JobShape {
  shape: ModelShape;
  /** cuda: bf16 autocast (2-byte activations); cpu: fp32 throughout (what the CPU measurements run). */
  device: 'cuda' | 'cpu';
  /** GPUs the job spans (nodes x gpusPerNode); FSDP shards over all of them. */
  gpus: number;
  engine: 'fsdp' | 'ddp';
  seqLen: number;
  microBatch: number;
  gradientCheckpointing: boolean;
  /** Checkpointed layer inputs go to host memory (torch.autograd.graph.save_on_cpu). */
  offloadActivations: boolean;
  /** FSDP2 CPUOffloadPolicy: sharded weights, gradients and optimizer state live in host memory. */
  cpuOffload: boolean;
  /** LoRA rank, or 0 for full fine-tuning (the frozen base is then bf16 on CUDA). */
  loraRank: number;
  logitChunk: number;
}

export interface MemoryEstimate {
  weights: number;
  gradients: number;
  optimizer: number;
  activations: number;
  logits: number;
  /** Sum of the above: what one GPU needs at the peak of a step. */
  total: number;
  /** Host memory per GPU the job needs for what it offloads (CPU offload, activation offload). */
  host: number;
}

/**
 * Saved tensors per token of one decoder layer's forward, in units of hidden / kv / intermediate width: two RMSNorms
 * (input and normalised output, 2h each), attention's q, k, v and output (h + 2kv + h), o_proj's input (h), and the
 * gated MLP's gate, SiLU(gate), up and product (4i).
 */
export const LAYER_ACT = { hidden: 7, kv: 2, intermediate: 4 } as const;
/** Bytes per vocabulary entry per token of a logits chunk at the loss's backward: log-softmax, its gradient, the
 *  logits' gradient (fp32). */
export const LOGIT_BYTES = 12;

export function estimateMemory(j: JobShape): MemoryEstimate {
  const s = j.shape;
  const n = j.engine === 'fsdp' ? Math.max(1, j.gpus) : 1;
  const P = totalParams(s);
  const gathered = n > 1 || j.cpuOffload ? 2 * layerParams(s) + outerParams(s) : 0;
  const lora = j.loraRank > 0 ? loraParams(s, j.loraRank) : 0;
  const baseBytes = lora && j.device === 'cuda' ? 2 : 4;
  const resident = (bytes: number) => (j.cpuOffload ? 0 : (bytes * P) / n);

  const weights = resident(baseBytes) + baseBytes * gathered + 4 * lora;
  const gradients = lora ? 4 * lora : resident(4) + (gathered ? 4 * (layerParams(s) + outerParams(s)) : 0);
  const optimizer = lora ? 8 * lora : resident(8);

  const tokens = j.seqLen * j.microBatch;
  const act = j.device === 'cuda' ? 2 : 4;
  const residual = baseBytes; // the residual stream keeps the weights' dtype under autocast
  const h = s.hiddenSize;
  const layer =
    tokens * act * (LAYER_ACT.hidden * h + LAYER_ACT.kv * kvDim(s) + LAYER_ACT.intermediate * s.intermediateSize);
  const inputs = s.numLayers * tokens * h * residual;
  const logits = Math.min(tokens, j.logitChunk) * s.vocabSize * LOGIT_BYTES;
  // Backward holds the incoming and outgoing hidden-state gradients and the final norm's output.
  const tail = 3 * tokens * h * residual;
  // Without checkpointing every layer's tensors are alive when the loss's backward runs. With it, only the layer
  // inputs are; a layer's recompute starts after the loss's backward has freed its logits, so the two peaks do not
  // add up: the recompute counts only where it exceeds the logits.
  const activations = j.gradientCheckpointing
    ? (j.offloadActivations ? 0 : inputs) + tail + Math.max(0, layer - logits)
    : s.numLayers * layer + inputs + tail;

  const host =
    (j.cpuOffload ? (lora ? baseBytes * P : 16 * P) / n : 0) +
    (j.gradientCheckpointing && j.offloadActivations ? inputs : 0);
  return {
    weights,
    gradients,
    optimizer,
    activations,
    logits,
    total: weights + gradients + optimizer + activations + logits,
    host,
  };
}

export const GIB = 2 ** 30;
export const gib = (bytes: number): number => Math.round((bytes / GIB) * 10) / 10;
