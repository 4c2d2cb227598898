// What an HF model folder's config.json says about its positions: the context it was built for and any YaRN already
// applied. An SFT round >= 2 starts from the previous round's checkpoint, whose config.json carries the YaRN the
// first round applied; reading it here is what keeps the stretch from being applied twice (ropeScaling).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ModelPositions {
  /** max_position_embeddings: after YaRN, the stretched length. */
  maxPositions?: number;
  /** The YaRN config.json already has (rope_parameters on transformers 5, rope_scaling before). */
  yarn?: { factor: number; originalMaxPositions?: number };
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Parses a config.json object; unknown shapes give what could be read (nothing when nothing could). */
export function modelPositions(config: unknown): ModelPositions {
  if (typeof config !== 'object' || config === null) return {};
  const c = config as Record<string, unknown>;
  const out: ModelPositions = {};
  const maxPositions = num(c.max_position_embeddings);
  if (maxPositions !== undefined) out.maxPositions = maxPositions;
  for (const key of ['rope_parameters', 'rope_scaling']) {
    const rope = c[key];
    if (typeof rope !== 'object' || rope === null) continue;
    const r = rope as Record<string, unknown>;
    const factor = num(r.factor);
    if ((r.rope_type ?? r.type) !== 'yarn' || factor === undefined) continue;
    const original = num(r.original_max_position_embeddings);
    out.yarn = { factor, ...(original !== undefined ? { originalMaxPositions: original } : {}) };
    break;
  }
  return out;
}

/** modelPositions of `<modelDir>/config.json`; {} when it is missing or not JSON (the trainer then reports it). */
export function readModelPositions(modelDir: string): ModelPositions {
  try {
    return modelPositions(JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')));
  } catch {
    return {};
  }
}
