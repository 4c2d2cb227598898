// What the harness said about a rollout's patch, in the shape the rollout row keeps (migration 011): the status
// of every listed test and the log tail. Only executions are recorded: a patch that did not apply keeps its
// listed tests as MISSING (none ran) and the apply log; an empty diff, no submission or an infrastructure error
// keep null (nothing was executed, so there is nothing a simulator could learn from).
import { recordListedTests, type TestRecord } from '../../core/testStatuses.ts';
import type { TaskInstance } from '../../core/task.ts';
import type { EvalOutcome } from '../../contracts/rollout.ts';
import type { Evaluated } from './rollout.ts';

export const STORED_LOG_TAIL_CHARS = 16_000;

export function executionRecord(
  task: Pick<TaskInstance, 'FAIL_TO_PASS' | 'PASS_TO_PASS'>,
  outcome: EvalOutcome | null,
  ev: Evaluated | undefined,
): { testStatuses: TestRecord | null; logTail: string | null } {
  if (!ev || outcome === 'infra_error' || outcome === null) return { testStatuses: null, logTail: null };
  const lists = { failToPass: task.FAIL_TO_PASS, passToPass: task.PASS_TO_PASS };
  const tests = outcome === 'patch_failed' ? {} : (ev.tests ?? {});
  const tail = (ev.logTail || ev.message).slice(-STORED_LOG_TAIL_CHARS);
  const record = recordListedTests(lists, tests);
  // Rows graded by the swebench package (activities/harness/grader.ts) come with its verdict per listed test
  // instead of our parsed statuses: a test our parser did not name takes that verdict.
  const graded = ev as Evaluated & Partial<Record<'failToPass' | 'passToPass', { passed: string[]; failed: string[] }>>;
  if (outcome !== 'patch_failed') {
    for (const side of [graded.failToPass, graded.passToPass]) {
      for (const id of side?.passed ?? []) if (record[id] === 'MISSING') record[id] = 'PASSED';
      for (const id of side?.failed ?? []) if (record[id] === 'MISSING') record[id] = 'FAILED';
    }
  }
  return { testStatuses: record, logTail: tail };
}
