// Tasks for the canary scenario, made from the bundled mini__textkit-3 (same repo, commit and fix): a steady copy,
// and a flaky copy whose test_patch adds a PASS_TO_PASS test that fails on half of its runs (it reads the
// kernel's random source: each evaluation is a fresh container, so nothing else could make it alternate). With
// the gold patch the flaky copy resolves on half of the harness's runs; with the empty patch it never does.
// scripted_success_p 1: the scripted policy always plays the fix, so the steady task's groups have no variance.
import { miniRows, writeTaskFile } from './taskCopies.ts';

export const STEADY = 'mini__textkit-3-steady';
export const FLAKY = 'mini__textkit-3-flaky';
export const FLAKY_TEST = 'tests/test_flaky.py::test_races_the_clock';

const FLAKY_FILE = [
  'import os',
  '',
  '',
  'def test_races_the_clock():',
  '    # Stands in for a timing-dependent test: it fails on half of its runs.',
  '    assert os.urandom(1)[0] % 2 == 0',
  '',
];

const newFileDiff = (path: string, lines: string[]) =>
  [
    `diff --git a/${path} b/${path}`,
    'new file mode 100644',
    '--- /dev/null',
    `+++ b/${path}`,
    `@@ -0,0 +1,${lines.length} @@`,
    ...lines.map((l) => `+${l}`),
    '',
  ].join('\n');

/** Writes the two tasks to `<dir>/tasks.jsonl` (with the bundled repos beside it) and returns the file. */
export function writeFlakyTasks(dir: string): string {
  const base = miniRows().find((t) => t.instance_id === 'mini__textkit-3')!;
  const p2p = JSON.parse(base.PASS_TO_PASS as string) as string[];
  return writeTaskFile(dir, [
    { ...base, instance_id: STEADY, scripted_success_p: 1 },
    {
      ...base,
      instance_id: FLAKY,
      scripted_success_p: 1,
      test_patch: `${base.test_patch as string}${newFileDiff('tests/test_flaky.py', FLAKY_FILE)}`,
      PASS_TO_PASS: JSON.stringify([...p2p, FLAKY_TEST]),
    },
  ]);
}
