// The scripted policy: a TEST STAND-IN for an LLM, never a model. From a task row and (seed, task, sample) it
// plans a plausible episode — explore with bash / search, view the files the gold patch touches, then act by
// mode — and the server plays the plan one step per turn. With probability scripted_success_p (per task) the
// mode is `solve` (gold fix through file_editor str_replace calls, run the tests, submit); otherwise one of the
// failure modes below. Stateless: the step for a turn depends only on the plan and the turn index.
import { EQUIVALENT_MUTANTS } from './equivalentMutants.ts';
import { goldEditCalls, parseGoldPatch, type FileChange } from './goldEdits.ts';
import { applicableMutations, mutatePatch, type MutationKind } from './mutations.ts';
import { rngFor } from './rng.ts';

export type ScriptedMode = 'solve' | 'wrong_edit' | 'explore' | 'solve_no_submit' | 'malformed';
export type MalformedVariant = 'invalid_json' | 'unknown_tool' | 'missing_field' | 'empty' | 'no_call';

export interface ScriptedTask {
  instance_id: string;
  patch: string;
  FAIL_TO_PASS?: string[] | string;
  scripted_success_p?: unknown;
}

export type ScriptedStep =
  | { kind: 'call'; thought: string; name: string; arguments: Record<string, unknown> }
  | { kind: 'malformed'; variant: MalformedVariant };

export interface ScriptedPlan {
  mode: ScriptedMode;
  /** Whether the exploration includes one (refused) look at git history. */
  peeksHistory: boolean;
  steps: ScriptedStep[];
  /** Played in a cycle once the steps run out (modes that never submit run into max turns). */
  repeat: ScriptedStep[];
  /** wrong_edit: which mistake the gold patch was given (infra/scripted-policy/mutations.ts). */
  mutation?: MutationKind;
}

export const DEFAULT_SUCCESS_P = 0.5;
/** How the (1 - p) failures split across modes. */
export const FAILURE_MODES: readonly [ScriptedMode, number][] = [
  ['wrong_edit', 0.35],
  ['explore', 0.25],
  ['solve_no_submit', 0.2],
  ['malformed', 0.2],
];
export const HISTORY_PEEK_P = 0.15;
const MALFORMED_CYCLE: MalformedVariant[] = ['invalid_json', 'unknown_tool', 'missing_field', 'empty', 'no_call'];

const call = (thought: string, name: string, args: Record<string, unknown>): ScriptedStep => ({
  kind: 'call',
  thought,
  name,
  arguments: args,
});

export function successProbability(task: ScriptedTask): number {
  const p = task.scripted_success_p;
  return typeof p === 'number' && p >= 0 && p <= 1 ? p : DEFAULT_SUCCESS_P;
}

function firstTestFile(task: ScriptedTask): string | undefined {
  let tests = task.FAIL_TO_PASS;
  if (typeof tests === 'string') {
    try {
      tests = JSON.parse(tests) as string[];
    } catch {
      return undefined;
    }
  }
  return Array.isArray(tests) && tests[0] ? tests[0].split('::')[0] : undefined;
}

/** A term worth grepping for: the enclosing def/class of the first hunk, else the first file's stem. */
function searchTerm(changes: FileChange[]): string {
  const section = changes.flatMap((f) => f.hunks).find((h) => /\b(def|class)\s+\w+/.test(h.section))?.section;
  const m = section ? /\b(def|class)\s+(\w+)/.exec(section) : null;
  if (m) return `${m[1]} ${m[2]}`;
  return (changes[0]?.path.split('/').pop() ?? 'main').replace(/\.\w+$/, '');
}

/** The wrong fixes the stand-in may play for a task: mutants of its gold patch the tests tell apart. */
export function wrongEditKinds(task: ScriptedTask): MutationKind[] {
  const equivalent = EQUIVALENT_MUTANTS[task.instance_id] ?? [];
  return applicableMutations(task.patch).filter((k) => !equivalent.includes(k));
}

/** The edits of a wrong fix: the gold patch with one plausible mistake, applied like the gold edits are. */
function wrongEdits(task: ScriptedTask, kind: MutationKind, root: string): ScriptedStep[] {
  const mutated = mutatePatch(task.patch, kind)!;
  return goldEditCalls(parseGoldPatch(mutated), root).map((c) =>
    call('Now I will make the change.', c.name, c.arguments),
  );
}

export function chooseMode(u: number, v: number, p: number): ScriptedMode {
  if (u < p) return 'solve';
  let acc = 0;
  for (const [mode, w] of FAILURE_MODES) if (v < (acc += w)) return mode;
  return FAILURE_MODES[FAILURE_MODES.length - 1]![0];
}

export function planFor(
  task: ScriptedTask,
  seed: number,
  sample: number,
  root = '/testbed',
  offered: { lsp?: boolean } = {},
): ScriptedPlan {
  const rng = rngFor(seed, task.instance_id, sample);
  let mode = chooseMode(rng(), rng(), successProbability(task));
  const wrongKinds = mode === 'wrong_edit' ? wrongEditKinds(task) : [];
  // A gold patch with no place for a mistake the tests would catch: the episode explores instead.
  if (mode === 'wrong_edit' && !wrongKinds.length) mode = 'explore';
  const changes = parseGoldPatch(task.patch);
  const testFile = firstTestFile(task);
  const runTests = call('Let me run the relevant tests.', 'bash', {
    command: testFile ? `python3 -m pytest -q ${testFile} 2>&1 | tail -n 15` : 'python3 -m pytest -q 2>&1 | tail -n 15',
  });
  const explore: ScriptedStep[] = [
    call('Let me look at the layout of the repository.', 'bash', {
      command: "find . -name '*.py' -not -path './.git/*' | sort | head -n 50",
    }),
    call('Let me find the relevant code.', 'search', { search_term: searchTerm(changes) }),
    runTests,
  ].slice(0, 1 + Math.floor(rng() * 3));
  const peeksHistory = rng() < HISTORY_PEEK_P;
  if (peeksHistory)
    explore.splice(1, 0, call('Let me check recent commits for hints.', 'bash', { command: 'git log --oneline -5' }));
  const views = changes
    .filter((f) => f.kind === 'modify')
    .map((f) => call(`Let me read ${f.path}.`, 'file_editor', { command: 'view', path: `${root}/${f.path}` }));
  // With the lsp tool offered, the teacher lists the symbols of each file it is about to edit (no draw from the
  // rng: the rest of the plan is the same as without the tool).
  if (offered.lsp)
    for (const f of changes.filter((c) => c.kind === 'modify' && c.path.endsWith('.py')))
      views.push(
        call(`Let me list the functions in ${f.path}.`, 'lsp', {
          command: 'document_symbols',
          path: `${root}/${f.path}`,
        }),
      );
  const edits = goldEditCalls(changes, root).map((c) => call('Now I will make the change.', c.name, c.arguments));
  const submit = call('The fix is in place; submitting.', 'submit', {});
  const steps = [...explore, ...views];
  switch (mode) {
    case 'solve':
      return { mode, peeksHistory, steps: [...steps, ...edits, runTests, submit], repeat: [submit] };
    case 'wrong_edit': {
      const kind = wrongKinds[Math.floor(rng() * wrongKinds.length)]!;
      const edits = wrongEdits(task, kind, root);
      return { mode, peeksHistory, mutation: kind, steps: [...steps, ...edits, runTests, submit], repeat: [submit] };
    }
    case 'solve_no_submit':
      return {
        mode,
        peeksHistory,
        steps: [...steps, ...edits],
        repeat: [call('Let me review my change.', 'bash', { command: 'git diff' }), runTests, ...views],
      };
    case 'explore':
      // Stuck re-running the same command: what loop detection is for.
      return { mode, peeksHistory, steps, repeat: [runTests] };
    case 'malformed':
      return {
        mode,
        peeksHistory,
        steps: steps.slice(0, 1),
        repeat: MALFORMED_CYCLE.map((variant) => ({ kind: 'malformed', variant })),
      };
  }
}

/** The step for the 0-based turn index: the scripted steps, then the repeat cycle. */
export function stepAt(plan: ScriptedPlan, turnIndex: number): ScriptedStep {
  if (turnIndex < plan.steps.length) return plan.steps[turnIndex]!;
  return plan.repeat[(turnIndex - plan.steps.length) % plan.repeat.length]!;
}
