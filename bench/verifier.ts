// `npm run bench -- verifier [--n 256] [--batch 8] [--max-seq-len 512] [--hidden 64] [--layers 2] [--threads 2]
//   [--repeats 3]`
// Candidates scored per second: onnxruntime-node (in process, tokenization included) vs the trainer's PyTorch
// `score` command, on the same exported model and the same rendered candidate texts. The trainer reports no
// timing of its own, so its in-process time is its wall time minus its start-up, measured separately as a `score`
// run over one short text (Python + torch import, model load, one forward). Every timing is the minimum over
// --repeats runs: on a shared 2-core machine the minimum is the least disturbed measurement.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRng } from '../core/sampling.ts';
import { renderOrmText, type VerifierMessage } from '../core/verifierPrompt.ts';
import { loadOnnxVerifier } from '../infra/onnx/scorer.ts';
import { runTrainer } from '../dev/trainer.ts';

const TARGET = 1.0; // ONNX in Node should be at least as fast as PyTorch on the same CPU threads

/** Synthetic but realistic-looking candidates: varied issue, trajectory and diff lengths. */
function candidates(n: number, seed: number): string[] {
  const rng = createRng(seed);
  const words = [
    'parser',
    'interval',
    'slug',
    'version',
    'range',
    'csv',
    'dialect',
    'wrap',
    'case',
    'merge',
    'None',
    'raise',
  ];
  const w = (k: number) => Array.from({ length: k }, () => words[Math.floor(rng() * words.length)]).join(' ');
  return Array.from({ length: n }, (_, i) => {
    const messages: VerifierMessage[] = [];
    for (let s = 0; s < 1 + Math.floor(rng() * 8); s++) {
      messages.push({
        role: 'assistant',
        content: `I think ${w(8)}`,
        tool_calls: [
          { function: { name: 'bash', arguments: JSON.stringify({ command: `grep -n "${w(1)}" -r src` }) } },
        ],
      });
      messages.push({ role: 'tool', content: `src/mod_${i}.py:${s}: def ${w(1)}(x):\n    return ${w(6)}` });
    }
    const patch = `diff --git a/src/mod_${i}.py b/src/mod_${i}.py\n--- a/src/mod_${i}.py\n+++ b/src/mod_${i}.py\n@@ -1,2 +1,2 @@\n-    return ${w(4)}\n+    return ${w(5)}\n`;
    return renderOrmText({ problemStatement: `Issue ${i}: ${w(10 + Math.floor(rng() * 40))}`, messages, patch });
  });
}

export default async function bench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: 'string', default: '256' },
      batch: { type: 'string', default: '8' },
      'max-seq-len': { type: 'string', default: '512' },
      hidden: { type: 'string', default: '64' },
      layers: { type: 'string', default: '2' },
      threads: { type: 'string', default: process.env.SWE_FORGE_TORCH_THREADS ?? '2' },
      repeats: { type: 'string', default: '3' },
    },
  });
  const n = Number(values.n);
  const batch = Number(values.batch);
  const maxSeqLen = Number(values['max-seq-len']);
  const threads = Number(values.threads);
  const repeats = Math.max(1, Number(values.repeats));
  const minOf = async (fn: () => Promise<number>) => {
    let best = Infinity;
    for (let i = 0; i < repeats; i++) best = Math.min(best, await fn());
    return best;
  };
  const dir = mkdtempSync(join(tmpdir(), 'swe-forge-bench-verifier-'));
  try {
    const texts = candidates(n, 7);
    writeFileSync(join(dir, 'corpus.txt'), texts.slice(0, 64).join('\n\n'));
    writeFileSync(join(dir, 'texts.json'), JSON.stringify(texts));
    writeFileSync(join(dir, 'one.json'), JSON.stringify(['warm-up']));
    const model = join(dir, 'model');
    const onnxDir = join(dir, 'onnx');
    const hidden = Number(values.hidden);
    await runTrainer(
      'make-tiny-model',
      {
        out_dir: model,
        corpus_files: [join(dir, 'corpus.txt')],
        hidden_size: hidden,
        num_layers: Number(values.layers),
        num_heads: 4,
        num_kv_heads: 2,
        seed: 1,
      },
      dir,
    );
    await runTrainer('export-onnx', { model, out_dir: onnxDir, max_seq_len: maxSeqLen }, dir);

    const v = await loadOnnxVerifier(onnxDir, { device: 'cpu', threads });
    await v.scoreTexts(texts.slice(0, batch), { batchSize: batch }); // warm-up: first runs allocate
    let onnxScores: number[] = [];
    const onnxSec = await minOf(async () => {
      const t0 = performance.now();
      onnxScores = await v.scoreTexts(texts, { batchSize: batch });
      return (performance.now() - t0) / 1000;
    });
    const t1 = performance.now();
    const ids = texts.map((t) => v.encode(t));
    const tokenizeSec = (performance.now() - t1) / 1000;
    await v.release();

    process.env.SWE_FORGE_TORCH_THREADS = String(threads); // the trainer's torch.set_num_threads
    const base = { model, max_seq_len: maxSeqLen, batch_size: batch, device: 'cpu' };
    await runTrainer('score', { ...base, texts_file: join(dir, 'one.json') }, dir); // warm the page cache
    const startupMs = await minOf(
      async () => (await runTrainer('score', { ...base, texts_file: join(dir, 'one.json') }, dir)).wallMs,
    );
    let full = { wallMs: 0, metrics: {} as Record<string, unknown> };
    const fullMs = await minOf(async () => {
      full = await runTrainer('score', { ...base, texts_file: join(dir, 'texts.json') }, dir);
      return full.wallMs;
    });
    const torchSec = Math.max(1e-3, (fullMs - startupMs) / 1000);
    const torchScores = full.metrics.scores as number[];
    const maxAbsDiff = Math.max(...onnxScores.map((s, i) => Math.abs(s - torchScores[i]!)));

    const tokens = ids.reduce((s, x) => s + x.length, 0);
    const onnxRate = n / onnxSec;
    const torchRate = n / torchSec;
    const ratio = onnxRate / torchRate;
    console.log(
      `candidates: ${n}, mean tokens ${(tokens / n).toFixed(0)} (max_seq_len ${maxSeqLen}), batch ${batch}, threads ${threads}`,
    );
    console.log(`model: hidden ${hidden}, layers ${values.layers}`);
    console.log(
      `onnxruntime-node: ${onnxSec.toFixed(2)} s -> ${onnxRate.toFixed(1)} candidates/s (tokenization ${tokenizeSec.toFixed(2)} s of it)`,
    );
    console.log(
      `pytorch (trainer score): wall ${(fullMs / 1000).toFixed(2)} s - start-up ${(startupMs / 1000).toFixed(2)} s = ${torchSec.toFixed(2)} s -> ${torchRate.toFixed(1)} candidates/s`,
    );
    console.log(`max |onnx - pytorch| = ${maxAbsDiff.toExponential(2)}`);
    console.log(
      JSON.stringify({
        bench: 'verifier',
        n,
        batch,
        max_seq_len: maxSeqLen,
        threads,
        repeats,
        onnx_cands_per_s: Number(onnxRate.toFixed(2)),
        torch_cands_per_s: Number(torchRate.toFixed(2)),
        torch_time: 'wall minus start-up (a score run over one text)',
        max_abs_diff: maxAbsDiff,
        ratio: Number(ratio.toFixed(3)),
        target: TARGET,
        ok: ratio >= TARGET && maxAbsDiff <= 1e-4,
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
