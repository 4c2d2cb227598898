// The per-test record of one execution: the status of every listed test (FAIL_TO_PASS and PASS_TO_PASS) as the
// harness parsed it. Stored with the rollout row (migration 011) so a run's executions are a data set, and read
// back by SWE-World (training targets, held-out measurement). Grading the stored record with core/grading.ts gives
// the same verdict the harness gave. Pure.
import { gradeTests, lookupTest, type GradeOptions } from './grading.ts';
import type { TestStatus } from './pytestLog.ts';

/** MISSING: the log does not name the test at all (a crash, a collection error): it counts as failed. */
export type RecordedStatus = TestStatus | 'MISSING';
export type TestRecord = Record<string, RecordedStatus>;

export interface TestLists {
  failToPass: readonly string[];
  passToPass: readonly string[];
}

/**
 * The listed tests' statuses from a parsed log. An id the log names exactly keeps its status; an id that stands
 * for several parsed ids (published datasets cut ids at the first space, see lookupTest) records their verdict.
 */
export function recordListedTests(lists: TestLists, tests: Readonly<Record<string, TestStatus>>): TestRecord {
  const out: TestRecord = {};
  for (const id of [...lists.failToPass, ...lists.passToPass]) {
    const exact = tests[id];
    if (exact) out[id] = exact;
    else {
      const v = lookupTest(id, tests, { nonPassing: 'ignore' });
      const named = Object.keys(tests).some((full) => full.startsWith(`${id} `));
      out[id] = !named ? 'MISSING' : v === 'passed' ? 'PASSED' : v === 'ignored' ? 'SKIPPED' : 'FAILED';
    }
  }
  return out;
}

/** What the lists say when nothing ran: the repository as it was (FAIL_TO_PASS fail, PASS_TO_PASS pass). */
export function unchangedRepoRecord(lists: TestLists): TestRecord {
  const out: TestRecord = {};
  for (const id of lists.failToPass) out[id] = 'FAILED';
  for (const id of lists.passToPass) out[id] = 'PASSED';
  return out;
}

/** A record as grading input: MISSING is simply absent (gradeTests fails an absent test). */
export function asLog(record: Readonly<TestRecord>): Record<string, TestStatus> {
  const out: Record<string, TestStatus> = {};
  for (const [id, s] of Object.entries(record)) if (s !== 'MISSING') out[id] = s;
  return out;
}

/** Grade a stored (or simulated) record with THE grading function of the harness. */
export function gradeRecord(lists: TestLists, record: Readonly<TestRecord>, o: GradeOptions = {}) {
  return gradeTests(lists, asLog(record), o);
}

/** passed / failed per listed test, as grading counts it (the unit of per-test status accuracy). */
export function verdicts(lists: TestLists, record: Readonly<TestRecord>): Record<string, boolean> {
  const g = gradeRecord(lists, record);
  const out: Record<string, boolean> = {};
  for (const id of [...g.failToPass.passed, ...g.passToPass.passed]) out[id] = true;
  for (const id of [...g.failToPass.failed, ...g.passToPass.failed]) out[id] = false;
  return out;
}
