// Trajectories out to SWE-agent, OpenHands and mini-swe-agent files and back in: each file has the shape its tool
// reads (checked field by field below), and an imported file is a trajectory of ours again — the same tool calls
// where the format can say them, the same observations and exit codes, the same submitted patch.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asShell } from '../../../../activities/export/trajectoryActions.ts';
import { TRAJECTORY_FORMATS } from '../../../../activities/export/formats.ts';
import { exportTrajectory } from '../../../../activities/export/trajectoryFormats.ts';
import { importTrajectory } from '../../../../activities/export/trajectoryImport.ts';
import { PATCH, nativeTrajectory, textTrajectory } from '../../../fixtures/exportTrajectories.ts';

const info = { instanceId: 'fixture__calc-1', model: 'teacher', patch: PATCH, exitStatus: 'submitted' };
type Obj = Record<string, unknown>;
const calls = (ms: ReturnType<typeof nativeTrajectory>) =>
  ms.flatMap((m) =>
    (m.tool_calls ?? []).map((c) => ({ name: c.function.name, args: JSON.parse(c.function.arguments) })),
  );

describe('export', () => {
  it('swe-agent: history with tool calls of its own tools, one trajectory step per action, the submission', () => {
    const t = exportTrajectory(nativeTrajectory(), info, 'swe-agent') as Obj;
    const steps = t.trajectory as Obj[];
    expect(steps.map((s) => s.action)).toEqual([
      "search_dir --search_term 'def add' --dir '/testbed'",
      "str_replace_editor 'str_replace' '/testbed/calc/ops.py' --old_str 'return a - b' --new_str 'return a + b'",
      'python -m pytest -q tests',
      'submit',
    ]);
    expect(steps[2]!.observation).toBe('3 passed in 0.01s');
    expect((t.info as Obj).submission).toBe(PATCH);
    const names = (t.history as Obj[]).flatMap((h) =>
      ((h.tool_calls as Obj[]) ?? []).map((c) => (c.function as Obj).name),
    );
    expect(names).toEqual(['search_dir', 'str_replace_editor', 'bash', 'submit']);
  });

  it('swe-agent: each step has the query the model was given (the history before its reply)', () => {
    const t = exportTrajectory(nativeTrajectory(), info, 'swe-agent') as Obj;
    const steps = t.trajectory as { query: Obj[] }[];
    expect(steps.map((s) => s.query.length)).toEqual([2, 4, 4, 7]);
    expect(steps[3]!.query).toEqual((t.history as Obj[]).slice(0, 7));
    expect(steps[3]!.query.at(-1)).toMatchObject({ role: 'tool', content: '3 passed in 0.01s' });
    expect(JSON.parse(String(t.replay_config))).toEqual({ agent: { model: { name: 'teacher' } } });
    // model_stats as SWE-agent counts them: one API call per reply, the loop's token counts summed.
    expect((t.info as Obj).model_stats).toEqual({
      instance_cost: 0,
      tokens_sent: 100,
      tokens_received: 10,
      api_calls: 3,
    });
  });

  it('mini-swe-agent 2.x: bash tool calls with their parsed actions, tool results, an exit message', () => {
    const t = exportTrajectory(nativeTrajectory(), info, 'mini-swe-agent') as {
      messages: Obj[];
      info: Obj;
      trajectory_format: string;
    };
    expect(t.trajectory_format).toBe('mini-swe-agent-1.1');
    expect(t.messages.map((m) => m.role)).toEqual([
      'system',
      'user',
      'assistant',
      'tool',
      'assistant',
      'tool',
      'tool',
      'assistant',
      'exit',
    ]);
    const replies = t.messages.filter((m) => m.role === 'assistant');
    for (const r of replies) {
      const calls = r.tool_calls as { id: string; function: { name: string; arguments: string } }[];
      expect(calls.every((c) => c.function.name === 'bash')).toBe(true);
      expect((r.extra as Obj).actions).toEqual(
        calls.map((c) => ({ command: JSON.parse(c.function.arguments).command, tool_call_id: c.id })),
      );
    }
    expect((replies[0]!.extra as Obj).actions).toEqual([
      { command: "grep -rn -F -- 'def add' '/testbed'", tool_call_id: 'call_1_0' },
    ]);
    expect(t.messages[5]).toMatchObject({
      tool_call_id: 'call_2_0',
      content: '<returncode>0</returncode>\n<output>\nThe file /testbed/calc/ops.py has been edited.</output>',
      extra: { raw_output: 'The file /testbed/calc/ops.py has been edited.', returncode: 0 },
    });
    // The submit command's output is the submission: no tool message, the exit message carries it.
    expect(t.messages.at(-1)).toEqual({
      role: 'exit',
      content: PATCH,
      extra: { exit_status: 'Submitted', submission: PATCH },
    });
    expect(t.info).toMatchObject({ exit_status: 'Submitted', submission: PATCH, model_stats: { api_calls: 3 } });
  });

  it('mini-swe-agent: the edit command does what file_editor did', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mini-edit-'));
    writeFileSync(join(dir, 'ops.py'), 'def add(a, b):\n    return a - b\n');
    const edit = nativeTrajectory()[4]!.tool_calls![0]!;
    const cmd = asShell({
      ...edit,
      function: {
        ...edit.function,
        arguments: edit.function.arguments.replace('/testbed/calc/ops.py', join(dir, 'ops.py')),
      },
    });
    execFileSync('bash', ['-c', cmd]);
    expect(readFileSync(join(dir, 'ops.py'), 'utf8')).toBe('def add(a, b):\n    return a + b\n');
  });

  it('openhands: run / edit / finish actions with observations caused by them', () => {
    const events = exportTrajectory(nativeTrajectory(), info, 'openhands') as Obj[];
    expect(events.map((e) => e.action ?? `obs:${e.observation}`)).toEqual([
      'system',
      'message',
      'run',
      'obs:run',
      'edit',
      'run',
      'obs:edit',
      'obs:run',
      'finish',
    ]);
    const edit = events[4]!;
    expect(edit.args).toMatchObject({ command: 'str_replace', path: '/testbed/calc/ops.py', old_str: 'return a - b' });
    expect(events[6]!.cause).toBe(4);
    expect((events[8]!.args as Obj).outputs).toEqual({ git_patch: PATCH });
  });

  it('openhands: tool_call_metadata as OpenHands reads it back, on actions and their observations', () => {
    const events = exportTrajectory(nativeTrajectory(), info, 'openhands') as Obj[];
    const meta = events.filter((e) => e.tool_call_metadata).map((e) => e.tool_call_metadata as Obj);
    expect(meta).toHaveLength(7); // 4 calls + 3 observations (finish has none)
    for (const m of meta)
      expect(Object.keys(m).sort()).toEqual([
        'function_name',
        'model_response',
        'tool_call_id',
        'total_calls_in_response',
      ]);
    // The edit and the test run came in one reply: both carry it, with both calls.
    expect(events[4]!.tool_call_metadata).toMatchObject({
      function_name: 'str_replace_editor',
      total_calls_in_response: 2,
    });
    expect(events[5]!.tool_call_metadata).toMatchObject({ function_name: 'execute_bash', total_calls_in_response: 2 });
    expect(events[2]!.tool_call_metadata).toMatchObject({ function_name: 'execute_bash' }); // search runs grep
    expect(events[6]).toMatchObject({ cause: 4, extras: { path: '/testbed/calc/ops.py' } });
    expect(events[7]).toMatchObject({
      cause: 5,
      extras: { command: 'python -m pytest -q tests', metadata: { exit_code: 0 } },
    });
  });
});

describe('export of a text-format trajectory (calls as <tool_call> blocks in the reply)', () => {
  it('each block becomes a structured call answered by its observation', () => {
    const swe = exportTrajectory(textTrajectory(), info, 'swe-agent') as Obj;
    expect((swe.trajectory as Obj[]).map((s) => [s.action, s.observation, s.thought])).toEqual([
      ['pytest -q', '1 failed\n[exit code 1]', 'Run the tests.'],
    ]);
    const oh = exportTrajectory(textTrajectory(), info, 'openhands') as Obj[];
    expect(oh.slice(2)).toMatchObject([
      { action: 'run', args: { command: 'pytest -q', thought: 'Run the tests.' } },
      { observation: 'run', cause: 2, content: '1 failed', extras: { metadata: { exit_code: 1 } } },
    ]);
    const mini = exportTrajectory(textTrajectory(), info, 'mini-swe-agent') as { messages: Obj[] };
    expect(mini.messages[2]).toMatchObject({
      content: 'Run the tests.',
      extra: { actions: [{ command: 'pytest -q', tool_call_id: 'call_1_0' }] },
    });
    expect(mini.messages[3]).toMatchObject({ role: 'tool', tool_call_id: 'call_1_0', extra: { returncode: 1 } });
  });
});

describe('import', () => {
  it.each(TRAJECTORY_FORMATS)('%s: a round trip keeps the observations, exit codes and the patch', (format) => {
    const back = importTrajectory(
      JSON.parse(JSON.stringify(exportTrajectory(nativeTrajectory(), info, format))),
      format,
    );
    expect(back.patch).toBe(PATCH);
    const tools = back.messages.filter((m) => m.role === 'tool').map((m) => m.content);
    expect(tools).toContain('3 passed in 0.01s');
    expect(back.messages.filter((m) => m.role === 'assistant').every((m) => m.tool_calls?.length)).toBe(true);
    // Every observation answers a call made before it.
    const ids = new Set<string>();
    for (const m of back.messages) {
      m.tool_calls?.forEach((c) => ids.add(c.id));
      if (m.role === 'tool') expect(ids.has(m.tool_call_id!)).toBe(true);
    }
  });

  it('swe-agent and openhands keep the editor call itself; mini-swe-agent gets its shell equivalent', () => {
    const edit = calls(nativeTrajectory())[1];
    for (const format of ['swe-agent', 'openhands'] as const) {
      const back = importTrajectory(exportTrajectory(nativeTrajectory(), info, format), format);
      expect(calls(back.messages)).toContainEqual(edit);
    }
    const mini = importTrajectory(exportTrajectory(nativeTrajectory(), info, 'mini-swe-agent'), 'mini-swe-agent');
    expect(calls(mini.messages).map((c) => c.name)).toEqual(['bash', 'bash', 'bash', 'submit']);
  });

  it('names what is missing', () => {
    expect(() => importTrajectory({}, 'swe-agent')).toThrow(/history/);
    expect(() => importTrajectory({}, 'mini-swe-agent')).toThrow(/messages/);
    expect(() => importTrajectory({}, 'openhands')).toThrow(/list of events/);
  });
});
