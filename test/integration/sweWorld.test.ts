// The sweWorld stage's data and measurement against real Postgres (issue 14): training rows come from the
// recorded per-test statuses of the training tasks only, the held-out executions are every recorded run of the
// held-out tasks (the same for SWE-World and the ORM), and the metrics come from grading the simulated reports.
// The scorer here is a FAKE (a function of the text, no model): the point is the bookkeeping, not a model.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REASONING_CLOSE, REASONING_OPEN } from '../../activities/scoring/reasoning.ts';
import { measureVerifier, prepareVerifierData } from '../../activities/scoring/verifierData.ts';
import { ModelEndpointSchema } from '../../config/schema.ts';
import { startTestStack, type TestStack } from '../../dev/stack.ts';

const RUN = 'sweworld-split-run';
const TASKS = Array.from({ length: 8 }, (_, i) => `sw-${i}`);
const F = 't.py::test_f';
const P = 't.py::test_p';
let stack: TestStack;
let settings: { artifactsDir: string };

async function rollout(stage: string, task: string, sample: number, outcome: string, patch: string, tests: unknown) {
  await stack.pool!.query(
    `insert into rollouts (run_id, stage, task_id, sample, model, exit_reason, outcome, masked, patch, test_statuses)
     values ($1, $2, $3, $4, 'm', 'submitted', $5, false, $6, $7)`,
    [RUN, stage, task, sample, outcome, patch, tests === null ? null : JSON.stringify(tests)],
  );
}

beforeAll(async () => {
  stack = await startTestStack({ temporal: false, prefix: 'sweworld' });
  settings = { artifactsDir: join(stack.dir, 'artifacts') };
  for (const t of TASKS) {
    await stack.pool!.query(
      `insert into tasks (instance_id, repo, base_commit, data) values ($1, 'mini/x', 'abc1234', $2)`,
      [t, { problem_statement: `issue of ${t}`, test_patch: '', FAIL_TO_PASS: [F], PASS_TO_PASS: [P] }],
    );
    const diff = (what: string) => `diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-x\n+${what}\n`;
    await rollout('distill', t, 0, 'resolved', diff('good'), { [F]: 'PASSED', [P]: 'PASSED' });
    await rollout('difficulty', t, 0, 'unresolved', diff('bad'), { [F]: 'FAILED', [P]: 'PASSED' });
    await rollout('difficulty', t, 1, 'unresolved', '', null); // an empty diff: nothing executed
    await rollout('tts', t, 0, 'resolved', diff('tts-candidate'), { [F]: 'PASSED', [P]: 'PASSED' });
  }
});
afterAll(async () => stack?.stop());

const rowsOf = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { text: string; label: number });

describe('prepareVerifierData', () => {
  it('splits by task: no training row comes from a held-out task; held-out = its recorded executions', async () => {
    const deps = { pool: stack.pool!, settings };
    const sw = await prepareVerifierData(deps, { runId: RUN, kind: 'swe_world', balance: true, heldOutFraction: 0.25 });
    expect(sw.heldOut.taskIds).toHaveLength(2);
    expect(sw.trainTasks).toHaveLength(6);
    const rows = rowsOf(sw.train.path);
    for (const t of sw.heldOut.taskIds) expect(rows.some((r) => r.text.includes(`issue of ${t}\n`))).toBe(false);
    for (const t of sw.trainTasks) expect(rows.some((r) => r.text.includes(`issue of ${t}\n`))).toBe(true);
    expect(rows.some((r) => r.text.includes('tts-candidate'))).toBe(false);
    // One row per listed test of every training candidate (the empty diff: the repository as it was).
    expect(rows).toHaveLength(6 * 3 * 2);
    const labelOf = (what: string, test: string) =>
      rows.filter((r) => r.text.includes(`+${what}`) && r.text.includes(`(${test})\nt.py`)).map((r) => r.label);
    expect(new Set(labelOf('good', 'FAIL_TO_PASS'))).toEqual(new Set([1]));
    expect(new Set(labelOf('bad', 'FAIL_TO_PASS'))).toEqual(new Set([0]));
    expect(new Set(labelOf('bad', 'PASS_TO_PASS'))).toEqual(new Set([1]));
    expect(sw.heldOut.rolloutIds).toHaveLength(2 * 2); // good + bad per held-out task; not the empty diff
    // The ORM is measured on exactly the same executions.
    const orm = await prepareVerifierData(deps, { runId: RUN, kind: 'orm', balance: false, heldOutFraction: 0.25 });
    expect(orm.heldOut).toEqual(sw.heldOut);
    expect(rowsOf(orm.train.path)).toHaveLength(6 * 3);
  });
});

describe('measureVerifier', () => {
  it('grades the simulated report into the reward and scores it against what execution said', async () => {
    const deps = { pool: stack.pool!, settings };
    const data = await prepareVerifierData(deps, {
      runId: RUN,
      kind: 'swe_world',
      balance: false,
      heldOutFraction: 0.25,
    });
    const input = {
      runId: RUN,
      kind: 'swe_world' as const,
      verifierDir: '(fake)',
      checkpointId: 'ck',
      rolloutIds: data.heldOut.rolloutIds,
      heldOutTasks: data.heldOut.taskIds,
    };
    // A fake simulator that believes every test passes with the good patch and every test fails with the bad one.
    const m = await measureVerifier(deps, input, async (texts) => texts.map((t) => (t.includes('+good') ? 0.9 : 0.2)));
    expect(m).toMatchObject({ n: 4, tasks: 2, positives: 2, rewardAccuracy: 1, precision: 1, recall: 1 });
    expect(m.testStatusAccuracy).toBeCloseTo(6 / 8); // the bad patch's PASS_TO_PASS test really passed
    // One predicted failure of a PASS_TO_PASS test is enough for the grading function to withhold the reward.
    const strict = await measureVerifier(deps, input, async (texts) =>
      texts.map((t) => (t.includes('+good') && t.includes('(FAIL_TO_PASS)') ? 0.9 : 0.2)),
    );
    expect(strict).toMatchObject({ rewardAccuracy: 0.5, precision: null, recall: 0 });
  });
});

describe('report rows for a generative simulator', () => {
  it('targets are the recorded reports, graded; a teacher chain goes in front, marked, when one is configured', async () => {
    const deps = { pool: stack.pool!, settings };
    const plain = await prepareVerifierData(deps, {
      runId: RUN,
      kind: 'swe_world',
      balance: true,
      heldOutFraction: 0.25,
    });
    const file = join(settings.artifactsDir, 'runs', RUN, 'datasets', 'verifier-swe_world-reports.jsonl');
    const rows = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(plain.train.stats).toMatchObject({ reportRows: 18, reasoningRows: 0 });
    expect(rows.map((r) => r.target)).toContain(`${F} FAILED\n${P} PASSED\nREWARD: 0`);
    expect(rows.map((r) => r.target)).toContain(`${F} PASSED\n${P} PASSED\nREWARD: 1`);
    // A FAKE teacher (a test stand-in answering every request with one sentence), no model behind it.
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        const message = { role: 'assistant', content: 'The patch changes m.py, so test_f now sees the new value.' };
        res.end(
          JSON.stringify({
            id: 'f',
            object: 'chat.completion',
            created: 0,
            model: 't',
            choices: [{ index: 0, message, finish_reason: 'stop' }],
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const reasoner = ModelEndpointSchema.parse({
        name: 'teacher',
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
      });
      const taught = await prepareVerifierData(deps, {
        runId: RUN,
        kind: 'swe_world',
        balance: true,
        heldOutFraction: 0.25,
        reasoner,
      });
      expect(taught.train.stats).toMatchObject({ reportRows: 18, reasoningRows: 18 });
      const chained = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(chained[0].reasoning).toBe('teacher');
      expect(chained[0].target.startsWith(`${REASONING_OPEN}\nThe patch changes m.py`)).toBe(true);
      expect(chained[0].target.endsWith(`${REASONING_CLOSE}\n${rows[0].target}`)).toBe(true);
    } finally {
      server.close();
    }
  });
});
