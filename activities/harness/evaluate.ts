// Grading one patch on one task, SWE-bench style, in a fresh container from the task image.
// Outcomes: resolved / unresolved / patch_failed, or infra_error when the harness itself could not do its job
// (engine down, container failed to start, the harness timed out, the task's own test_patch does not apply).
// A test run that exceeds its own timeout is the patch's doing (an infinite loop): unresolved, not infra_error,
// so a policy cannot escape a zero reward by hanging the tests.
import type Docker from 'dockerode';
import type { EvalOutcome, SandboxConfig } from '../../contracts/rollout.ts';
import { gradeTests, type GradeOptions } from '../../core/grading.ts';
import { capText } from '../../core/outputCap.ts';
import { parsePytestLog, type TestStatus } from '../../core/pytestLog.ts';
import type { TaskInstance } from '../../core/task.ts';
import type { ResolvedTestSpec } from '../../core/testSpec.ts';
import { harnessTestSpec } from '../../core/harnessCommands.ts';
import { ensureEnvironmentImage } from '../../infra/images/environment.ts';
import { taskImageName, type ImageSource } from '../../infra/images/taskImage.ts';
import { runOnce } from '../../infra/sandboxRun.ts';
import { tarFiles } from '../../infra/tar.ts';
import { EVAL_DIR, evalFiles, LOG_TAIL_BYTES, parseEvalOutput } from './evalScript.ts';
import { bridgeInstance, gradeLogs, graderOf, type GraderName } from './grader.ts';
import { harnessEvalScript, type HarnessReport } from '../../infra/pybridge/index.ts';
import { contextScript, contextWindows, readContext, type FileContext } from './contextScript.ts';

export interface EvaluationResult {
  outcome: EvalOutcome;
  tests: Record<string, TestStatus>;
  failToPass: { passed: string[]; failed: string[] };
  passToPass: { passed: string[]; failed: string[] };
  message: string;
  durationMs: number;
  logTail: string;
  /** The test command outlived its timeout (graded unresolved; the SWE-bench harness counts it an error). */
  testsTimedOut?: boolean;
  /** Which grader decided (absent: ours, pytest). */
  grader?: GraderName;
  /** The test script that ran (the harness's eval.sh for swebench rows) and the log it wrote (test_output.txt:
   * the whole log for swebench rows, the result lines and tail for ours). */
  evalScript?: string;
  testOutput?: string;
  /** The swebench package's report for the instance (swebench rows). */
  harnessReport?: HarnessReport;
  /** The modified files around each hunk, as the container read them after the patch (SWE-World's input). */
  context?: FileContext[];
}

export interface EvaluateOptions {
  sandbox: SandboxConfig;
  labels?: { run?: string; activity?: string };
  /** Timeout of the test command itself (default sandbox.testTimeoutSec). */
  timeoutSec?: number;
  /** Build the image from this source when it is missing (else a missing image is an infra_error). */
  source?: ImageSource;
  spec?: ResolvedTestSpec;
  grading?: GradeOptions;
  /** Deadline of the whole evaluation (default: timeoutSec + HARNESS_SLACK_SEC); past it: infra_error. */
  harnessTimeoutSec?: number;
}

/** Time the harness allows itself beyond the test timeout: container start, patching, cleanup. */
export const HARNESS_SLACK_SEC = 120;

const empty = { passed: [] as string[], failed: [] as string[] };

function result(
  outcome: EvalOutcome,
  message: string,
  t0: number,
  extra: Partial<EvaluationResult> = {},
): EvaluationResult {
  return {
    outcome,
    tests: {},
    failToPass: { ...empty },
    passToPass: { ...empty },
    message,
    durationMs: Date.now() - t0,
    logTail: '',
    ...extra,
  };
}

const lastLines = (text: string, n: number) => text.trim().split('\n').slice(-n).join('\n');

export async function evaluatePatch(
  docker: Docker,
  task: TaskInstance,
  patch: string,
  o: EvaluateOptions,
): Promise<EvaluationResult> {
  const t0 = Date.now();
  const timeoutSec = o.timeoutSec ?? o.sandbox.testTimeoutSec;
  let image = taskImageName(task);
  if (o.source || task.image_name) {
    try {
      // A published image is pulled if missing and used through its history-scrubbed derived image.
      image = await ensureEnvironmentImage(docker, task, { source: o.source });
    } catch (err) {
      return result('infra_error', `no environment image for ${task.instance_id}: ${(err as Error).message}`, t0);
    }
  }
  const harnessSec = o.harnessTimeoutSec ?? timeoutSec + HARNESS_SLACK_SEC;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<EvaluationResult>((resolve) => {
    timer = setTimeout(
      () => resolve(result('infra_error', `harness timed out after ${harnessSec}s (Docker engine not answering?)`, t0)),
      harnessSec * 1000,
    );
  });
  const work = runInContainer(docker, image, task, patch, o, timeoutSec, harnessSec, t0).catch((err: Error) => {
    const hint = /no such image/i.test(err.message) ? ' (build it: `swe-forge tasks build`)' : '';
    return result('infra_error', `${err.message}${hint}`, t0);
  });
  // After a harness timeout the work may never settle (a frozen engine): it is left to finish on its own, and
  // the container, created with AutoRemove, goes when its bounded script ends.
  const winner = await Promise.race([work, deadline]);
  clearTimeout(timer);
  return winner;
}

async function runInContainer(
  docker: Docker,
  image: string,
  task: TaskInstance,
  patch: string,
  o: EvaluateOptions,
  timeoutSec: number,
  harnessSec: number,
  t0: number,
): Promise<EvaluationResult> {
  const viaHarness = graderOf(task) === 'swebench';
  // The row's own eval script (swebench >= 5 datasets carry one); without it, our script runs the tests and the
  // package's parser grades the log, framed in the harness's markers.
  const harnessScript = viaHarness
    ? ((await harnessEvalScript(bridgeInstance(task, task.source_instance_id))) ?? undefined)
    : undefined;
  const windows = contextWindows(patch);
  const files = evalFiles(task, o.spec ?? harnessTestSpec(task), timeoutSec, {
    harnessScript,
    framed: viaHarness,
    context: contextScript(windows),
  });
  const stdin = tarFiles(
    [
      ['model.patch', patch],
      ['test.patch', task.test_patch],
      ['eval.sh', files.script],
      ['test.sh', files.testScript],
    ].map(([name, content]) => ({ name: name!, content: Buffer.from(content!, 'utf8') })),
  );
  const exec = await runOnce(
    docker,
    {
      image,
      labels: { ...o.labels, task: task.instance_id },
      memoryMb: o.sandbox.memoryMb,
      pidsLimit: o.sandbox.pidsLimit,
      diskGb: o.sandbox.containerDiskGb,
      cpuShares: o.sandbox.cpuShares,
      network: false,
      user: 'root',
    },
    {
      script: `mkdir -p ${EVAL_DIR} && tar -xf - -C ${EVAL_DIR} && exec bash ${EVAL_DIR}/eval.sh`,
      stdin,
      // The script bounds the tests itself; this only catches a harness that is stuck (then infra_error).
      timeoutSec: Math.min(harnessSec, timeoutSec + HARNESS_SLACK_SEC / 2),
      outputCapBytes: 16 << 20,
    },
  );
  const out = parseEvalOutput(exec.output);
  const logTail = capText(out.logTail, LOG_TAIL_BYTES).text;
  if (exec.abandoned || exec.timedOut) {
    return result('infra_error', `harness timed out: the evaluation script outlived ${harnessSec}s`, t0);
  }
  if (out.patchFailed) {
    return result(
      'patch_failed',
      `patch does not apply (git apply, patch --fuzz=5):\n${lastLines(out.applyLog, 12)}`,
      t0,
    );
  }
  if (out.testPatchFailed) {
    return result(
      'infra_error',
      `the task's test_patch does not apply (broken task):\n${lastLines(out.applyLog, 12)}`,
      t0,
    );
  }
  if (!out.complete || !out.testExit) {
    return result(
      'infra_error',
      `evaluation script ended early (exit ${exec.exitCode}):\n${lastLines(exec.output, 12)}`,
      t0,
    );
  }
  if (viaHarness) return harnessOutcome(task, patch, out, timeoutSec, t0, files.testScript);
  const log = parsePytestLog(out.statusLines);
  const grade = gradeTests({ failToPass: task.FAIL_TO_PASS, passToPass: task.PASS_TO_PASS }, log.tests, o.grading);
  const { code, seconds } = out.testExit;
  const testsTimedOut = (code === 124 || code === 137) && seconds >= timeoutSec - 1;
  const counts =
    `FAIL_TO_PASS ${grade.failToPass.passed.length}/${task.FAIL_TO_PASS.length} passed, ` +
    `PASS_TO_PASS ${grade.passToPass.passed.length}/${task.PASS_TO_PASS.length} passed`;
  const notes = [
    out.applied === 'empty' ? 'empty patch' : '',
    out.applied === 'patch-fuzz' ? 'patch applied with patch --fuzz=5 (git apply refused it)' : '',
    log.collectionErrors.length ? `collection errors in ${log.collectionErrors.join(', ')}` : '',
    !log.finished && !testsTimedOut ? `pytest did not finish (exit ${code}): crashed or killed` : '',
  ].filter(Boolean);
  const base = {
    tests: log.tests,
    failToPass: grade.failToPass,
    passToPass: grade.passToPass,
    logTail,
    evalScript: files.testScript,
    testOutput: `${out.statusLines}\n${out.logTail}`,
    context: readContext(windows, out.context),
  };
  if (testsTimedOut) {
    const message = [`tests timed out after ${timeoutSec}s`, counts, ...notes].join('; ');
    return result('unresolved', message, t0, { ...base, testsTimedOut: true });
  }
  const outcome = grade.resolved ? 'resolved' : 'unresolved';
  return result(outcome, [outcome, counts, ...notes].join('; '), t0, base);
}

/** A swebench row: the package's get_eval_report over the whole log decides; the timeout rule stays ours. */
async function harnessOutcome(
  task: TaskInstance,
  patch: string,
  out: ReturnType<typeof parseEvalOutput>,
  timeoutSec: number,
  t0: number,
  evalScript: string,
): Promise<EvaluationResult> {
  const testOutput = out.fullLog ?? '';
  const [v] = await gradeLogs([{ task, log: testOutput, modelPatch: patch, sourceId: task.source_instance_id }]);
  const { code, seconds } = out.testExit!;
  const timedOut = (code === 124 || code === 137) && seconds >= timeoutSec - 1;
  const counts =
    `FAIL_TO_PASS ${v!.failToPass.passed.length}/${task.FAIL_TO_PASS.length} passed, ` +
    `PASS_TO_PASS ${v!.passToPass.passed.length}/${task.PASS_TO_PASS.length} passed (swebench ${task.repo} parser)`;
  const base = {
    failToPass: v!.failToPass,
    passToPass: v!.passToPass,
    logTail: capText(testOutput.slice(-LOG_TAIL_BYTES), LOG_TAIL_BYTES).text,
    grader: 'swebench' as const,
    evalScript,
    testOutput,
    harnessReport: v!.harnessReport,
  };
  if (timedOut) {
    return result('unresolved', `tests timed out after ${timeoutSec}s; ${counts}`, t0, {
      ...base,
      testsTimedOut: true,
    });
  }
  const outcome = v!.resolved ? 'resolved' : 'unresolved';
  return result(outcome, `${outcome}; ${counts}`, t0, base);
}
