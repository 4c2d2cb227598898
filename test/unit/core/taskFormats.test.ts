// Published row shapes (SWE-rebench nulls and empties, SWE-smith, numbers where strings are expected) and the
// safety of every shape: empty install steps are no steps, a test command naming its files never runs one twice.
import { describe, expect, it } from 'vitest';
import { parseTaskRow } from '../../../core/task.ts';
import { reversePatch } from '../../../core/taskFormats.ts';
import { commandNamesFile, resolveTestSpec, testCommandLine } from '../../../core/testSpec.ts';
import { MARKERS_PATCH, MARKERS_PATCH_REVERSED, SQL_PATCH, SQL_PATCH_REVERSED } from '../../fixtures/trickyDiffs.ts';

const testPatch = 'diff --git a/tests/test_a.py b/tests/test_a.py\n--- a/tests/test_a.py\n+++ b/tests/test_a.py\n';
const base = {
  instance_id: 'owner__repo-1',
  repo: 'owner/repo',
  base_commit: 'a'.repeat(40),
  patch: '',
  test_patch: testPatch,
  problem_statement: 'it breaks',
  FAIL_TO_PASS: ['tests/test_a.py::test_x'],
  PASS_TO_PASS: [],
};
const parse = (over: Record<string, unknown>) => {
  const r = parseTaskRow({ ...base, ...over }, 1);
  expect(r.errors).toEqual([]);
  return r.task!;
};

describe('SWE-rebench rows', () => {
  const row = parse({
    docker_image: 'swerebench/sweb.eval.x86_64.owner_1776_repo-1',
    install_config: {
      python: '3.9',
      install: '',
      pre_install: null,
      pip_packages: null,
      reqs_path: null,
      env_vars: null,
      test_cmd: 'pytest --no-header -rA --tb=no -p no:cacheprovider tests/test_a.py',
      env: { N: 1 },
    },
  });

  it('empty and null install fields are no steps (never a bare RUN line)', () => {
    const spec = resolveTestSpec(row);
    expect(spec.install).toEqual([]);
    expect(spec.preInstall).toEqual([]);
    expect(spec.pipPackages).toEqual([]);
    expect(spec.env).toEqual({ N: '1' });
  });

  it('a test command that already names its files gets nothing appended (no file runs twice)', () => {
    expect(testCommandLine(row, resolveTestSpec(row))).toBe(
      'pytest --no-header -rA --tb=no -p no:cacheprovider tests/test_a.py',
    );
  });

  it('docker_image names the image', () => expect(row.image_name).toMatch(/^swerebench\//));
});

describe('commandNamesFile', () => {
  it('sees the file, a node id in it, or a folder holding it', () => {
    expect(commandNamesFile('pytest tests/test_a.py', 'tests/test_a.py')).toBe(true);
    expect(commandNamesFile("pytest 'tests/test_a.py::test_x'", 'tests/test_a.py')).toBe(true);
    expect(commandNamesFile('pytest tests/', 'tests/test_a.py')).toBe(true);
    expect(commandNamesFile('pytest ./tests', 'tests/test_a.py')).toBe(true);
    expect(commandNamesFile('pytest -rA', 'tests/test_a.py')).toBe(false);
    expect(commandNamesFile('pytest tests/test_b.py', 'tests/test_a.py')).toBe(false);
    expect(commandNamesFile('pytest test', 'tests/test_a.py')).toBe(false);
  });

  it('a complete command (append_test_files: false) is left as it is', () => {
    const t = parse({ install_config: { test_cmd: 'bash run_tests.sh', append_test_files: false } });
    expect(testCommandLine(t, resolveTestSpec(t))).toBe('bash run_tests.sh');
  });
});

describe('SWE-smith rows', () => {
  const bug = [
    'diff --git a/pkg/mod.py b/pkg/mod.py',
    'index 1111111..2222222 100644',
    '--- a/pkg/mod.py',
    '+++ b/pkg/mod.py',
    '@@ -1,3 +1,3 @@',
    ' def f(x):',
    '-    return x + 1',
    '+    return x - 1',
    ' ',
    '',
  ].join('\n');
  const raw = {
    instance_id: 'owner__repo.0123abcd.func_pm_op_flip__k2j1',
    repo: 'swesmith/owner__repo.0123abcd',
    patch: bug,
    FAIL_TO_PASS: ['tests/test_mod.py::test_f', 'tests/test_mod.py::TestF::test_g[1]'],
    PASS_TO_PASS: ['tests/test_other.py::test_h'],
    image_name: 'jyangballin/swesmith.x86_64.owner_1776_repo.0123abcd',
    problem_statement: 'f is off by two',
  };

  it('base_commit from the repo name, the bug as setup, its reverse as the gold patch, tests by name', () => {
    const r = parseTaskRow(raw, 1);
    expect(r.errors).toEqual([]);
    const t = r.task!;
    expect([t.repo, t.base_commit, t.test_patch]).toEqual(['owner/repo', '0123abcd', '']);
    expect(t.setup_patch).toBe(bug);
    expect(t.patch).toContain('-    return x - 1\n+    return x + 1');
    expect(t.patch).toContain('index 2222222..1111111');
    expect(testCommandLine(t, resolveTestSpec(t))).toMatch(/ tests\/test_mod\.py tests\/test_other\.py$/);
  });

  it('reversing twice gives the patch back', () => expect(reversePatch(reversePatch(bug))).toBe(bug));

  it('a bug that removes SQL comments (`--- x` lines) or turns `-- x` into `++ x` reverses into a sound fix', () => {
    const t = parseTaskRow({ ...raw, patch: SQL_PATCH }, 1).task!;
    expect([t.setup_patch, t.patch]).toEqual([SQL_PATCH, SQL_PATCH_REVERSED]);
    expect(reversePatch(MARKERS_PATCH)).toBe(MARKERS_PATCH_REVERSED);
    for (const p of [SQL_PATCH, MARKERS_PATCH]) expect(reversePatch(reversePatch(p))).toBe(p);
  });
});

describe('numbers where strings are expected', () => {
  it('created_at as epoch ms or s becomes ISO 8601; a whole version number keeps its ".0"', () => {
    expect(parse({ created_at: 1700000000000 }).created_at).toBe('2023-11-14T22:13:20.000Z');
    expect(parse({ created_at: 1700000000 }).created_at).toBe('2023-11-14T22:13:20.000Z');
    expect(parse({ version: 3 }).version).toBe('3.0');
    expect(parse({ version: 0.12 }).version).toBe('0.12');
    expect(parse({ instance_id: 42 }).instance_id).toBe('42');
  });

  it('a null patch / test_patch is empty, a numeric test id is still an error naming the field', () => {
    expect(parse({ patch: null }).patch).toBe('');
    const bad = parseTaskRow({ ...base, FAIL_TO_PASS: [1] }, 7);
    expect(bad.errors.map((e) => `${e.line}:${e.field}`)).toEqual(['7:FAIL_TO_PASS.0']);
  });
});
