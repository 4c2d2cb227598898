// onnxruntime-node scores equal the trainer's PyTorch scores on the same texts (<= 1e-4), because the token ids are
// the same (tokenizers.js vs the Python tokenizer) and the graph is the trainer's own scorer. The tiny model is made
// once for this file by the trainer itself (make-tiny-model, then export-onnx).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxCache } from '../../activities/scoring/onnxSessions.ts';
import { scoreCandidates } from '../../activities/scoring/score.ts';
import { renderOrmText } from '../../core/verifierPrompt.ts';
import { loadOnnxVerifier, type OnnxVerifier } from '../../infra/onnx/scorer.ts';
import { loadVerifierTokenizer } from '../../infra/onnx/tokenizer.ts';
import { startTestStack, type TestStack } from '../../dev/stack.ts';
import { pythonTokenIds, runTrainer } from '../../dev/trainer.ts';

const MAX_SEQ_LEN = 96; // small, so the long texts below exercise left truncation
const PATCH =
  'diff --git a/calc/ops.py b/calc/ops.py\n--- a/calc/ops.py\n+++ b/calc/ops.py\n@@ -1 +1 @@\n-    return a - b\n+    return a + b\n';
const CORPUS = [
  'def add(a, b):\n    return a + b\n\nclass Interval:\n    """A closed interval [lo, hi]."""\n',
  renderOrmText({ problemStatement: 'add() subtracts instead of adding', messages: [], patch: PATCH }),
  'Traceback (most recent call last):\n  File "x.py", line 3, in <module>\nAssertionError: 2 != 4\n'.repeat(3),
  'Unicode: café naïve — “quotes” 中文 русский émoji 🚀 tabs\tand\r\nCRLF lines',
].join('\n\n');

const TEXTS = [
  'hello world',
  '',
  'x',
  'Is it resolved? YES',
  ' YES NO YESNO  YES\tNO',
  '<|im_start|>user\nfix it<|im_end|>\n<tool_call>{"name": "bash"}</tool_call>',
  "I'M HERE, it'S they'LL we'd",
  'cafe\u0301 na\u00efve \u2014 \u201cquotes\u201d \ud83d\ude80 \u4e2d\u6587 \u0440\u0443\u0441',
  'CRLF\r\nline\r\n\r\n  \n\t\tend   ',
  renderOrmText({
    problemStatement: 'add() subtracts instead of adding. '.repeat(20),
    messages: [
      {
        role: 'assistant',
        content: 'Look at ops.py',
        tool_calls: [{ function: { name: 'bash', arguments: '{"command":"cat calc/ops.py"}' } }],
      },
      { role: 'tool', content: 'def add(a, b):\n    return a - b\n' },
    ],
    patch: PATCH,
  }),
  CORPUS,
];

// The stored candidates of the last test, rendered as scoreCandidates must render them; the trainer scores these
// in the same run as TEXTS (one Python start-up fewer).
const PROBLEM = 'add() subtracts instead of adding';
const CAND_MESSAGES = [
  {
    role: 'assistant',
    content: 'Reading the code',
    tool_calls: [{ id: 'c', type: 'function', function: { name: 'bash', arguments: '{"command":"cat calc/ops.py"}' } }],
  },
  { role: 'tool', content: 'def add(a, b):\n    return a - b', tool_call_id: 'c' },
] as const;
const CAND_TEXTS = [
  renderOrmText({ problemStatement: PROBLEM, messages: [...CAND_MESSAGES], patch: PATCH }),
  renderOrmText({ problemStatement: PROBLEM, messages: [], patch: '' }),
];

let dir: string;
let modelDir: string;
let onnxDir: string;
let torchScores: number[];
let verifier: OnnxVerifier;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'swe-forge-onnx-'));
  writeFileSync(join(dir, 'corpus.txt'), CORPUS);
  modelDir = join(dir, 'tiny');
  onnxDir = join(dir, 'onnx');
  await runTrainer(
    'make-tiny-model',
    { out_dir: modelDir, corpus_files: [join(dir, 'corpus.txt')], vocab_size: 512, seed: 3 },
    dir,
  );
  await runTrainer('export-onnx', { model: modelDir, out_dir: onnxDir, max_seq_len: MAX_SEQ_LEN }, dir);
  writeFileSync(join(dir, 'texts.json'), JSON.stringify(TEXTS));
  writeFileSync(join(dir, 'all.json'), JSON.stringify([...TEXTS, ...CAND_TEXTS]));
  const done = await runTrainer(
    'score',
    { model: modelDir, texts_file: join(dir, 'all.json'), max_seq_len: MAX_SEQ_LEN, batch_size: 4, device: 'cpu' },
    dir,
  );
  torchScores = done.metrics.scores as number[];
  verifier = await loadOnnxVerifier(onnxDir, { device: 'cpu' });
}, 300_000);
afterAll(async () => {
  await verifier?.release();
  rmSync(dir, { recursive: true, force: true });
});

describe('tokenizer.json in Node', () => {
  it('gives the Python tokenizer’s token ids on the same texts', async () => {
    const py = await pythonTokenIds(modelDir, join(dir, 'texts.json'));
    const tok = loadVerifierTokenizer(onnxDir);
    const js = TEXTS.map((t) => tok.encode(t, Number.MAX_SAFE_INTEGER));
    // The empty text is the one difference by contract: the scorer feeds [pad] rather than nothing.
    expect(js.map((ids, i) => (TEXTS[i] === '' ? [] : ids))).toEqual(py);
    expect(py.some((ids) => ids.length > MAX_SEQ_LEN)).toBe(true);
  });

  it('keeps the last max_seq_len ids and never returns an empty sequence', () => {
    const tok = loadVerifierTokenizer(onnxDir);
    const full = tok.encode(CORPUS, Number.MAX_SAFE_INTEGER);
    expect(tok.encode(CORPUS)).toEqual(full.slice(full.length - MAX_SEQ_LEN));
    expect(tok.encode('')).toEqual([tok.meta.pad_token_id]);
  });
});

describe('onnxruntime-node verifier', () => {
  it('matches the trainer’s PyTorch scores within 1e-4', async () => {
    expect(verifier.provider).toBe('cpu');
    const scores = await verifier.scoreTexts(TEXTS, { batchSize: 4 });
    expect(scores).toHaveLength(TEXTS.length);
    const diffs = scores.map((s, i) => Math.abs(s - torchScores[i]!));
    expect(Math.max(...diffs)).toBeLessThanOrEqual(1e-4);
    // A random tiny model still separates texts: equal scores everywhere would make the comparison vacuous.
    expect(new Set(scores.map((s) => s.toFixed(4))).size).toBeGreaterThan(3);
  });

  it('does not depend on how texts are batched', async () => {
    const one = await verifier.scoreTexts(TEXTS, { batchSize: 1 });
    const all = await verifier.scoreTexts(TEXTS, { batchSize: TEXTS.length });
    one.forEach((s, i) => expect(Math.abs(s - all[i]!)).toBeLessThanOrEqual(1e-5));
  });

  it('bounds a batch by rows x width², so long texts go in smaller batches than short ones', async () => {
    const ids = TEXTS.map((t) => verifier.encode(t));
    const widths = ids.map((x) => x.length).sort((a, b) => a - b);
    const longest = widths.at(-1)!;
    // Room for two rows of the longest width: the short texts still share batches, the longest ones pair up.
    const done: number[] = [];
    const bounded = await verifier.scoreIds(ids, {
      batchSize: 64,
      maxBatchCells: 2 * longest ** 2,
      onBatch: (d) => done.push(d),
    });
    const sizes = done.map((d, i) => d - (done[i - 1] ?? 0));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(ids.length);
    expect(Math.max(...sizes)).toBeGreaterThan(2); // the short ones together
    expect(sizes.at(-1)).toBeLessThanOrEqual(2); // the long ones at most two at a time
    for (let b = 0, start = 0; b < sizes.length; start += sizes[b]!, b++)
      expect(sizes[b]! * widths[start + sizes[b]! - 1]! ** 2).toBeLessThanOrEqual(2 * longest ** 2);
    const free = await verifier.scoreIds(ids, { batchSize: 64, maxBatchCells: Infinity });
    bounded.forEach((s, i) => expect(Math.abs(s - free[i]!)).toBeLessThanOrEqual(1e-5));
  });

  it('names the field when the export is missing or inconsistent', async () => {
    await expect(loadOnnxVerifier(join(dir, 'nowhere'))).rejects.toThrow(/verifierDir: scorer.json missing/);
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'scorer.json'), JSON.stringify({ yes_token_id: 1, no_token_id: 2, max_seq_len: 0 }));
    await expect(loadOnnxVerifier(bad)).rejects.toThrow(/scorer.json field 'max_seq_len'/);
  });
});

describe('scoreCandidates (onnx backend) over stored rollouts', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ temporal: false, prefix: 'onnx' });
  });
  afterAll(async () => stack?.stop());

  it('renders each candidate, scores it as the trainer would, and stores the scores', async () => {
    const pool = stack.pool!;
    await pool.query(
      `insert into tasks (instance_id, repo, base_commit, data) values ('calc-1', 'mini/calc', 'abc1234', $1)`,
      [
        {
          problem_statement: PROBLEM,
          test_patch: '',
          FAIL_TO_PASS: '["tests/test_ops.py::test_add"]',
          PASS_TO_PASS: '[]',
        },
      ],
    );
    const trajectory = join(dir, 'traj.jsonl');
    writeFileSync(trajectory, CAND_MESSAGES.map((m) => JSON.stringify(m)).join('\n'));
    const ids: number[] = [];
    for (const [sample, patch, traj] of [
      [0, PATCH, trajectory],
      [1, '', null],
    ] as const) {
      const { rows } = await pool.query<{ id: string }>(
        `insert into rollouts (run_id, stage, task_id, sample, model, exit_reason, outcome, patch, trajectory_path)
         values ('fake-onnx-run', 'tts', 'calc-1', $1, 'm', 'submitted', 'unresolved', $2, $3) returning id`,
        [sample, patch, traj],
      );
      ids.push(Number(rows[0]!.id));
    }
    const cache = new OnnxCache();
    const res = await scoreCandidates({ pool }, cache, {
      runId: 'fake-onnx-run',
      backend: 'onnx',
      verifierDir: onnxDir,
      rolloutIds: ids,
    });
    expect(res.scores.map((s) => s.rolloutId)).toEqual(ids);
    res.scores.forEach((s, i) => expect(Math.abs(s.score - torchScores[TEXTS.length + i]!)).toBeLessThanOrEqual(1e-4));
    const stored = await pool.query<{ rollout_id: string; score: number }>(
      'select rollout_id, score from verifier_scores where run_id = $1 order by rollout_id',
      ['fake-onnx-run'],
    );
    expect(stored.rows.map((r) => [Number(r.rollout_id), r.score])).toEqual(
      res.scores.map((s) => [s.rolloutId, s.score]),
    );
    expect(cache.size).toBe(1); // the session is loaded once per export, then reused
    await scoreCandidates({ pool }, cache, {
      runId: 'fake-onnx-run',
      backend: 'onnx',
      verifierDir: onnxDir,
      rolloutIds: ids,
    });
    expect(cache.size).toBe(1);
    await expect(
      scoreCandidates({ pool }, cache, {
        runId: 'fake-onnx-run',
        backend: 'onnx',
        verifierDir: onnxDir,
        rolloutIds: [ids[0]!, 999999],
      }),
    ).rejects.toThrow(/rolloutIds: no rollout with id 999999/);
  });

  it('releases a session once idle, reuses it while in use, and reloads it when needed again', async () => {
    const loads: string[] = [];
    const released: string[] = [];
    const cache = new OnnxCache({
      idleMs: 50,
      load: async (dir, o) => {
        loads.push(dir);
        const v = await loadOnnxVerifier(dir, o);
        return { ...v, release: () => (released.push(dir), v.release()) };
      },
    });
    const score = () => cache.use(onnxDir, 'cpu', (v) => v.scoreTexts(['hello world', 'x']));
    const [a, b] = await Promise.all([score(), score()]); // two users at once share one session
    expect(a).toEqual(b);
    expect(loads).toHaveLength(1);
    expect(cache.size).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(cache.size).toBe(0);
    expect(released).toEqual([onnxDir]);
    expect(await score()).toEqual(a);
    expect(loads).toHaveLength(2);
    await cache.releaseIdle();
    expect(released).toHaveLength(2);
    await expect(cache.use(join(onnxDir, 'nope'), 'cpu', async () => 1)).rejects.toThrow(
      /verifierDir: .* has no model\.onnx/,
    );
  });
});
