// The verifier's tokenizer in Node: the exact tokenizer.json the trainer's `export-onnx` saved, run by
// @huggingface/tokenizers (a pure-JS port of the Rust library: byte-level BPE, the Qwen2 split regex, NFC, added
// tokens). Token ids must equal what the trainer's `score` computes, so the contract of scorer.json is applied
// here exactly as scoring.py does: no special tokens, keep the LAST max_seq_len ids, an empty text becomes [pad].
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { z } from 'zod';
import { InputError } from '../../core/errors.ts';
import { ORM_NO, ORM_YES } from '../../core/verifierPrompt.ts';

export const ScorerMetaSchema = z.object({
  yes_token_id: z.number().int().nonnegative(),
  no_token_id: z.number().int().nonnegative(),
  max_seq_len: z.number().int().positive(),
  pad_token_id: z.number().int().nonnegative(),
  padding_side: z.literal('right'),
  truncation_side: z.literal('left'),
});
export type ScorerMeta = z.infer<typeof ScorerMetaSchema>;

function readJson(path: string, what: string): unknown {
  if (!existsSync(path))
    throw new InputError(`verifierDir: ${what} missing (${path}); export the verifier with export-onnx`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError(`verifierDir: ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

export function readScorerMeta(dir: string): ScorerMeta {
  const raw = readJson(join(dir, 'scorer.json'), 'scorer.json');
  const r = ScorerMetaSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new InputError(`verifierDir: scorer.json field '${issue.path.join('.')}': ${issue.message}`);
  }
  return r.data;
}

export interface VerifierTokenizer {
  meta: ScorerMeta;
  /** Ids as the trainer's scorer sees them: left-truncated to maxSeqLen (default meta.max_seq_len), never empty. */
  encode(text: string, maxSeqLen?: number): number[];
}

export function loadVerifierTokenizer(dir: string): VerifierTokenizer {
  const meta = readScorerMeta(dir);
  // tokenizer_config.json is not exported: the scorer adds no special tokens, so an empty config is complete.
  const tok = new Tokenizer(readJson(join(dir, 'tokenizer.json'), 'tokenizer.json') as object, {});
  const check = (text: string, id: number, field: string) => {
    const ids = tok.encode(text, { add_special_tokens: false }).ids;
    if (ids.length !== 1 || ids[0] !== id) {
      throw new InputError(
        `verifierDir: scorer.json ${field} (${id}) is not the single token of ${JSON.stringify(text)} (got ${ids})`,
      );
    }
  };
  // The rendered texts end where ORM_YES / ORM_NO continue them; a model exported with other verdict tokens (or
  // a tokenizer.json from another model) would score garbage silently.
  check(ORM_YES, meta.yes_token_id, 'yes_token_id');
  check(ORM_NO, meta.no_token_id, 'no_token_id');
  return {
    meta,
    encode(text, maxSeqLen = meta.max_seq_len) {
      const ids = tok.encode(text, { add_special_tokens: false }).ids;
      const kept = ids.length > maxSeqLen ? ids.slice(ids.length - maxSeqLen) : ids;
      return kept.length ? kept : [meta.pad_token_id];
    },
  };
}
