// Importing what people publish, one real-shaped row per format: SWE-bench Verified (JSONL, lists as JSON strings),
// SWE-Gym (arrays), SWE-bench Multimodal (image_assets kept), SWE-rebench (JSON array: docker_image, null and empty
// install fields, python version), SWE-smith (parquet written by pyarrow: no base_commit, no test_patch, a numeric
// timestamp), nebius-style per-instance files and Harbor-style task folders; then two datasets with one id in the
// store, `list --dataset`, and the ids the bundled suite uses staying as they are.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reversePatch } from '../../core/taskFormats.ts';
import { resolveTestSpec, testCommandLine } from '../../core/testSpec.ts';
import { prepareImport } from '../../activities/tasks/importFile.ts';
import { mirrorPath } from '../../activities/tasks/remoteSource.ts';
import { createTaskStore } from '../../activities/tasks/store.ts';
import { loadSettings } from '../../infra/settings.ts';
import { makeCalcRepo, type CalcRepo } from '../fixtures/calcRepo.ts';
import { startTestStack, type TestStack } from '../../dev/stack.ts';

let stack: TestStack;
let repo: CalcRepo;
let dir: string;
const repos = () => ({ 'fixture/calc': repo.dir, 'django/django': repo.dir });

beforeAll(async () => {
  stack = await startTestStack({ temporal: false, prefix: 'import-formats' });
  repo = makeCalcRepo(`${process.pid}f`);
  dir = join(stack.dir, 'data');
  mkdirSync(dir, { recursive: true });
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  if (repo) rmSync(repo.root, { recursive: true, force: true });
});

const calcRow = () => {
  const { calc } = repo.tasks;
  return { ...calc, FAIL_TO_PASS: ['tests/test_add.py::test_add'], PASS_TO_PASS: ['tests/test_add.py::test_add_zero'] };
};

describe('formats', () => {
  it('SWE-bench Verified / SWE-Gym / Multimodal JSONL: string-encoded and array lists, extra fields kept', async () => {
    const c = calcRow();
    const verified = {
      ...c,
      instance_id: 'django__django-99001',
      repo: 'django/django',
      version: 3.0,
      FAIL_TO_PASS: JSON.stringify(c.FAIL_TO_PASS),
      PASS_TO_PASS: JSON.stringify(c.PASS_TO_PASS),
      environment_setup_commit: repo.baseCommit,
      created_at: '2019-02-26T11:22:33Z',
    };
    const gym = { ...c, instance_id: 'fixture__calc-gym-1' };
    const multimodal = { ...c, instance_id: 'fixture__calc-mm-1', image_assets: '{"problem_statement": []}' };
    const file = join(dir, 'verified.jsonl');
    writeFileSync(file, [verified, gym, multimodal].map((r) => JSON.stringify(r)).join('\n'));
    const p = await prepareImport(file, repos());
    expect([p.format, p.errors]).toEqual(['jsonl', []]);
    const [v, g, m] = p.rows.map((r) => r.task);
    expect([v!.version, v!.FAIL_TO_PASS, v!.grader, g!.grader]).toEqual([
      '3.0',
      ['tests/test_add.py::test_add'],
      'swebench',
      'pytest',
    ]);
    expect(m!.image_assets).toBe('{"problem_statement": []}');
  });

  it('SWE-rebench JSON array: docker_image, null / empty install fields are no steps, a complete test_cmd', async () => {
    const rebench = {
      ...calcRow(),
      instance_id: 'fixture__calc-rb-1',
      docker_image: 'swerebench/sweb.eval.x86_64.fixture_1776_calc-rb-1',
      install_config: {
        python: '3.9',
        install: '',
        pre_install: null,
        pip_packages: null,
        reqs_path: null,
        test_cmd: 'pytest --no-header -rA --tb=no -p no:cacheprovider tests/test_add.py',
      },
      meta: { has_test_patch: true },
    };
    const file = join(dir, 'rebench.json');
    writeFileSync(file, JSON.stringify([rebench]));
    const p = await prepareImport(file, {});
    expect([p.format, p.errors]).toEqual(['json', []]);
    const t = p.rows[0]!.task;
    expect(t.image_name).toBe(rebench.docker_image);
    const spec = resolveTestSpec(t);
    expect([spec.install, spec.preInstall, testCommandLine(t, spec)]).toEqual([
      [],
      [],
      rebench.install_config.test_cmd,
    ]);
  });

  it('SWE-smith parquet (pyarrow): base_commit from the repo name, the bug as setup, a numeric timestamp', async () => {
    const bug = reversePatch(repo.tasks.calc.patch);
    const row = {
      instance_id: 'fixture__calc.abc.func_pm_flip__1',
      repo: `swesmith/fixture__calc.${repo.baseCommit.slice(0, 8)}`,
      patch: bug,
      FAIL_TO_PASS: ['tests/test_add.py::test_add'],
      PASS_TO_PASS: ['tests/test_add.py::test_add_zero'],
      image_name: 'jyangballin/swesmith.x86_64.fixture_1776_calc.abc',
      problem_statement: 'add is wrong',
    };
    const file = join(dir, 'smith.parquet');
    const py = [
      'import json, sys, datetime, pyarrow as pa, pyarrow.parquet as pq',
      'row = json.loads(sys.argv[1])',
      'row["created_at"] = datetime.datetime(2025, 4, 1, 12, 0, tzinfo=datetime.timezone.utc)',
      'pq.write_table(pa.Table.from_pylist([row]), sys.argv[2])',
    ].join('\n');
    execFileSync(loadSettings().pythonBin, ['-c', py, JSON.stringify(row), file]);
    const p = await prepareImport(file, {});
    expect([p.format, p.errors]).toEqual(['parquet', []]);
    const t = p.rows[0]!.task;
    expect([t.repo, t.base_commit, t.test_patch, t.setup_patch, t.patch]).toEqual([
      'fixture/calc',
      repo.baseCommit.slice(0, 8),
      '',
      bug,
      reversePatch(bug),
    ]);
    expect(t.created_at).toMatch(/^2025-04-01T12:00:00/);
    expect(testCommandLine(t, resolveTestSpec(t))).toMatch(/ tests\/test_add\.py$/);
  });

  it('a folder: nebius-style per-instance files and Harbor-style task folders (record in tests/config.json)', async () => {
    const folder = join(dir, 'folder');
    mkdirSync(join(folder, 'harbor-task', 'tests'), { recursive: true });
    writeFileSync(
      join(folder, 'fixture__calc-nb-1.json'),
      JSON.stringify({ ...calcRow(), instance_id: 'fixture__calc-nb-1' }),
    );
    const record = { ...calcRow(), instance_id: 'fixture__calc-hb-1', problem_statement: undefined };
    writeFileSync(join(folder, 'harbor-task', 'tests', 'config.json'), JSON.stringify(record));
    writeFileSync(join(folder, 'harbor-task', 'tests', 'test.sh'), '#!/bin/bash\necho 1 > /logs/verifier/reward.txt\n');
    writeFileSync(join(folder, 'harbor-task', 'instruction.md'), 'Fix add().\n');
    writeFileSync(
      join(folder, 'harbor-task', 'task.toml'),
      'version = "1.0"\n[environment]\ndocker_image = "swebench/sweb.eval.x86_64.fixture_1776_calc-hb-1:latest"\n',
    );
    mkdirSync(join(folder, 'not-a-task'));
    const p = await prepareImport(folder, repos());
    expect([p.format, p.errors]).toEqual(['folder', []]);
    const byId = new Map(p.rows.map((r) => [r.task.instance_id, r.task]));
    expect([...byId.keys()].sort()).toEqual(['fixture__calc-hb-1', 'fixture__calc-nb-1']);
    expect(byId.get('fixture__calc-hb-1')).toMatchObject({
      problem_statement: 'Fix add().\n',
      image_name: 'swebench/sweb.eval.x86_64.fixture_1776_calc-hb-1:latest',
    });
  });
});

describe('sources by URL', () => {
  it('cloned once into a mirror per repository, fetched again on the next import; an unreachable URL is a row error', async () => {
    const cache = join(stack.dir, 'cache');
    const file = join(dir, 'url.jsonl');
    writeFileSync(file, JSON.stringify(calcRow()));
    const url = `file://${repo.dir}`;
    const first = await prepareImport(file, { 'fixture/calc': url }, { cacheDir: cache });
    expect(first.errors).toEqual([]);
    expect(first.rows[0]!.sourcePath).toBe(mirrorPath('fixture/calc', cache));
    // A commit made upstream after the first clone: the second import fetches it.
    execFileSync('git', [
      '-C',
      repo.dir,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@x',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'later',
    ]);
    const later = execFileSync('git', ['-C', repo.dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    writeFileSync(file, JSON.stringify({ ...calcRow(), base_commit: later }));
    expect((await prepareImport(file, { 'fixture/calc': url }, { cacheDir: cache })).errors).toEqual([]);
    const gone = await prepareImport(
      file,
      { 'fixture/calc': `file://${dir}/no-such-repo` },
      { cacheDir: join(cache, 'x') },
    );
    expect(gone.errors.map((e) => [e.field, e.message.startsWith('cannot clone file://')])).toEqual([['repo', true]]);
  });
});

describe('datasets in the store', () => {
  it('two datasets with one id never collide; list --dataset filters; the default keeps plain ids', async () => {
    const store = createTaskStore(stack.pool!);
    const a = { ...calcRow(), instance_id: 'shared-1', problem_statement: 'from A' };
    const b = { ...calcRow(), instance_id: 'shared-1', problem_statement: 'from B' };
    const file = (name: string, row: object) => {
      const f = join(dir, `${name}.jsonl`);
      writeFileSync(f, JSON.stringify(row));
      return f;
    };
    const pa = await prepareImport(file('a', a), repos());
    const pb = await prepareImport(file('b', b), repos());
    expect((await store.importRows(pa.rows, { dataset: 'verified' })).inserted).toEqual(['verified/shared-1']);
    expect((await store.importRows(pb.rows, { dataset: 'gym' })).inserted).toEqual(['gym/shared-1']);
    expect((await store.importRows(pa.rows)).inserted).toEqual(['shared-1']);
    const v = await store.get('verified/shared-1');
    expect([v.problem_statement, v.dataset, v.source_instance_id]).toEqual(['from A', 'verified', 'shared-1']);
    expect((await store.get('gym/shared-1')).problem_statement).toBe('from B');
    expect((await store.list({ dataset: 'gym' })).map((t) => t.instance_id)).toEqual(['gym/shared-1']);
    const plain = await store.get('shared-1');
    expect([plain.dataset, plain.source_instance_id]).toEqual(['default', undefined]);
    expect((await store.datasets()).map((d) => d.dataset)).toEqual(['default', 'gym', 'verified']);
  });
});
