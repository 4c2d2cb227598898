// Verifier datasets from stored rollouts, and the llm verifier backend against a FAKE OpenAI-compatible endpoint
// (a test stand-in that answers with fixed log-probabilities / reports; no model behind it).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildVerifierDataset } from '../../activities/scoring/dataset.ts';
import { pYesFromTopLogprobs } from '../../activities/scoring/llm.ts';
import { scoreCandidates } from '../../activities/scoring/score.ts';
import { OnnxCache } from '../../activities/scoring/onnxSessions.ts';
import { ModelEndpointSchema } from '../../config/schema.ts';
import { ORM_QUESTION, renderOrmText } from '../../core/verifierPrompt.ts';
import { startTestStack, type TestStack } from '../../dev/stack.ts';

const RUN = 'fake-scoring-run';
let stack: TestStack;
let settings: { artifactsDir: string };
const ids: Record<string, number> = {};

async function rollout(
  key: string,
  stage: string,
  task: string,
  sample: number,
  outcome: string | null,
  masked = false,
) {
  const { rows } = await stack.pool!.query<{ id: string }>(
    `insert into rollouts (run_id, stage, task_id, sample, model, exit_reason, outcome, masked, patch)
     values ($1, $2, $3, $4, 'm', 'submitted', $5, $6, $7) returning id`,
    [RUN, stage, task, sample, outcome, masked, `diff --git a/f.py b/f.py\n+fix ${key}\n`],
  );
  ids[key] = Number(rows[0]!.id);
}

beforeAll(async () => {
  stack = await startTestStack({ temporal: false, prefix: 'scoring' });
  settings = { artifactsDir: join(stack.dir, 'artifacts') };
  for (const t of ['ta', 'tb']) {
    await stack.pool!.query(
      `insert into tasks (instance_id, repo, base_commit, data) values ($1, 'mini/x', 'abc1234', $2)`,
      [
        t,
        {
          problem_statement: `issue of ${t}`,
          test_patch: 'diff --git a/t.py b/t.py\n',
          FAIL_TO_PASS: '["t.py::test_a"]',
          PASS_TO_PASS: ['t.py::test_b'],
        },
      ],
    );
  }
  await rollout('d0', 'distill', 'ta', 0, 'resolved');
  await rollout('d1', 'distill', 'ta', 1, 'resolved');
  await rollout('d2', 'distill', 'tb', 0, 'unresolved');
  await rollout('d3', 'difficulty', 'tb', 0, 'patch_failed');
  await rollout('d4', 'difficulty', 'ta', 0, 'resolved');
  await rollout('masked', 'distill', 'tb', 1, 'infra_error', true);
  await rollout('tts0', 'tts', 'ta', 0, 'resolved');
  await rollout('tts1', 'tts', 'tb', 0, 'unresolved');
});
afterAll(async () => stack?.stop());

const readRows = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('buildVerifierDataset', () => {
  it('orm: one {text,label} row per graded training rollout; never masked or test-time ones', async () => {
    const ref = await buildVerifierDataset(
      { pool: stack.pool!, settings },
      { runId: RUN, kind: 'orm', balance: false },
    );
    const rows = readRows(ref.path);
    expect(ref).toMatchObject({ datasetId: `${RUN}/verifier-orm`, rows: 5 });
    expect(ref.stats).toMatchObject({
      candidates: 5,
      positives: 3,
      negatives: 2,
      droppedForBalance: 0,
      from_distill: 3,
      from_difficulty: 2,
      from_rl: 0,
    });
    expect(rows.map((r) => r.label)).toEqual([1, 0, 1, 1, 0]); // ordered by stage, task, sample: d4 d3 d0 d1 d2
    expect(rows.every((r) => typeof r.text === 'string' && r.text.endsWith(ORM_QUESTION))).toBe(true);
    expect(rows.some((r) => r.text.includes('fix tts') || r.text.includes('fix masked'))).toBe(false);
    expect(rows[0].text).toBe(
      renderOrmText({ problemStatement: 'issue of ta', messages: [], patch: 'diff --git a/f.py b/f.py\n+fix d4\n' }),
    );
    const stored = await stack.pool!.query('select kind, rows, path from datasets where id = $1', [ref.datasetId]);
    expect(stored.rows[0]).toEqual({ kind: 'verifier-orm', rows: 5, path: ref.path });
  });

  it('balance downsamples the majority label, the same way every time', async () => {
    const a = await buildVerifierDataset({ pool: stack.pool!, settings }, { runId: RUN, kind: 'orm', balance: true });
    const rowsA = readRows(a.path);
    expect(a.stats).toMatchObject({ rows: 4, positives: 2, negatives: 2, droppedForBalance: 1 });
    const b = await buildVerifierDataset({ pool: stack.pool!, settings }, { runId: RUN, kind: 'orm', balance: true });
    expect(readRows(b.path)).toEqual(rowsA);
  });

  it('swe_world: {prompt,target} rows whose targets end in the reward the outcome implies', async () => {
    const ref = await buildVerifierDataset(
      { pool: stack.pool!, settings },
      { runId: RUN, kind: 'swe_world', balance: false },
    );
    const rows = readRows(ref.path);
    expect(rows.map((r) => r.target.split('\n').pop())).toEqual([
      'REWARD: 1',
      'REWARD: 0',
      'REWARD: 1',
      'REWARD: 1',
      'REWARD: 0',
    ]);
    expect(rows[1].target).toBe('The candidate patch does not apply.\nREWARD: 0');
    expect(rows[2].target).toBe('t.py::test_a PASSED\nt.py::test_b PASSED\nREWARD: 1');
    expect(rows[2].prompt).toContain('FAIL_TO_PASS:\n- t.py::test_a');
  });

  it('refuses to balance a run with one label only, naming the field', async () => {
    await rollout('rl0', 'rl', 'ta', 0, 'resolved'); // rl has resolved rollouts only
    await expect(
      buildVerifierDataset({ pool: stack.pool!, settings }, { runId: RUN, kind: 'orm', balance: true, stages: ['rl'] }),
    ).rejects.toThrow(/balance: run fake-scoring-run has 1 resolved and 0 unresolved/);
    await expect(
      buildVerifierDataset({ pool: stack.pool!, settings }, { runId: 'fake-empty', kind: 'orm', balance: false }),
    ).rejects.toThrow(/runId: run fake-empty has no graded, unmasked rollouts/);
  });
});

describe('llm verifier backend', () => {
  let server: Server;
  let baseUrl: string;
  const requests: { path: string; body: Record<string, unknown> }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (d) => (raw += d));
      req.on('end', () => {
        const body = JSON.parse(raw) as Record<string, unknown>;
        requests.push({ path: req.url ?? '', body });
        const text = String(body.prompt ?? (body.messages as { content: string }[] | undefined)?.[0]?.content ?? '');
        // The stand-in's fixed answers: P(YES) = 0.3, P(NO) = 0.1 for task ta; no verdict at all for task tb.
        const top = text.includes('issue of ta')
          ? { ' YES': Math.log(0.3), ' NO': Math.log(0.1), ' maybe': Math.log(0.5) }
          : { ' maybe': -0.1 };
        const reply = req.url?.endsWith('/chat/completions')
          ? {
              choices: [
                {
                  index: 0,
                  message: { role: 'assistant', content: 'x' },
                  logprobs: {
                    content: [
                      {
                        token: 'YES',
                        logprob: 0,
                        top_logprobs: Object.entries(top).map(([token, logprob]) => ({ token: token.trim(), logprob })),
                      },
                    ],
                  },
                },
              ],
            }
          : {
              choices: [
                {
                  index: 0,
                  text: body.max_tokens === 1 ? ' YES' : 't.py::test_a PASSED\nREWARD: 1',
                  logprobs: { top_logprobs: [top] },
                },
              ],
            };
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({ id: 'fake', object: 'text_completion', created: 0, model: 'fake-verifier', ...reply }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const endpoint = () => ModelEndpointSchema.parse({ name: 'fake-verifier', baseUrl, maxTokens: 256 });

  it('p(YES) = P(YES) / (P(YES) + P(NO)) from the top log-probs', () => {
    expect(
      pYesFromTopLogprobs([
        { token: ' YES', logprob: Math.log(0.3) },
        { token: 'no', logprob: Math.log(0.1) },
      ]),
    ).toBeCloseTo(0.75, 12);
    expect(
      pYesFromTopLogprobs([
        { token: 'Yes', logprob: Math.log(0.2) },
        { token: ' YES', logprob: Math.log(0.2) },
      ]),
    ).toBe(1);
    expect(pYesFromTopLogprobs([{ token: 'maybe', logprob: 0 }])).toBeNull();
  });

  it('orm through /v1/completions: the rendered text as prompt, one token, 0.5 when there is no verdict', async () => {
    requests.length = 0;
    const res = await scoreCandidates({ pool: stack.pool! }, new OnnxCache(), {
      runId: RUN,
      backend: 'llm',
      verifier: endpoint(),
      rolloutIds: [ids.tts0!, ids.tts1!],
    });
    expect(res.scores).toEqual([
      { rolloutId: ids.tts0, score: expect.closeTo(0.75, 9) },
      { rolloutId: ids.tts1, score: 0.5 },
    ]);
    const first = requests.find((r) => String(r.body.prompt).includes('issue of ta'))!;
    expect(first.path).toBe('/v1/completions');
    expect(first.body).toMatchObject({ model: 'fake-verifier', max_tokens: 1, temperature: 0, logprobs: 20 });
    expect(String(first.body.prompt).endsWith(ORM_QUESTION)).toBe(true);
    const stored = await stack.pool!.query('select backend, verifier from verifier_scores where rollout_id = $1', [
      ids.tts0,
    ]);
    expect(stored.rows).toEqual([{ backend: 'llm', verifier: 'fake-verifier:orm' }]);
  });

  it('orm through chat completions with top_logprobs', async () => {
    requests.length = 0;
    const res = await scoreCandidates({ pool: stack.pool! }, new OnnxCache(), {
      runId: RUN,
      backend: 'llm',
      api: 'chat',
      verifier: endpoint(),
      rolloutIds: [ids.tts0!],
    });
    expect(res.scores[0]!.score).toBeCloseTo(0.75, 9);
    expect(requests[0]!.path).toBe('/v1/chat/completions');
    expect(requests[0]!.body).toMatchObject({ logprobs: true, top_logprobs: 20, max_tokens: 1 });
  });

  it('swe_world: the score is the harness grading of the written report, not its REWARD line', async () => {
    requests.length = 0;
    const res = await scoreCandidates({ pool: stack.pool! }, new OnnxCache(), {
      runId: RUN,
      backend: 'llm',
      kind: 'swe_world',
      verifier: endpoint(),
      rolloutIds: [ids.tts1!],
    });
    // The fake report says `REWARD: 1` but never mentions t.py::test_b (PASS_TO_PASS): graded, that is a failure.
    expect(res.scores).toEqual([{ rolloutId: ids.tts1, score: 0 }]);
    expect(requests[0]!.body).toMatchObject({ max_tokens: 256, temperature: 0 });
    expect(String(requests[0]!.body.prompt)).toContain('## Simulated test report');
  });

  it('needs an endpoint URL, and says which field', async () => {
    await expect(
      scoreCandidates({ pool: stack.pool! }, new OnnxCache(), {
        runId: RUN,
        backend: 'llm',
        verifier: ModelEndpointSchema.parse({ name: 'v' }),
        rolloutIds: [ids.tts0!],
      }),
    ).rejects.toThrow(/verifier.baseUrl/);
    await expect(
      scoreCandidates({ pool: stack.pool! }, new OnnxCache(), { runId: RUN, backend: 'onnx', rolloutIds: [ids.tts0!] }),
    ).rejects.toThrow(/verifierDir: required/);
  });
});
