// The ONE rendering of a candidate for the verifiers. Training rows (buildVerifierDataset) and scoring (onnx and
// llm backends) both call these functions, so a verifier is always asked about text shaped exactly like the text
// it was trained on. Pure: no I/O.
//
// ORM (SWE-Gym): issue + actions + final diff, ending in a question whose answer is the NEXT token, ` YES` or
// ` NO` (the trainer's yes/no tokens carry the leading space, so the text ends right after "Answer:").
// SWE-World (SWE-Master): issue, modified files, candidate patch and tests; the target is a simulated test report
// whose last line is `REWARD: 1` or `REWARD: 0`.
import { lineCounts, parseDiff } from './unifiedDiff.ts';

export const ORM_QUESTION = 'Does the final diff resolve the issue? Answer YES or NO.\nAnswer:';
export const ORM_YES = ' YES';
export const ORM_NO = ' NO';
const OMITTED = (n: number) => `(${n} earlier step${n === 1 ? '' : 's'} omitted)`;

export interface OrmLimits {
  /** Whole text, characters. The trainer / scorer then keep the last max_seq_len tokens of it. */
  maxChars: number;
  issueChars: number;
  diffChars: number;
  /** Per thought and per observation. */
  stepChars: number;
}
export const DEFAULT_ORM_LIMITS: OrmLimits = {
  maxChars: 24_000,
  issueChars: 4_000,
  diffChars: 8_000,
  stepChars: 1_200,
};

/** The parts of a stored trajectory message (contracts/rollout.ts TrajectoryMessage) the verifier reads. */
export interface VerifierMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: readonly { function: { name: string; arguments: string } }[];
}

export interface VerifierCandidate {
  problemStatement: string;
  /** The trajectory as stored (TrajectoryMessage JSONL); may be empty when only the diff is known. */
  messages: readonly VerifierMessage[];
  /** The candidate's final diff (empty: no change). */
  patch: string;
}

/** Keeps head and tail with a marker, so both the start of an output and its verdict line survive. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const keep = Math.max(0, max - 40);
  const head = Math.ceil(keep / 2);
  const tail = keep - head;
  return `${text.slice(0, head)}\n[... ${text.length - keep} characters cut ...]\n${tail ? text.slice(-tail) : ''}`;
}

/** One block per agent action: its thought, the tool calls, and the observations that answered them. */
export function renderSteps(messages: VerifierCandidate['messages'], stepChars: number): string[] {
  const steps: string[] = [];
  let seenAssistant = false;
  for (const m of messages) {
    const content = m.content ?? ''; // stored trajectories may carry null content next to tool calls
    if (m.role === 'assistant') {
      seenAssistant = true;
      const lines = [`### Step ${steps.length + 1}`];
      if (content.trim()) lines.push(`Thought: ${clip(content.trim(), stepChars)}`);
      for (const c of m.tool_calls ?? [])
        lines.push(`Action: ${c.function.name} ${clip(c.function.arguments, stepChars)}`);
      steps.push(lines.join('\n'));
    } else if (m.role === 'tool' || (m.role === 'user' && seenAssistant)) {
      // The system prompt and the task prompt before the first action restate the scaffold and the issue,
      // which the header already carries; observations after it are the evidence.
      const obs = `Observation: ${clip(content, stepChars)}`;
      if (steps.length) steps[steps.length - 1] += `\n${obs}`;
    }
  }
  return steps;
}

function fence(body: string): string {
  return '```diff\n' + body + (body.endsWith('\n') || !body ? '' : '\n') + '```';
}

/** Left truncation that keeps the end (the question must survive any cut). */
export function keepEnd(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : text.slice(text.length - maxChars);
}

/** The ORM text; its label is 1 when the candidate resolved the task. The next token answers it. */
export function renderOrmText(c: VerifierCandidate, limits: Partial<OrmLimits> = {}): string {
  const l = { ...DEFAULT_ORM_LIMITS, ...limits };
  const head = `## Issue\n${clip(c.problemStatement.trim(), l.issueChars)}\n\n`;
  const tail =
    `## Final diff\n${c.patch.trim() ? fence(clip(c.patch, l.diffChars)) : '(no changes)'}\n\n` +
    `## Question\n${ORM_QUESTION}`;
  const steps = renderSteps(c.messages, l.stepChars);
  const title = (n: number) => `## Agent trajectory (${n} step${n === 1 ? '' : 's'})\n`;
  const room = l.maxChars - head.length - tail.length - title(steps.length).length - 40;
  // Drop the oldest steps first: the last actions (tests run, the submit) say most about the outcome.
  let used = 0;
  let first = steps.length;
  while (first > 0 && used + steps[first - 1]!.length + 2 <= room) used += steps[--first]!.length + 2;
  const body = [...(first > 0 ? [OMITTED(first)] : []), ...steps.slice(first)].join('\n\n');
  return keepEnd(head + title(steps.length) + (body ? `${body}\n\n` : '') + tail, l.maxChars);
}

export interface DiffStat {
  path: string;
  added: number;
  removed: number;
  status: 'modified' | 'new' | 'deleted';
}

/** Files a unified git diff touches, with line counts (files without a `diff --git` line are not counted). */
export function diffStat(patch: string): DiffStat[] {
  return parseDiff(patch).files.flatMap((f) => {
    const head = /^diff --git "?a\/.*?"? "?b\/(.*?)"?$/.exec(f.header[0] ?? '');
    if (!head) return [];
    const mode = f.header.find((l) => l.startsWith('new file mode') || l.startsWith('deleted file mode'));
    const status = mode === undefined ? 'modified' : mode.startsWith('new') ? 'new' : 'deleted';
    return [{ path: head[1]!, ...lineCounts(f), status }];
  });
}

export interface SweWorldInput {
  problemStatement: string;
  patch: string;
  testPatch: string;
  failToPass: readonly string[];
  passToPass: readonly string[];
}

export const SWE_WORLD_INSTRUCTION =
  'Simulate running the tests above on the repository with the candidate patch and the test patch applied. ' +
  'List each test with PASSED or FAILED, then end with the line REWARD: 1 if every listed test passes, else REWARD: 0.';

/** The SWE-World prompt; the model continues it with a test report (see renderSweWorldTarget). */
export function renderSweWorldPrompt(s: SweWorldInput, limits: Partial<OrmLimits> = {}): string {
  const l = { ...DEFAULT_ORM_LIMITS, ...limits };
  const files = diffStat(s.patch);
  const fileLines = files.length
    ? files
        .map((f) => `- ${f.path} (+${f.added} -${f.removed}${f.status === 'modified' ? '' : `, ${f.status}`})`)
        .join('\n')
    : '(none: the candidate changes nothing)';
  const tests = (name: string, ids: readonly string[]) =>
    `${name}:\n${ids.length ? ids.map((t) => `- ${t}`).join('\n') : '(none)'}`;
  const text = [
    `## Issue\n${clip(s.problemStatement.trim(), l.issueChars)}`,
    `## Modified files\n${fileLines}`,
    `## Candidate patch\n${s.patch.trim() ? fence(clip(s.patch, l.diffChars)) : '(no changes)'}`,
    `## Tests\n${tests('FAIL_TO_PASS', s.failToPass)}\n${tests('PASS_TO_PASS', s.passToPass)}\n\nTest patch:\n${fence(clip(s.testPatch, l.diffChars))}`,
    `## Simulated test report\n${SWE_WORLD_INSTRUCTION}\n`,
  ].join('\n\n');
  return keepEnd(text, l.maxChars);
}

export type TestStatus = 'PASSED' | 'FAILED' | 'SKIPPED' | 'ERROR' | 'XFAIL' | 'XPASS';

export interface SweWorldOutcome {
  outcome: 'resolved' | 'unresolved' | 'patch_failed';
  failToPass: readonly string[];
  passToPass: readonly string[];
  /** Per-test statuses from the real run when the rollout kept them; otherwise derived from the outcome. */
  tests?: Readonly<Record<string, TestStatus>>;
}

/** The training target: what a faithful simulator should have printed for this candidate. */
export function renderSweWorldTarget(o: SweWorldOutcome): string {
  if (o.outcome === 'patch_failed') return 'The candidate patch does not apply.\nREWARD: 0';
  const ids = [...o.failToPass, ...o.passToPass];
  const lines = ids.map((id) => {
    const known = o.tests?.[id];
    if (known) return `${id} ${known}`;
    return o.outcome === 'resolved' ? `${id} PASSED` : null;
  });
  const body = lines.every((x) => x !== null)
    ? (lines as string[]).join('\n')
    : 'At least one FAIL_TO_PASS or PASS_TO_PASS test FAILED.';
  return `${body}\nREWARD: ${o.outcome === 'resolved' ? 1 : 0}`;
}

/** The reward a simulated report ends with: the LAST `REWARD:` line wins; null when there is none. */
export function parseReward(report: string): 0 | 1 | null {
  const all = [...report.matchAll(/REWARD:\s*([01])(?![0-9])/g)];
  const last = all[all.length - 1];
  return last ? (Number(last[1]) as 0 | 1) : null;
}
