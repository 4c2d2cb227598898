// The script one evaluation runs inside the task container, in one exec: apply the model patch (git apply,
// then SWE-bench's `patch --fuzz=5` fallback), put the test files back to base_commit and apply test_patch (as
// SWE-bench does, so a model cannot edit the tests that grade it), run the tests with their own timeout into a
// file, then print only what grading needs: the result lines and the log's tail. A test printing 100 MB thus
// never crosses the Docker API, and grading never depends on an output cap.
import type { TaskInstance } from '../../core/task.ts';
import { diffFiles, shellQuote, testCommandLine, type ResolvedTestSpec } from '../../core/testSpec.ts';

export const EVAL_DIR = '/tmp/swe-forge-eval';
const MARK = '>>>>> SWE-FORGE';
/** Kept per status line: longer lines are test output, not results. */
const LINE_CAP = 8192;
export const LOG_TAIL_BYTES = 16384;

// `git apply --reject` is skipped although SWE-bench tries it second: it only exits 0 when every hunk applies,
// i.e. when plain `git apply` would have, and its partial application would corrupt the tree for `patch`.
const RESULT_LINES = [
  '^=+ .* =+$',
  '^(PASSED|FAILED|SKIPPED|ERROR|XFAIL|XPASS) ',
  '::.* (PASSED|FAILED|SKIPPED|ERROR|XFAIL|XPASS)( \\(.*\\))?( +\\[ *[0-9]+%\\])? *$',
  '^\\[gw[0-9]+\\] ',
];

export interface EvalFiles {
  script: string;
  testScript: string;
}

/** What the harness's own eval script may print before we cut it: head and tail of this many bytes each. */
export const HARNESS_LOG_BYTES = 4 << 20;
/** The swebench harness's markers (swebench.harness.constants). */
export const START_TEST_OUTPUT = '>>>>> Start Test Output';
export const END_TEST_OUTPUT = '>>>>> End Test Output';
export const TEST_EXIT_CODE = '>>>>> Test Exit Code';

/**
 * `harnessScript`: the swebench package's eval script for the row (it resets the test files, applies test_patch,
 * runs the tests between its START / END markers and reverts). It is then the test script as it is, and its whole
 * output (test_output.txt) comes back, head and tail capped, for the package's own log parser.
 */
export function evalFiles(
  task: TaskInstance,
  spec: ResolvedTestSpec,
  testTimeoutSec: number,
  o: { harnessScript?: string; framed?: boolean; context?: string } = {},
): EvalFiles {
  if (o.harnessScript) return harnessEvalFiles(o.harnessScript, testTimeoutSec);
  const resets = diffFiles(task.test_patch).map((f) => {
    const q = shellQuote(f.path);
    return f.existedBefore ? `git checkout -q HEAD -- ${q} 2>/dev/null || rm -f -- ${q}` : `rm -rf -- ${q}`;
  });
  const env = Object.entries(spec.env).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  // framed: a row the package grades but that brings no eval script (older exports). Our command runs between
  // the harness's markers, its exit code recorded after them as the package's scripts do, and the whole log
  // comes back for the package's parser.
  const testScript = (
    o.framed
      ? [
          'cd /testbed',
          ...env,
          `echo '${START_TEST_OUTPUT}'`,
          testCommandLine(task, spec),
          'SWEBENCH_TEST_EXIT_CODE=$?',
          `echo '${END_TEST_OUTPUT}'`,
          `echo "${TEST_EXIT_CODE}: $SWEBENCH_TEST_EXIT_CODE"`,
          '',
        ]
      : ['cd /testbed', ...env, testCommandLine(task, spec), '']
  ).join('\n');
  const grep = RESULT_LINES.map((p) => `-e ${shellQuote(p)}`).join(' ');
  const script = `set -uo pipefail
cd /testbed
D=${EVAL_DIR}
mark() { echo "${MARK} $*"; }
${applyModelPatch()}
${resets.join('\n')}
if ! git apply --verbose $D/test.patch; then mark TEST_PATCH_FAILED; exit 0; fi
mark TESTS
start=$SECONDS
timeout -k 5 -s TERM ${testTimeoutSec} bash $D/test.sh > $D/test.log 2>&1
rc=$?
mark TESTS_EXIT $rc $((SECONDS - start)) $(stat -c %s $D/test.log)
${
  o.framed
    ? fullLog()
    : `mark STATUS
grep -aE ${grep} $D/test.log | cut -c1-${LINE_CAP}
mark TAIL
tail -c ${LOG_TAIL_BYTES} $D/test.log`
}
${o.context ?? ''}
echo
mark END
`;
  return { script, testScript };
}

/** The whole test log, or its head and tail when it is huge. */
function fullLog(): string {
  return `mark LOG
if [ $(stat -c %s $D/test.log) -le $((2 * ${HARNESS_LOG_BYTES})) ]; then cat $D/test.log
else head -c ${HARNESS_LOG_BYTES} $D/test.log; echo; echo "[... swe-forge: output cut ...]"; tail -c ${HARNESS_LOG_BYTES} $D/test.log
fi`;
}

function applyModelPatch(): string {
  return `mark APPLY
if [ ! -s $D/model.patch ]; then mark APPLIED empty
elif git apply --verbose $D/model.patch; then mark APPLIED git-apply
elif patch --batch --fuzz=5 -p1 --dry-run -i $D/model.patch >/dev/null 2>&1 && patch --batch --fuzz=5 -p1 -i $D/model.patch; then mark APPLIED patch-fuzz
else mark PATCH_FAILED; exit 0
fi`;
}

function harnessEvalFiles(harnessScript: string, testTimeoutSec: number): EvalFiles {
  const script = `set -uo pipefail
cd /testbed
D=${EVAL_DIR}
mark() { echo "${MARK} $*"; }
${applyModelPatch()}
mark TESTS
start=$SECONDS
timeout -k 5 -s TERM ${testTimeoutSec} bash $D/test.sh > $D/test.log 2>&1
rc=$?
mark TESTS_EXIT $rc $((SECONDS - start)) $(stat -c %s $D/test.log)
${fullLog()}
echo
mark END
`;
  return { script, testScript: harnessScript };
}

export interface EvalOutput {
  applied?: string;
  applyLog: string;
  patchFailed: boolean;
  testPatchFailed: boolean;
  testExit?: { code: number; seconds: number; logBytes: number };
  statusLines: string;
  logTail: string;
  /** The harness's test_output.txt (swebench rows only). */
  fullLog?: string;
  /** Text of each CONTEXT section by index (activities/harness/contextScript.ts). */
  context: Map<number, string>;
  complete: boolean;
}

/** Splits the script's output at its marker lines. */
export function parseEvalOutput(output: string): EvalOutput {
  const out: EvalOutput = {
    applyLog: '',
    patchFailed: false,
    testPatchFailed: false,
    statusLines: '',
    logTail: '',
    context: new Map(),
    complete: false,
  };
  let section = '';
  const buf: Record<string, string[]> = {};
  for (const line of output.split('\n')) {
    if (line.startsWith(`${MARK} `)) {
      const [name, ...args] = line.slice(MARK.length + 1).split(' ');
      if (name === 'APPLIED') out.applied = args[0];
      else if (name === 'PATCH_FAILED') out.patchFailed = true;
      else if (name === 'TEST_PATCH_FAILED') out.testPatchFailed = true;
      else if (name === 'TESTS_EXIT') {
        out.testExit = { code: Number(args[0]), seconds: Number(args[1]), logBytes: Number(args[2]) };
      } else if (name === 'END') out.complete = true;
      section = name === 'CONTEXT' ? `CONTEXT ${args[0]}` : (name ?? '');
      continue;
    }
    (buf[section] ??= []).push(line);
  }
  out.applyLog = [...(buf.APPLY ?? []), ...(buf.APPLIED ?? []), ...(buf.PATCH_FAILED ?? [])].join('\n').trim();
  out.statusLines = (buf.STATUS ?? []).join('\n');
  out.logTail = (buf.TAIL ?? []).join('\n');
  if (buf.LOG) out.fullLog = buf.LOG.join('\n');
  for (const [key, lines] of Object.entries(buf))
    if (key.startsWith('CONTEXT ')) out.context.set(Number(key.slice(8)), lines.join('\n'));
  return out;
}
