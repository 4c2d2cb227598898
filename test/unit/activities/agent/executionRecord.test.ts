// What a rollout row keeps of its evaluation (issue 14): every listed test's status, from our parsed log or, for
// rows the swebench package grades, from its verdicts; nothing for what never ran.
import { describe, expect, it } from 'vitest';
import { executionRecord } from '../../../../activities/agent/executionRecord.ts';

const task = { FAIL_TO_PASS: ['t.py::f'], PASS_TO_PASS: ['t.py::p', 't.py::q'] };

describe('executionRecord', () => {
  it('keeps the parsed status of every listed test (MISSING when the log does not name it) and the log tail', () => {
    const r = executionRecord(task, 'unresolved', {
      outcome: 'unresolved',
      message: 'unresolved; ...',
      tests: { 't.py::f': 'FAILED', 't.py::p': 'PASSED', 't.py::other': 'PASSED' },
      logTail: '1 failed, 1 passed in 0.1s',
    });
    expect(r).toEqual({
      testStatuses: { 't.py::f': 'FAILED', 't.py::p': 'PASSED', 't.py::q': 'MISSING' },
      logTail: '1 failed, 1 passed in 0.1s',
    });
  });

  it('takes the swebench grader verdicts when there are no parsed statuses', () => {
    const ev = {
      outcome: 'resolved' as const,
      message: 'resolved',
      tests: {},
      failToPass: { passed: ['t.py::f'], failed: [] },
      passToPass: { passed: ['t.py::p', 't.py::q'], failed: [] },
    };
    expect(executionRecord(task, 'resolved', ev).testStatuses).toEqual({
      't.py::f': 'PASSED',
      't.py::p': 'PASSED',
      't.py::q': 'PASSED',
    });
  });

  it('records nothing when nothing ran, and a patch that did not apply as all MISSING with the apply log', () => {
    expect(executionRecord(task, 'unresolved', undefined)).toEqual({ testStatuses: null, logTail: null });
    expect(executionRecord(task, 'infra_error', { outcome: 'infra_error', message: 'engine down' }).testStatuses).toBe(
      null,
    );
    const failed = executionRecord(task, 'patch_failed', { outcome: 'patch_failed', message: 'patch does not apply' });
    expect(failed).toEqual({
      testStatuses: { 't.py::f': 'MISSING', 't.py::p': 'MISSING', 't.py::q': 'MISSING' },
      logTail: 'patch does not apply',
    });
  });
});
