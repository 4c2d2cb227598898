// Decoder-only transformer shapes (Qwen2 / Llama family) and their parameter counts. The memory plan needs the
// shape, not the weights: a config names its model, and the shape comes from this table, from the model's
// config.json (read by the caller), or from `training.architecture`. Pure.

export interface ModelShape {
  hiddenSize: number;
  numLayers: number;
  intermediateSize: number;
  numHeads: number;
  numKvHeads: number;
  vocabSize: number;
  /** Input embedding and output head share one matrix (SmolLM2, small Qwen2.5). */
  tieEmbeddings: boolean;
  /** q/k/v projections carry a bias (Qwen2 does, Llama does not). */
  qkvBias: boolean;
}

/** Published config.json values; keys are lower-cased model names as served (the part after any `org/`). */
export const KNOWN_SHAPES: Readonly<Record<string, ModelShape>> = {
  'qwen2.5-coder-32b-instruct': shape(5120, 64, 27648, 40, 8, 152064, false, true),
  'qwen2.5-coder-14b-instruct': shape(5120, 48, 13824, 40, 8, 152064, false, true),
  'qwen2.5-coder-7b-instruct': shape(3584, 28, 18944, 28, 4, 152064, false, true),
  'qwen2.5-coder-1.5b-instruct': shape(1536, 28, 8960, 12, 2, 151936, true, true),
  'qwen2.5-coder-0.5b-instruct': shape(896, 24, 4864, 14, 2, 151936, true, true),
  'smollm2-135m-instruct': shape(576, 30, 1536, 9, 3, 49152, true, false),
  // The trainer's `make-tiny-model` defaults (vocab 1024 plus the chat and tool tokens it adds).
  tiny: shape(64, 2, 256, 4, 2, 1040, false, true),
};

function shape(
  hiddenSize: number,
  numLayers: number,
  intermediateSize: number,
  numHeads: number,
  numKvHeads: number,
  vocabSize: number,
  tieEmbeddings: boolean,
  qkvBias: boolean,
): ModelShape {
  return { hiddenSize, numLayers, intermediateSize, numHeads, numKvHeads, vocabSize, tieEmbeddings, qkvBias };
}

/** Looks a served name up: "Qwen/Qwen2.5-Coder-32B-Instruct" and "qwen2.5-coder-32b-instruct" are the same. */
export function knownShape(name: string): ModelShape | undefined {
  const key = name.split('/').pop()!.toLowerCase();
  return KNOWN_SHAPES[key] ?? KNOWN_SHAPES[`${key}-instruct`];
}

/** A Hugging Face config.json (Qwen2 / Llama / Mistral keys) -> shape; undefined when a key is missing. */
export function shapeFromHfConfig(c: Record<string, unknown>): ModelShape | undefined {
  const n = (k: string) => (typeof c[k] === 'number' ? (c[k] as number) : undefined);
  const [h, l, i, heads, v] = [
    n('hidden_size'),
    n('num_hidden_layers'),
    n('intermediate_size'),
    n('num_attention_heads'),
    n('vocab_size'),
  ];
  if (!h || !l || !i || !heads || !v) return undefined;
  const modelType = typeof c.model_type === 'string' ? c.model_type : '';
  return {
    hiddenSize: h,
    numLayers: l,
    intermediateSize: i,
    numHeads: heads,
    numKvHeads: n('num_key_value_heads') ?? heads,
    vocabSize: v,
    tieEmbeddings: c.tie_word_embeddings === true,
    qkvBias: modelType === 'qwen2' || c.attention_bias === true,
  };
}

export const kvDim = (s: ModelShape): number => (s.hiddenSize / s.numHeads) * s.numKvHeads;

/** Parameters of one decoder layer: attention (q, k, v, o), the gated MLP, two RMSNorms. */
export function layerParams(s: ModelShape): number {
  const h = s.hiddenSize;
  const kv = kvDim(s);
  const attn = h * h + 2 * h * kv + h * h + (s.qkvBias ? h + 2 * kv : 0);
  return attn + 3 * h * s.intermediateSize + 2 * h;
}

/** Embedding (+ untied output head) and the final norm: what sits outside the repeated layers. */
export function outerParams(s: ModelShape): number {
  return s.vocabSize * s.hiddenSize * (s.tieEmbeddings ? 1 : 2) + s.hiddenSize;
}

export function totalParams(s: ModelShape): number {
  return s.numLayers * layerParams(s) + outerParams(s);
}

/** LoRA adapters on every attention and MLP projection (peft's "all-linear" minus the head): r * (in + out). */
export function loraParams(s: ModelShape, rank: number): number {
  const h = s.hiddenSize;
  const kv = kvDim(s);
  const i = s.intermediateSize;
  const perLayer = rank * ((h + h) * 2 + (h + kv) * 2 + (h + i) * 2 + (i + h));
  return s.numLayers * perLayer;
}
