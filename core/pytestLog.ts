// Per-test statuses from a pytest log. Two sources, both read section by section so that a test's captured
// output (printed back in the FAILURES / PASSES sections) can never pose as a result line:
//  - the `-v` progress lines (`path::id STATUS [ 42%]`), unambiguous because they are read from the end, and
//    the only record of the tests that finished before a crash or a timeout;
//  - the `-rA` short test summary (`STATUS path::id[ - message]`), which SWE-bench's parser reads.
// Parametrised ids are kept whole: they may hold spaces, commas, brackets and " - ".

export const TEST_STATUSES = ['PASSED', 'FAILED', 'SKIPPED', 'ERROR', 'XFAIL', 'XPASS'] as const;
export type TestStatus = (typeof TEST_STATUSES)[number];

export interface PytestLog {
  tests: Record<string, TestStatus>;
  /** Files (or other nodes) pytest could not collect. */
  collectionErrors: string[];
  /** The `short test summary info` section was there. */
  summarySeen: boolean;
  /** The final `=== N passed in 0.1s ===` line was there: pytest ran to the end (no crash, no kill). */
  finished: boolean;
}

const STATUS = TEST_STATUSES.join('|');
const VERBOSE = new RegExp(`^(\\S.*?::.*?) (${STATUS})(?: \\(.*\\))?(?:\\s+\\[\\s*\\d+%\\])?\\s*$`);
const XDIST = new RegExp(`^\\[gw\\d+\\] \\[\\s*\\d+%\\] (${STATUS}) (.+?)\\s*$`);
const SUMMARY = new RegExp(`^(${STATUS}) (.+?)\\s*$`);
const HEADER = /^=+ (.*?) =+$/;
const FINAL = /\b(passed|failed|errors?|skipped|xfailed|xpassed|deselected|no tests ran)\b.* in [\d.]+s\b/;
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

type Section = 'start' | 'progress' | 'report' | 'summary' | 'done';

/**
 * The node id at the start of a summary line's text. Known ids (from -v lines) settle it outright; otherwise an
 * id without `[` ends at the first space, and a parametrised one at the first `]` followed by the end, ` - `
 * (the message of FAILED / ERROR / XFAIL) or, for pytest 7's XPASS lines, a space and the reason.
 */
export function summaryNodeId(status: TestStatus, rest: string, known: ReadonlySet<string> = new Set()): string {
  if (known.has(rest)) return rest;
  const ends: number[] = [];
  for (let i = 1; i <= rest.length; i++) {
    if (i === rest.length || rest.startsWith(' - ', i) || (status === 'XPASS' && rest[i] === ' ')) ends.push(i);
  }
  for (const i of ends) if (known.has(rest.slice(0, i))) return rest.slice(0, i);
  const space = rest.indexOf(' ');
  const first = space < 0 ? rest : rest.slice(0, space);
  if (!first.includes('[')) return first;
  if (status === 'PASSED' || status === 'SKIPPED') return rest;
  const open = rest.indexOf('[');
  const end = ends.find((i) => i > open && rest[i - 1] === ']');
  return end === undefined ? rest : rest.slice(0, end);
}

/** FAILED and ERROR outrank anything else reported for the same id (a test that passed, then failed teardown). */
function merge(prev: TestStatus | undefined, next: TestStatus): TestStatus {
  if (prev === 'FAILED' || (prev === 'ERROR' && next !== 'FAILED')) return prev;
  return next;
}

export function parsePytestLog(log: string): PytestLog {
  const out: PytestLog = { tests: {}, collectionErrors: [], summarySeen: false, finished: false };
  const verbose: [string, TestStatus][] = [];
  const summary: [TestStatus, string][] = [];
  let section: Section = 'start';
  for (const raw of log.split('\n')) {
    const line = raw.replace(ANSI, '').replace(/\r$/, '');
    const header = HEADER.exec(line);
    if (header) {
      const title = header[1]!;
      if (/test session starts/.test(title)) section = 'progress';
      else if (/short test summary info/.test(title)) {
        section = 'summary';
        out.summarySeen = true;
      } else if (FINAL.test(title)) {
        section = 'done';
        out.finished = true;
      } else section = 'report';
      continue;
    }
    if (section === 'progress' || section === 'start') {
      const v = VERBOSE.exec(line) ?? null;
      if (v) verbose.push([v[1]!, v[2] as TestStatus]);
      const x = XDIST.exec(line);
      if (x) verbose.push([x[2]!, x[1] as TestStatus]);
    } else if (section === 'summary') {
      const s = SUMMARY.exec(line);
      if (s) summary.push([s[1] as TestStatus, s[2]!]);
    }
  }
  const known = new Set(verbose.map(([id]) => id));
  for (const [id, status] of verbose) out.tests[id] = merge(out.tests[id], status);
  for (const [status, rest] of summary) {
    // `SKIPPED [1] tests/x.py:12: reason` names a file and line, not a test: the -v line has the id.
    if (status === 'SKIPPED' && rest.startsWith('[')) continue;
    const id = summaryNodeId(status, rest, known);
    out.tests[id] = merge(out.tests[id], status);
    if (status === 'ERROR' && !id.includes('::') && !out.collectionErrors.includes(id)) out.collectionErrors.push(id);
  }
  return out;
}
