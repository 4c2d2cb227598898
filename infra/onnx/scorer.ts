// Batched verifier scoring with onnxruntime-node: texts -> p_yes, computing what the trainer's `score` command
// computes (same tokenizer, same truncation, right padding, the graph reads the last attended position).
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { createOnnxSession, type OnnxDevice } from './session.ts';
import { loadVerifierTokenizer, type ScorerMeta } from './tokenizer.ts';

export interface OnnxVerifier {
  provider: 'cpu' | 'cuda';
  fallbackReason?: string;
  meta: ScorerMeta;
  encode(text: string): number[];
  /** p_yes per text, in input order. */
  scoreTexts(texts: readonly string[], o?: ScoreOptions): Promise<number[]>;
  /** p_yes per already-encoded text (the bench times tokenization and inference apart). */
  scoreIds(ids: readonly number[][], o?: ScoreOptions): Promise<number[]>;
  release(): Promise<void>;
}

export interface ScoreOptions {
  batchSize?: number;
  /**
   * Most rows x width² per batch (the graph's attention is eager: its scores take that many floats per head and
   * layer), so a batch of long texts is smaller than one of short texts. Default 8 × 1,024².
   */
  maxBatchCells?: number;
  /** Called after each batch: heartbeats and progress bars. */
  onBatch?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface LoadOnnxVerifierOptions {
  device?: OnnxDevice;
  threads?: number;
  /** Override of scorer.json's max_seq_len (only ever lower it: longer inputs than trained on help no one). */
  maxSeqLen?: number;
  /** onnxruntime's CPU arena (on by default, see session.ts; the memory bench measures it off as well). */
  memArena?: boolean;
}

/** Right-padded int64 tensors for one batch. */
export function padBatch(
  batch: readonly number[][],
  padId: number,
): { inputIds: ort.Tensor; attentionMask: ort.Tensor } {
  const width = Math.max(...batch.map((x) => x.length));
  const ids = new BigInt64Array(batch.length * width).fill(BigInt(padId));
  const mask = new BigInt64Array(batch.length * width);
  batch.forEach((row, r) => {
    row.forEach((id, t) => {
      ids[r * width + t] = BigInt(id);
      mask[r * width + t] = 1n;
    });
  });
  return {
    inputIds: new ort.Tensor('int64', ids, [batch.length, width]),
    attentionMask: new ort.Tensor('int64', mask, [batch.length, width]),
  };
}

export async function loadOnnxVerifier(dir: string, o: LoadOnnxVerifierOptions = {}): Promise<OnnxVerifier> {
  const tokenizer = loadVerifierTokenizer(dir);
  const maxSeqLen = Math.min(o.maxSeqLen ?? tokenizer.meta.max_seq_len, tokenizer.meta.max_seq_len);
  const handle = await createOnnxSession(join(dir, 'model.onnx'), {
    device: o.device,
    threads: o.threads,
    memArena: o.memArena,
  });
  const { session } = handle;

  async function scoreIds(all: readonly number[][], so: ScoreOptions = {}): Promise<number[]> {
    const batchSize = so.batchSize ?? 8;
    const maxCells = so.maxBatchCells ?? 8 * 1024 * 1024;
    // Similar lengths share a batch, so little compute goes to padding (the trainer sorts the same way).
    const order = all.map((_, i) => i).sort((a, b) => all[a]!.length - all[b]!.length || a - b);
    const scores = new Array<number>(all.length);
    for (let start = 0, end = 0; start < order.length; start = end) {
      so.signal?.throwIfAborted();
      // Ascending lengths: the batch's width is its last row's length.
      end = start + 1;
      while (
        end < order.length &&
        end - start < batchSize &&
        (end - start + 1) * all[order[end]!]!.length ** 2 <= maxCells
      )
        end++;
      const chunk = order.slice(start, end);
      const { inputIds, attentionMask } = padBatch(
        chunk.map((i) => all[i]!),
        tokenizer.meta.pad_token_id,
      );
      const out = await session.run({ input_ids: inputIds, attention_mask: attentionMask });
      const p = out.p_yes?.data as Float32Array | undefined;
      if (!p || p.length !== chunk.length)
        throw new Error(`verifier graph returned no p_yes of length ${chunk.length}`);
      chunk.forEach((i, j) => (scores[i] = p[j]!));
      so.onBatch?.(end, order.length);
    }
    return scores;
  }

  return {
    provider: handle.provider,
    fallbackReason: handle.fallbackReason,
    meta: tokenizer.meta,
    encode: (text) => tokenizer.encode(text, maxSeqLen),
    scoreIds,
    scoreTexts: (texts, so) =>
      scoreIds(
        texts.map((t) => tokenizer.encode(t, maxSeqLen)),
        so,
      ),
    release: () => session.release(),
  };
}
