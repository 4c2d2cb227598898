// Grading one patch on one task, SWE-bench style, in a fresh container from the task image.
// Outcomes: resolved / unresolved / patch_failed, or infra_error when the harness itself could not do its job
// (engine down, container failed to start, the harness timed out, the task's own test_patch does not apply).
// A test run that exceeds its own timeout is the patch's doing (an infinite loop): unresolved, not infra_error,
// so a policy cannot escape a zero reward by hanging the tests.
import type Docker from 'dockerode';
import type { EvalOutcome, SandboxConfig } from '../contracts.ts';
import { gradeTests, type GradeOptions } from '../../core/grading.ts';
import { capText } from '../../core/outputCap.ts';
import { parsePytestLog, type TestStatus } from '../../core/pytestLog.ts';
import type { TaskInstance } from '../../core/task.ts';
import { resolveTestSpec, type ResolvedTestSpec } from '../../core/testSpec.ts';
import { ensureTaskImage, taskImageName, type ImageSource } from '../../infra/images/taskImage.ts';
import { Sandbox } from '../../infra/sandbox.ts';
import { EVAL_DIR, evalFiles, LOG_TAIL_BYTES, parseEvalOutput } from './evalScript.ts';

export interface EvaluationResult {
  outcome: EvalOutcome;
  tests: Record<string, TestStatus>;
  failToPass: { passed: string[]; failed: string[] };
  passToPass: { passed: string[]; failed: string[] };
  message: string;
  durationMs: number;
  logTail: string;
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
  if (o.source) {
    try {
      image = await ensureTaskImage(docker, task, o.source);
    } catch (err) {
      return result('infra_error', `no environment image for ${task.instance_id}: ${(err as Error).message}`, t0);
    }
  }
  const harnessSec = o.harnessTimeoutSec ?? timeoutSec + HARNESS_SLACK_SEC;
  let sandbox: Sandbox | undefined;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<EvaluationResult>((resolve) => {
    timer = setTimeout(
      () => resolve(result('infra_error', `harness timed out after ${harnessSec}s (Docker engine not answering?)`, t0)),
      harnessSec * 1000,
    );
  });
  const work = (async () => {
    try {
      sandbox = await Sandbox.create(docker, {
        image,
        labels: { ...o.labels, task: task.instance_id },
        memoryMb: o.sandbox.memoryMb,
        pidsLimit: o.sandbox.pidsLimit,
        cpuShares: o.sandbox.cpuShares,
        network: false,
        user: 'root',
      });
    } catch (err) {
      const hint = /no such image/i.test((err as Error).message) ? ' (build it: `swe-forge tasks build`)' : '';
      return result('infra_error', `${(err as Error).message}${hint}`, t0);
    }
    try {
      return await runInSandbox(sandbox, task, patch, o.spec ?? resolveTestSpec(task), timeoutSec, o.grading, t0);
    } catch (err) {
      return result('infra_error', `harness failed: ${(err as Error).message}`, t0);
    }
  })();
  const winner = await Promise.race([
    work.then((r) => ({ r, finished: true })),
    deadline.then((r) => ({ r, finished: false })),
  ]);
  clearTimeout(timer);
  // Removal failing (the engine went away) leaves an orphan for the reaper; the grade stands. After a harness
  // timeout the work may never settle, so the cleanup is left to run on its own.
  const cleanup = work.then(() => sandbox?.remove()).catch(() => undefined);
  if (winner.finished) await Promise.race([cleanup, new Promise((r) => setTimeout(r, 30_000).unref())]);
  return winner.r;
}

async function runInSandbox(
  sandbox: Sandbox,
  task: TaskInstance,
  patch: string,
  spec: ResolvedTestSpec,
  timeoutSec: number,
  grading: GradeOptions | undefined,
  t0: number,
): Promise<EvaluationResult> {
  const files = evalFiles(task, spec, timeoutSec);
  await sandbox.writeFiles([
    { path: `${EVAL_DIR}/model.patch`, content: patch },
    { path: `${EVAL_DIR}/test.patch`, content: task.test_patch },
    { path: `${EVAL_DIR}/eval.sh`, content: files.script },
    { path: `${EVAL_DIR}/test.sh`, content: files.testScript },
  ]);
  const exec = await sandbox.exec(`bash ${EVAL_DIR}/eval.sh`, {
    timeoutSec: timeoutSec + HARNESS_SLACK_SEC / 2,
    outputCapBytes: 16 << 20,
    user: 'root',
    login: false,
  });
  const out = parseEvalOutput(exec.output);
  const logTail = capText(out.logTail, LOG_TAIL_BYTES).text;
  if (exec.abandoned || exec.timedOut) {
    return result('infra_error', `harness timed out: the evaluation script outlived ${timeoutSec}s + slack`, t0);
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
  const log = parsePytestLog(out.statusLines);
  const grade = gradeTests({ failToPass: task.FAIL_TO_PASS, passToPass: task.PASS_TO_PASS }, log.tests, grading);
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
  const base = { tests: log.tests, failToPass: grade.failToPass, passToPass: grade.passToPass, logTail };
  if (testsTimedOut) {
    return result('unresolved', [`tests timed out after ${timeoutSec}s`, counts, ...notes].join('; '), t0, base);
  }
  const outcome = grade.resolved ? 'resolved' : 'unresolved';
  return result(outcome, [outcome, counts, ...notes].join('; '), t0, base);
}
