// Import of trajectory files the other agents wrote themselves (test/fixtures/foreign/README.md says which version,
// mode and run wrote each): every action becomes a call to our tools, every call is answered by its observation, the
// patch is found, and a file without an action fails naming the file. Expectations are read off the tool's own
// record where it has one (mini-swe-agent's parsed actions, OpenHands' action events).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { TrajectoryMessage } from '../../../../contracts/rollout.ts';
import { importTrajectory } from '../../../../activities/export/trajectoryImport.ts';
import { importTrajectories } from '../../../../activities/export/trajectoryImport.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- foreign JSON
const read = (f: string) => gunzipSync(readFileSync(`test/fixtures/foreign/${f}`)).toString('utf8');
const load = (f: string): Obj => JSON.parse(read(f));
const calls = (ms: TrajectoryMessage[]) =>
  ms.flatMap((m) =>
    (m.tool_calls ?? []).map((c) => ({ id: c.id, name: c.function.name, args: JSON.parse(c.function.arguments) })),
  );
const named = (ms: TrajectoryMessage[]) => calls(ms).map(({ name, args }) => ({ name, args }));
const resultOf = (ms: TrajectoryMessage[], id: string) =>
  ms.find((m) => m.role === 'tool' && m.tool_call_id === id)?.content;

/** Every call is answered exactly once, after it; every observation answers a call. Returns the number of calls. */
function answered(ms: TrajectoryMessage[]): number {
  const made = new Set<string>();
  const answers = new Map<string, number>();
  for (const m of ms) {
    m.tool_calls?.forEach((c) => made.add(c.id));
    if (m.role === 'tool') {
      expect(made.has(m.tool_call_id!), `${m.tool_call_id} answers a call made before it`).toBe(true);
      answers.set(m.tool_call_id!, (answers.get(m.tool_call_id!) ?? 0) + 1);
    }
  }
  expect([...made].filter((id) => answers.get(id) !== 1)).toEqual([]);
  return made.size;
}

describe('mini-swe-agent 2.4.6', () => {
  const FIX = '+    return a + b';

  it('tool-call mode: each parsed action is a call (two in one reply), the submit answered by the patch', () => {
    const raw = load('mini-swe-agent/calc__calc-1.traj.json.gz');
    const t = importTrajectory(raw, 'mini-swe-agent');
    const theirs: string[] = raw.messages.flatMap((m: Obj) => m.extra?.actions ?? []).map((a: Obj) => a.command);
    expect(theirs).toHaveLength(7);
    const ours = calls(t.messages);
    expect(ours.map((c) => (c.name === 'bash' ? c.args.command : c.name))).toEqual([...theirs.slice(0, 6), 'submit']);
    expect(theirs[6]).toMatch(/^echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT/);
    expect(t.messages.filter((m) => m.tool_calls).map((m) => m.tool_calls!.length)).toEqual([1, 2, 1, 1, 1, 1]);
    expect(answered(t.messages)).toBe(7);
    const test = ours.find((c) => c.args.command === 'python3 test_calc.py')!;
    expect(resultOf(t.messages, test.id)).toMatch(/AssertionError: -1\n[\s\S]*\[exit code 1\]$/);
    expect(resultOf(t.messages, ours[4]!.id)).toBe('ok\n');
    expect(t.patch).toContain(FIX);
    expect(resultOf(t.messages, ours[6]!.id)).toBe(t.patch);
  });

  it('text mode: the ```mswea_bash_command block of each reply is a call; the format error is left out', () => {
    const raw = load('mini-swe-agent/calc__calc-2.traj.json.gz');
    expect(raw.messages.some((m: Obj) => m.tool_calls?.length)).toBe(false);
    const t = importTrajectory(raw, 'mini-swe-agent');
    const ours = calls(t.messages);
    expect(ours.map((c) => c.name)).toEqual([...Array(6).fill('bash'), 'submit']);
    expect(ours[1]!.args.command).toBe("python3 -c 'import calc; print(calc.add(2, 3))'");
    expect(t.messages.filter((m) => m.role === 'assistant').every((m) => m.tool_calls?.length === 1)).toBe(true);
    expect(t.messages.some((m) => m.content.includes('```'))).toBe(true); // the prompts keep theirs
    expect(t.messages.filter((m) => m.role === 'assistant').some((m) => m.content.includes('```'))).toBe(false);
    expect(t.messages.some((m) => m.content.includes('Format error'))).toBe(false);
    expect(answered(t.messages)).toBe(7);
    expect(resultOf(t.messages, ours[3]!.id)).toMatch(/\[exit code 1\]$/);
    expect(t.patch).toContain(FIX);
  });
});

describe('mini-swe-agent 1.17.5', () => {
  it('```bash blocks; the last user message (the submission) answers the submit, in order', () => {
    const raw = load('mini-swe-agent/calc__calc-5.traj.json.gz');
    const t = importTrajectory(raw, 'mini-swe-agent');
    const ours = calls(t.messages);
    expect(ours.map((c) => c.name)).toEqual(['bash', 'bash', 'bash', 'submit']);
    expect(answered(t.messages)).toBe(4);
    expect(t.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: ours[3]!.id });
    expect(t.messages.at(-1)!.content).toBe(raw.info.submission);
    expect(resultOf(t.messages, ours[1]!.id)).toMatch(/\[exit code 1\]$/);
    expect(t.patch).toContain('+    return a + b');
  });
});

describe('SWE-agent', () => {
  const EDIT = {
    command: 'str_replace',
    path: '/swe_forge_calc/calc.py',
    old_str: 'return a - b',
    new_str: 'return a + b',
  };

  it('1.1.0 function calling: the editor call itself, bash, both submits (the first one reviewed)', () => {
    const t = importTrajectory(load('swe-agent/calc__calc-3.traj.gz'), 'swe-agent');
    const ours = calls(t.messages);
    expect(ours.map((c) => c.name)).toEqual(['file_editor', 'bash', 'file_editor', 'bash', 'submit', 'submit']);
    expect(ours[2]!.args).toEqual(EDIT);
    expect(answered(t.messages)).toBe(6);
    // content parts are text, not their JSON
    expect(t.messages.filter((m) => m.role === 'tool').every((m) => m.content.startsWith('OBSERVATION:'))).toBe(true);
    expect(resultOf(t.messages, ours[1]!.id)).toContain('AssertionError: -1');
    expect(t.patch).toContain('+    return a + b');
  });

  it('1.1.0 thought_action: the command line in the reply is read back into the same calls', () => {
    const raw = load('swe-agent/calc__calc-4.traj.gz');
    expect(raw.history.some((h: Obj) => h.tool_calls?.length)).toBe(false);
    const t = importTrajectory(raw, 'swe-agent');
    const fc = importTrajectory(load('swe-agent/calc__calc-3.traj.gz'), 'swe-agent');
    expect(named(t.messages)).toEqual(named(fc.messages));
    expect(answered(t.messages)).toBe(6);
    expect(t.messages.filter((m) => m.role === 'assistant').some((m) => m.content.includes('```'))).toBe(false);
    expect(t.patch).toBe(fc.patch);
  });

  it('0.x (its own test data): search and windowed tools, the last submit answered by the submission', () => {
    const raw = load('swe-agent/swe-agent__test-repo-i1.traj.gz');
    const t = importTrajectory(raw, 'swe-agent');
    const ours = calls(t.messages);
    expect(ours.map((c) => c.name)).toEqual(['search', 'bash', 'bash', 'bash', 'submit']);
    expect(ours[0]!.args).toMatchObject({ search_term: 'missing_colon.py', kind: 'filename' });
    expect(ours[2]!.args.command).toMatch(/^edit 4:4\n[\s\S]*\nend_of_edit$/);
    expect(answered(t.messages)).toBe(5);
    expect(t.patch).toBe(raw.info.submission);
    expect(t.patch).toContain('+def division(a: float, b: float) -> float:');
  });
});

describe('OpenHands', () => {
  const CALLS = ['run', 'read', 'edit', 'finish'];

  it('evaluation output.jsonl: one trajectory a line, its instance, calls as the LLM made them, the git_patch', () => {
    const lines = read('openhands/output.jsonl.gz')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Obj);
    const all = importTrajectories(read('openhands/output.jsonl.gz'), 'output.jsonl', 'openhands');
    expect(all.map((t) => t.instanceId)).toEqual(lines.map((l) => l.instance_id));
    for (const [i, t] of all.entries()) {
      const actions = (lines[i]!.history as Obj[]).filter((e) => CALLS.includes(e.action));
      expect(calls(t.messages)).toHaveLength(actions.length);
      expect(answered(t.messages)).toBe(actions.length);
      expect(t.patch).toBe(lines[i]!.test_result.git_patch);
      expect(t.patch).toMatch(/^diff --git/);
      const editor = calls(t.messages).filter((c) => c.name === 'file_editor');
      expect(editor.length).toBe(actions.filter((e) => e.action !== 'run' && e.action !== 'finish').length);
      for (const c of editor) expect(Object.keys(c.args)).not.toContain('impl_source');
    }
    const first = all[0]!;
    const think = (lines[0]!.history as Obj[]).find((e) => e.action === 'think')!;
    expect(first.messages.some((m) => m.role === 'assistant' && m.content.includes(think.args.thought))).toBe(true);
    const failed = first.messages.find(
      (m) => m.role === 'tool' && m.content.startsWith('bash: ponyc: command not found'),
    );
    expect(failed?.content).toMatch(/\[exit code 127\]$/);
    // one line parsed by the caller reads the same
    expect(calls(importTrajectory(lines[0], 'openhands').messages)).toEqual(calls(first.messages));
  });

  it('event list: an edit whose arguments are only in the LLM reply (tool_call_metadata) is the create it was', () => {
    const t = importTrajectory(load('openhands/basic.json.gz'), 'openhands');
    const ours = calls(t.messages);
    expect(ours.map((c) => c.name)).toEqual(['file_editor', 'submit']);
    expect(ours[0]!.args).toMatchObject({ command: 'create', path: '/workspace/game_2048.py' });
    expect(ours[0]!.args.file_text).toContain('class Game2048');
    expect(answered(t.messages)).toBe(2);
  });
});

describe('OpenHands V1 (software-agent-sdk 1.58.2)', () => {
  it('events by kind: the calls of one reply together, think as text, every call answered by tool_call_id', () => {
    const raw = load('openhands/sdk-conversation.json.gz') as unknown as Obj[];
    const actions = raw.filter((e) => e.kind === 'ActionEvent' && e.tool_name !== 'think');
    const t = importTrajectory(raw, 'openhands');
    const ours = calls(t.messages);
    expect(ours.map((c) => c.name)).toEqual(['file_editor', 'bash', 'file_editor', 'bash', 'submit']);
    expect(ours).toHaveLength(actions.length);
    expect(ours[2]!.args).toEqual(JSON.parse(actions[2]!.tool_call.arguments));
    expect(ours[1]!.args.command).toBe('python3 test_calc.py');
    expect(t.messages.filter((m) => m.tool_calls).map((m) => m.tool_calls!.length)).toEqual([2, 1, 1, 1]);
    expect(answered(t.messages)).toBe(5);
    expect(resultOf(t.messages, ours[1]!.id)).toMatch(/AssertionError: -1[\s\S]*\[exit code 1\]$/);
    const think = raw.find((e) => e.tool_name === 'think')!;
    expect(t.messages.find((m) => m.tool_calls?.[0]?.id === ours[2]!.id)?.content).toContain(
      JSON.parse(think.tool_call.arguments).thought,
    );
    expect(t.exitStatus).toBe('submitted');
  });
});

describe('fails loudly, naming the file', () => {
  it('an OpenHands conversation without an action', () => {
    const data = load('openhands/basic_interactions.json.gz');
    expect(() => importTrajectory(data, 'openhands', 'basic_interactions.json')).toThrow(
      /^basic_interactions\.json: no action found/,
    );
  });

  it('a mini-swe-agent file whose actions are in no form the tool writes', () => {
    const raw = load('mini-swe-agent/calc__calc-2.traj.json.gz');
    for (const m of raw.messages) {
      if (m.extra) delete m.extra.actions;
      if (typeof m.content === 'string') m.content = m.content.replaceAll('```mswea_bash_command', '```sh');
    }
    expect(() => importTrajectory(raw, 'mini-swe-agent', 'calc__calc-2.traj.json')).toThrow(
      /^calc__calc-2\.traj\.json: no action found/,
    );
  });

  it('a call whose observation is missing', () => {
    const raw = load('swe-agent/calc__calc-3.traj.gz');
    raw.history = raw.history.filter((h: Obj) => h.tool_call_ids?.[0] !== 'call_1');
    expect(() => importTrajectory(raw, 'swe-agent', 'x.traj')).toThrow(
      /^x\.traj: 1 of its 6 calls have no observation/,
    );
  });

  it('a broken line of an output.jsonl, by its number', () => {
    const first = read('openhands/output.jsonl.gz').split('\n')[0]!;
    expect(() => importTrajectories(`${first}\n{"instance_id": "x", "hist`, 'out.jsonl', 'openhands')).toThrow(
      /^out\.jsonl:2: not JSON/,
    );
  });
});
