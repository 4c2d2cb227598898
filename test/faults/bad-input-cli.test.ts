// Scenario 6, part 1: bad input through the `swe-forge` command (separate processes, real Postgres and Docker):
// malformed task rows, a config with wrong types, a patch that does not apply, a hanging test, and a test that
// prints 100 MB. Each ends with its documented outcome and a message that names what was wrong.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TaskInstance } from '../../core/task.ts';
import { makeCalcRepo, type CalcRepo } from '../fixtures/calcRepo.ts';
import { removeRunContainers, removeTaskImages } from '../../dev/dockerCleanup.ts';
import { startTestStack, type TestStack } from '../../dev/stack.ts';
import { lastJson, sweForge, type CliResult } from './lib/cli.ts';
import { printFaultTable, scenario } from './lib/results.ts';
import { connectDocker } from '../../infra/docker.ts';

const FILE = 'bad-input-cli.test.ts';
const EVAL_RUN = 'faults-bad-input-eval';
let stack: TestStack;
let repo: CalcRepo;
let env: NodeJS.ProcessEnv;
let evaluation: Promise<CliResult>;

/** A task row as SWE-bench files it (test lists as JSON-encoded strings), under our own instance id. */
const swebenchRow = (t: TaskInstance, id: string) => ({
  ...t,
  instance_id: id,
  FAIL_TO_PASS: JSON.stringify(t.FAIL_TO_PASS),
  PASS_TO_PASS: JSON.stringify(t.PASS_TO_PASS),
});

beforeAll(async () => {
  stack = await startTestStack({ temporal: false, prefix: 'faults-bad-input-cli' });
  repo = makeCalcRepo('faults', stack.dir);
  env = { ...process.env, DATABASE_URL: stack.pg!.url, SWE_FORGE_DATA: stack.dir };
  const imported = await sweForge(['tasks', 'import', 'tasks/mini/tasks.jsonl', '--json'], env);
  if (imported.code !== 0) throw new Error(`tasks import: ${imported.stderr}`);
}, 600_000);
afterAll(async () => {
  await evaluation?.catch(() => undefined);
  const docker = await connectDocker();
  await removeRunContainers(docker, EVAL_RUN);
  // Built from a repository made for this run (new commit ids each time): nothing to reuse later.
  await removeTaskImages(docker, 'faults__calc-');
  const pgDir = stack?.pg?.dataDir;
  await stack?.stop();
  if (pgDir) rmSync(pgDir, { recursive: true, force: true });
  if (repo) rmSync(repo.root, { recursive: true, force: true });
  printFaultTable();
});

it('malformed task rows: reported by line and field, the good rows stored, exit 2', { timeout: 300_000 }, async () => {
  await scenario(
    '6.1 malformed task rows (tasks import)',
    'exit 2; each bad row named by line and field; good rows imported',
    FILE,
    async ({ saw }) => {
      const good = [
        swebenchRow(repo.tasks.hang, 'faults__calc-hang'),
        swebenchRow(repo.tasks.bigOutput, 'faults__calc-loud'),
      ];
      const { base_commit: _drop, ...noBase } = swebenchRow(repo.tasks.calc, 'faults__calc-nobase');
      const lines = [
        ...good.map((r) => JSON.stringify(r)),
        '{"instance_id": "faults__calc-broken", "repo": ',
        JSON.stringify(noBase),
        JSON.stringify({
          ...swebenchRow(repo.tasks.calc, 'faults__calc-f2p'),
          FAIL_TO_PASS: 'tests/test_add.py::test_add',
        }),
        JSON.stringify({ ...swebenchRow(repo.tasks.calc, 'faults__calc-ghost'), base_commit: 'f'.repeat(40) }),
      ];
      const file = join(stack.dir, 'bad-rows.jsonl');
      writeFileSync(file, `${lines.join('\n')}\n`);
      const r = await sweForge(['tasks', 'import', file, '--repo', `fixture/calc=${repo.dir}`, '--json'], env);
      // The evaluation tests below use the two good rows: start it now, it runs while the rest is checked.
      const predictions = join(stack.dir, 'predictions.jsonl');
      const pred = (instance_id: string, model_patch: string) =>
        JSON.stringify({ instance_id, model_name_or_path: 'faults', model_patch });
      const garbage =
        'diff --git a/textkit/slug.py b/textkit/slug.py\n--- a/textkit/slug.py\n+++ b/textkit/slug.py\n@@ -400,3 +400,3 @@\n-this line is not there\n+nor is this one\n';
      writeFileSync(
        predictions,
        [
          pred('faults__calc-hang', repo.tasks.hang.patch),
          pred('faults__calc-loud', repo.tasks.bigOutput.patch),
          pred('mini__textkit-3', garbage),
        ].join('\n'),
      );
      evaluation = sweForge(
        [
          'evaluate',
          '--predictions',
          predictions,
          '--run-id',
          EVAL_RUN,
          '--timeout',
          '20',
          '--concurrency',
          '3',
          '--json',
        ],
        env,
        400_000,
      );
      const out = lastJson<{ imported: number; errors: { line: number; field: string; message: string }[] }>(r.stdout);
      saw(
        `exit ${r.code}; imported ${out.imported}; errors: ${out.errors.map((e) => `line ${e.line} ${e.field}: ${e.message.slice(0, 60)}`).join(' / ')}`,
      );
      expect(r.code).toBe(2);
      expect(out.imported).toBe(2);
      const byLine = new Map(out.errors.map((e) => [e.line, e]));
      expect([...byLine.keys()].sort()).toEqual([3, 4, 5, 6]);
      expect(byLine.get(3)!.message).toMatch(/JSON/i);
      expect(byLine.get(4)!.field).toBe('base_commit');
      expect(byLine.get(5)!.field).toBe('FAIL_TO_PASS');
      expect(byLine.get(6)).toMatchObject({ field: 'base_commit' });
      expect(byLine.get(6)!.message).toMatch(/not in/);
    },
  );
});

it('a config with wrong types: every bad field named by its dotted path, exit 2', { timeout: 120_000 }, async () => {
  await scenario(
    '6.2 config with wrong types (config check)',
    'exit 2; each field named by dotted path with expected vs received',
    FILE,
    async ({ saw }) => {
      const file = join(stack.dir, 'bad.yaml');
      writeFileSync(
        file,
        'preset: demo\nname: bad-types\nagent:\n  maxTurns: "many"\nsandbox:\n  memoryMb: -1\nstages:\n  rl:\n    groupSize: 1\n',
      );
      const r = await sweForge(['config', 'check', file, '--json'], env);
      saw(
        `exit ${r.code}; ${r.stderr
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => l.trim())
          .join(' / ')}`,
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/agent\.maxTurns: .*number.*received.*string/i);
      expect(r.stderr).toMatch(/sandbox\.memoryMb: /);
      expect(r.stderr).toMatch(/stages\.rl\.groupSize: /);
    },
  );
});

interface InstanceResult {
  outcome: string;
  message: string;
  logTail: string;
}
const instance = (id: string) =>
  JSON.parse(readFileSync(join(stack.dir, 'evaluations', EVAL_RUN, `${id}.json`), 'utf8')) as InstanceResult;

it('a patch that does not apply: error (patch_failed), not infra_error', { timeout: 420_000 }, async () => {
  await scenario(
    '6.3 a patch that does not apply (evaluate)',
    "the harness's error (patch_failed), not an infrastructure error (exit 0); the message says why",
    FILE,
    async ({ saw }) => {
      const r = await evaluation;
      const report = lastJson<{ patch_failed_ids: string[]; infra_error_ids: string[]; error_ids: string[] }>(r.stdout);
      const res = instance('mini__textkit-3');
      saw(`exit ${r.code}; outcome ${res.outcome}; ${res.message.split('\n')[0]!.slice(0, 120)}`);
      expect(r.code).toBe(0);
      expect(res.outcome).toBe('patch_failed');
      expect(report.patch_failed_ids).toEqual(['mini__textkit-3']);
      expect(report.error_ids).toEqual(['mini__textkit-3']);
      expect(report.infra_error_ids).toEqual([]);
      expect(res.message).toMatch(/apply|patch/i);
    },
  );
});

it('a hanging test: cut at the test timeout and graded unresolved', { timeout: 420_000 }, async () => {
  await scenario(
    '6.4 a hanging test (evaluate --timeout 20)',
    'the test run is cut at its timeout; unresolved, not an error',
    FILE,
    async ({ saw }) => {
      const r = await evaluation;
      const res = instance('faults__calc-hang');
      saw(`outcome ${res.outcome}; ${res.message.split('\n')[0]!.slice(0, 120)}`);
      expect(res.outcome).toBe('unresolved');
      expect(res.message).toMatch(/timed out after 20s/);
      // The one counting difference from the harness (which files a timeout as an error), shown in the report.
      expect(lastJson<{ timed_out_ids: string[] }>(r.stdout).timed_out_ids).toEqual(['faults__calc-hang']);
    },
  );
});

it('a test printing 100 MB: graded correctly, output bounded', { timeout: 420_000 }, async () => {
  await scenario(
    '6.5 100 MB of test output (evaluate)',
    'graded as usual (the gold patch resolves it); the log kept is bounded',
    FILE,
    async ({ saw }) => {
      const r = await evaluation;
      const res = instance('faults__calc-loud');
      saw(`outcome ${res.outcome}; log tail kept ${res.logTail.length} chars; CLI stdout ${r.stdout.length} bytes`);
      expect(res.outcome).toBe('resolved');
      expect(res.logTail.length).toBeLessThanOrEqual(17_000);
      expect(r.stdout.length).toBeLessThan(100_000);
    },
  );
});
