// SWE-World (SWE-Master) as an execution simulator. Its input is what execution would see: the issue, the
// candidate patch, the modified files' content around each hunk (after the patch), and each test to run with its
// source. Its output is a simulated report, one status per listed test, and the reward is derived from that report
// by THE harness's grading function (gradeTests via core/testStatuses.ts) — there is no separate reward head that
// could disagree with the report. The model behind it is a scorer asked once per listed test (P(YES) = passes);
// the same text trains it (one row per recorded test status) and queries it. Pure: no I/O.
import { clip, keepEnd } from './verifierPrompt.ts';
import type { Grade } from './grading.ts';
import { gradeRecord, type TestLists, type TestRecord } from './testStatuses.ts';
import { newPath, newSide, parseDiff } from './unifiedDiff.ts';

export const SWE_WORLD_TEST_QUESTION =
  'Simulate running this test with the candidate patch and the test patch applied. Does it pass? Answer YES or NO.\nAnswer:';

export interface SweWorldCase extends TestLists {
  problemStatement: string;
  /** The candidate's diff. */
  patch: string;
  /** The task's test patch (the new tests' source lives here). */
  testPatch: string;
  /**
   * The modified files around each hunk as the evaluation container read them after the patch (wider than the
   * patch's context lines); without them the post-patch side of each hunk stands in.
   */
  files?: readonly { path: string; start: number; end: number; text: string }[];
}

export interface SweWorldLimits {
  maxChars: number;
  issueChars: number;
  diffChars: number;
  filesChars: number;
  testChars: number;
}
export const DEFAULT_SWE_WORLD_LIMITS: SweWorldLimits = {
  maxChars: 12_000,
  issueChars: 2_500,
  diffChars: 4_000,
  filesChars: 3_000,
  testChars: 1_500,
};

interface Hunk {
  path: string;
  start: number;
  /** The post-patch side: context and added lines, as the file reads after the patch. */
  after: string[];
}

/** Each hunk's post-patch text with its line numbers: the modified files' content around the hunks. */
export function patchedHunks(patch: string): Hunk[] {
  return parseDiff(patch).files.flatMap((f) => {
    const path = newPath(f);
    if (path === undefined || path === '') return [];
    return f.hunks.map((h) => {
      const after = newSide(h);
      while (after.length && after[after.length - 1] === '') after.pop();
      return { path, start: h.newStart, after };
    });
  });
}

/** `path::Class::test_name[param]` -> { file, name } (the function whose source defines the test). */
export function testLocation(id: string): { file: string; name: string } {
  const [file = '', ...parts] = id.split('::');
  const last = (parts[parts.length - 1] ?? '').replace(/\[.*$/s, '');
  return { file, name: last };
}

const indentOf = (line: string) => /^\s*/.exec(line)![0].length;

/** Source of the test functions the test patch adds or changes, keyed `file::name`. */
export function testSources(testPatch: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const h of patchedHunks(testPatch)) {
    const lines = h.after;
    for (let i = 0; i < lines.length; i++) {
      const m = /^(\s*)(?:async\s+)?def\s+(\w+)\s*\(/.exec(lines[i]!);
      if (!m) continue;
      // Decorators just above (parametrize lists) belong to the test; the body is what is indented deeper.
      const indent = m[1]!.length;
      let from = i;
      for (let j = i - 1; j >= 0 && lines[j]!.trim(); j--) {
        if (indentOf(lines[j]!) < indent) break;
        if (indentOf(lines[j]!) === indent && !/^\s*[@)\]]/.test(lines[j]!)) break;
        if (indentOf(lines[j]!) === indent && lines[j]!.trim().startsWith('@')) from = j;
      }
      let to = i + 1;
      while (to < lines.length && (!lines[to]!.trim() || indentOf(lines[to]!) > indent)) to++;
      const body = lines.slice(from, to).join('\n').trimEnd();
      out.set(`${h.path}::${m[2]}`, body);
    }
  }
  return out;
}

function filesSection(patch: string, maxChars: number, files?: SweWorldCase['files']): string {
  if (files?.length)
    return clip(
      files.map((f) => `### ${f.path} (lines ${f.start}-${f.end}, after the patch)\n${f.text}`).join('\n\n'),
      maxChars,
    );
  const hunks = patchedHunks(patch);
  if (!hunks.length) return '(none: the candidate changes nothing)';
  const text = hunks
    .map(
      (h) => `### ${h.path} (lines ${h.start}-${h.start + h.after.length - 1}, after the patch)\n${h.after.join('\n')}`,
    )
    .join('\n\n');
  return clip(text, maxChars);
}

/** The shared part of every per-test question about one candidate. */
export function renderSweWorldContext(c: SweWorldCase, limits: Partial<SweWorldLimits> = {}): string {
  const l = { ...DEFAULT_SWE_WORLD_LIMITS, ...limits };
  const patch = c.patch.trim() ? '```diff\n' + clip(c.patch.trimEnd(), l.diffChars) + '\n```' : '(no changes)';
  return [
    `## Issue\n${clip(c.problemStatement.trim(), l.issueChars)}`,
    `## Candidate patch\n${patch}`,
    `## Modified files around the hunks\n${filesSection(c.patch, l.filesChars, c.files)}`,
  ].join('\n\n');
}

/** One listed test's question: the shared context, then the test's name, list and source, then the question. */
export function renderSweWorldTestText(
  context: string,
  testId: string,
  sources: ReadonlyMap<string, string>,
  list: 'FAIL_TO_PASS' | 'PASS_TO_PASS',
  limits: Partial<SweWorldLimits> = {},
): string {
  const l = { ...DEFAULT_SWE_WORLD_LIMITS, ...limits };
  const { file, name } = testLocation(testId);
  const source = sources.get(`${file}::${name}`);
  const body = source
    ? '```python\n' + clip(source, l.testChars) + '\n```'
    : `(defined in ${file}; the test patch does not change it)`;
  const tail = `## Test to run (${list})\n${testId}\n${body}\n\n## Question\n${SWE_WORLD_TEST_QUESTION}`;
  return keepEnd(`${context}\n\n${tail}`, l.maxChars);
}

/** Every listed test's question for one candidate, in list order (FAIL_TO_PASS first). */
export function sweWorldTexts(
  c: SweWorldCase,
  limits: Partial<SweWorldLimits> = {},
): { testId: string; text: string }[] {
  const context = renderSweWorldContext(c, limits);
  const sources = testSources(c.testPatch);
  return [
    ...c.failToPass.map((t) => ({
      testId: t,
      text: renderSweWorldTestText(context, t, sources, 'FAIL_TO_PASS', limits),
    })),
    ...c.passToPass.map((t) => ({
      testId: t,
      text: renderSweWorldTestText(context, t, sources, 'PASS_TO_PASS', limits),
    })),
  ];
}

export const SWE_WORLD_REPORT_INSTRUCTION =
  'Simulate running the tests above with the candidate patch and the test patch applied. Write one line per test, ' +
  'in the order listed: the test id, a space, then PASSED or FAILED. End with REWARD: 1 if every test passes, else REWARD: 0.';

/** The generative simulator's prompt: the shared context, every listed test with its source, the instruction. */
export function renderSweWorldReportPrompt(c: SweWorldCase, limits: Partial<SweWorldLimits> = {}): string {
  const l = { ...DEFAULT_SWE_WORLD_LIMITS, ...limits };
  const sources = testSources(c.testPatch);
  const shown = new Set<string>();
  const block = (list: string, ids: readonly string[]) =>
    `${list}:\n${ids.length ? ids.map((t) => `- ${t}`).join('\n') : '(none)'}`;
  const code: string[] = [];
  for (const id of [...c.failToPass, ...c.passToPass]) {
    const { file, name } = testLocation(id);
    const src = sources.get(`${file}::${name}`);
    if (src && !shown.has(`${file}::${name}`)) code.push('```python\n' + clip(src, l.testChars) + '\n```');
    shown.add(`${file}::${name}`);
  }
  const tests = `## Tests to run\n${block('FAIL_TO_PASS', c.failToPass)}\n${block('PASS_TO_PASS', c.passToPass)}`;
  const text = [
    renderSweWorldContext(c, limits),
    tests,
    `## Source of the new or changed tests\n${code.length ? clip(code.join('\n\n'), l.testChars * 3) : '(none)'}`,
    `## Simulated test report\n${SWE_WORLD_REPORT_INSTRUCTION}\n`,
  ].join('\n\n');
  return keepEnd(text, l.maxChars);
}

export interface SimulatedReport {
  /** One status per listed test: PASSED when the simulator's P(pass) >= 0.5. */
  tests: TestRecord;
  grade: Grade;
  /** gradeTests(report).resolved: the reward the harness would give a real log with these statuses. */
  reward: 0 | 1;
  /**
   * Ranking score: the least confident pass. It is > 0.5 exactly when every test is predicted to pass, i.e.
   * exactly when reward is 1, so ranking by it never contradicts the reward.
   */
  score: number;
}

export function simulateReport(lists: TestLists, pPass: Readonly<Record<string, number>>): SimulatedReport {
  const tests: TestRecord = {};
  for (const id of [...lists.failToPass, ...lists.passToPass])
    tests[id] = (pPass[id] ?? 0) >= 0.5 ? 'PASSED' : 'FAILED';
  const grade = gradeRecord(lists, tests);
  const ps = [...lists.failToPass, ...lists.passToPass].map((id) => pPass[id] ?? 0);
  return { tests, grade, reward: grade.resolved ? 1 : 0, score: ps.length ? Math.min(...ps) : 1 };
}

/** The report as text (the generative simulator's target, and what a served simulator is asked to write). */
export function renderReport(lists: TestLists, tests: Readonly<TestRecord>): string {
  const ids = [...lists.failToPass, ...lists.passToPass];
  const reward = gradeRecord(lists, tests).resolved ? 1 : 0;
  return `${ids.map((id) => `${id} ${tests[id] ?? 'MISSING'}`).join('\n')}\nREWARD: ${reward}`;
}

/** Statuses a written report gives the listed tests (a test it does not mention is MISSING, i.e. failed). */
export function parseReport(lists: TestLists, report: string): TestRecord {
  const out: TestRecord = {};
  const lines = report.split('\n').map((l) => l.trim());
  for (const id of [...lists.failToPass, ...lists.passToPass]) {
    const line = [...lines].reverse().find((l) => l.startsWith(`${id} `));
    const m = line ? /\b(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\s*$/.exec(line) : null;
    out[id] = m ? (m[1] as TestRecord[string]) : 'MISSING';
  }
  return out;
}
