// Importing tasks into Postgres (bad rows reported by line and field, good rows kept; no source; a base_commit
// the source lacks) and the CLI end to end: tasks import / list / build / validate and evaluate's report.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.ts';
import { prepareImport } from '../../activities/tasks/importFile.ts';
import { createTaskStore } from '../../activities/tasks/store.ts';
import { connectDocker } from '../../infra/docker.ts';
import { makeCalcRepo, type CalcRepo } from '../fixtures/calcRepo.ts';
import { removeTaskImages } from '../../dev/dockerCleanup.ts';
import { startTestStack, type TestStack } from '../../dev/stack.ts';

const TAG = `${process.pid}i`;
let stack: TestStack;
let repo: CalcRepo;
let docker: Docker;
let dir: string;
let file: string;
let bundle: string;

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'swe-forge.mjs');
function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: stack.pg!.url, SWE_FORGE_DATA: join(stack.dir, 'data') },
    timeout: 300_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const jsonLines = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

beforeAll(async () => {
  stack = await startTestStack({ temporal: false, prefix: 'harness-import' });
  docker = await connectDocker();
  repo = makeCalcRepo(TAG);
  dir = join(stack.dir, 'suite');
  mkdirSync(join(dir, 'repos'), { recursive: true });
  bundle = join(dir, 'repos', 'calc.bundle');
  execFileSync('git', ['bundle', 'create', '-q', bundle, '--all'], { cwd: repo.dir });
  const { calc, hang, bigOutput } = repo.tasks;
  const lines = [
    JSON.stringify(calc),
    '{"instance_id": "truncated", "repo": ',
    JSON.stringify({ ...calc, instance_id: `nosource-${TAG}`, repo: 'other/lib' }),
    JSON.stringify({ ...calc, instance_id: `nobase-${TAG}`, base_commit: 'deadbeef'.repeat(5) }),
    JSON.stringify({ ...calc, instance_id: `nostatement-${TAG}`, problem_statement: undefined }),
    JSON.stringify(hang),
    JSON.stringify(bigOutput),
  ];
  file = join(dir, 'tasks.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
});
afterAll(async () => {
  await stack?.stop();
  await removeTaskImages(docker, `fixture__calc-${TAG}-`);
  rmSync(repo.root, { recursive: true, force: true });
});

describe('task import', () => {
  it('reports each bad row by line and field and stores the good ones with their source', async () => {
    const prepared = await prepareImport(file);
    expect(prepared.errors.map((e) => [e.line, e.field])).toEqual([
      [2, '(json)'],
      [3, 'repo'],
      [4, 'base_commit'],
      [5, 'problem_statement'],
    ]);
    expect(prepared.errors[1]!.message).toMatch(/no source for other\/lib: pass --repo other\/lib=PATH/);
    expect(prepared.errors[2]!.message).toMatch(/commit deadbeef.* is not in .*calc\.bundle/);
    const store = createTaskStore(stack.pool!);
    const first = await store.importRows(prepared.rows);
    expect(first.inserted.sort()).toEqual(
      Object.values(repo.tasks)
        .map((t) => t.instance_id)
        .sort(),
    );
    const again = await store.importRows(prepared.rows);
    expect(again).toEqual({ inserted: [], updated: first.inserted });
    const calc = await store.get(repo.tasks.calc.instance_id);
    expect(calc.source_path).toBe(bundle);
    expect(calc.FAIL_TO_PASS).toEqual(repo.tasks.calc.FAIL_TO_PASS);
    await expect(store.get('no-such-task')).rejects.toBeInstanceOf(InputError);
    await expect(store.list({ ids: ['no-such-task'] })).rejects.toThrow(/unknown task id/);
  });

  it('--repo overrides the default source; a missing path or a non-repository is reported per row', async () => {
    const own = await prepareImport(file, { 'fixture/calc': repo.dir });
    expect(own.rows.every((r) => r.sourcePath === repo.dir)).toBe(true);
    const gone = await prepareImport(file, { 'fixture/calc': join(dir, 'nowhere') });
    expect(gone.rows).toEqual([]);
    expect(gone.errors.filter((e) => e.field === 'repo' && /does not exist/.test(e.message))).toHaveLength(4);
    const notGit = await prepareImport(file, { 'fixture/calc': dir });
    expect(notGit.errors.filter((e) => /not a git repository or bundle/.test(e.message))).toHaveLength(4);
  });
});

describe('the CLI', () => {
  it('tasks import --json: exit 2 for a file with bad rows, good rows stored; tasks list --json lists them', () => {
    const r = cli(['tasks', 'import', file, '--json']);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.imported).toBe(3);
    expect(out.errors.map((e: { line: number }) => e.line)).toEqual([2, 3, 4, 5]);
    const list = cli(['tasks', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(jsonLines(list.stdout).map((t) => [t.instance_id, t.repo])).toEqual(
      [repo.tasks.calc, repo.tasks.hang, repo.tasks.bigOutput].map((t) => [t.instance_id, 'fixture/calc']).sort(),
    );
  });

  it('tasks validate --json: the gold patch resolves, the empty one does not', () => {
    const r = cli(['tasks', 'validate', '--ids', repo.tasks.calc.instance_id, '--json']);
    expect(r.code).toBe(0);
    const [v] = jsonLines(r.stdout);
    expect(v).toMatchObject({
      instance_id: repo.tasks.calc.instance_id,
      repo: 'fixture/calc',
      gold_resolved: true,
      empty_resolved: false,
    });
    expect(typeof v.seconds).toBe('number');
  });

  it('evaluate writes a SWE-bench-style report: resolved, error (patch failed), empty, unknown', async () => {
    const preds = join(dir, 'preds.jsonl');
    const p = (id: string, patch: string) =>
      JSON.stringify({ instance_id: id, model_name_or_path: 'm', model_patch: patch });
    writeFileSync(
      preds,
      [
        p(repo.tasks.calc.instance_id, repo.tasks.calc.patch),
        p(repo.tasks.hang.instance_id, 'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n'),
        p(repo.tasks.bigOutput.instance_id, ''),
        p('not-imported-1', 'x'),
      ].join('\n'),
    );
    const r = cli(['evaluate', '--predictions', preds, '--run-id', `t-${TAG}`, '--json', '--concurrency', '2']);
    expect(r.code).toBe(2); // an unknown instance id is a bad input; everything else was evaluated
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      total_instances: 3,
      submitted_instances: 4,
      completed_instances: 1,
      resolved_instances: 1,
      unresolved_instances: 0,
      empty_patch_instances: 1,
      // As the harness counts a patch that does not apply (no report.json): an error, ours says why.
      error_instances: 1,
      resolved_ids: [repo.tasks.calc.instance_id],
      unresolved_ids: [],
      patch_failed_ids: [repo.tasks.hang.instance_id],
      infra_error_ids: [],
      empty_patch_ids: [repo.tasks.bigOutput.instance_id],
      error_ids: [repo.tasks.hang.instance_id],
      unknown_ids: ['not-imported-1'],
      run_id: `t-${TAG}`,
    });
    expect(JSON.parse(readFileSync(report.report_path, 'utf8')).resolved_ids).toEqual(report.resolved_ids);
    expect(existsSync(join(report.report_path, '..', `${repo.tasks.calc.instance_id}.json`))).toBe(true);
    const { rows } = await stack.pool!.query('select metrics from evaluations where id = $1', [`swe-bench/t-${TAG}`]);
    expect(rows[0].metrics).toEqual({ resolved: 1, submitted: 4, errors: 1, patchFailed: 1, infraErrors: 0 });
  });
});
