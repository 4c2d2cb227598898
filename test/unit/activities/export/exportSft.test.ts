// SFT rows in the OpenAI, TRL and LLaMA-Factory formats: tools present for native-format trajectories, tool-call
// arguments in each format's own shape, observations where each format wants them.
import { describe, expect, it } from 'vitest';
import { TOOL_SPECS } from '../../../../activities/trajectory/toolSpecs.ts';
import { sftRow, toolFormatOf } from '../../../../activities/export/sftFormats.ts';
import { nativeTrajectory, textTrajectory } from '../../../fixtures/exportTrajectories.ts';

type Msg = { role: string; content?: string; tool_calls?: { function: { name: string; arguments: unknown } }[] };

describe('tool format of a stored trajectory', () => {
  it('native unless the system prompt has the text tool block', () => {
    expect(toolFormatOf(nativeTrajectory())).toBe('native');
    expect(toolFormatOf(textTrajectory())).toBe('text');
  });
});

describe('openai', () => {
  const row = sftRow(nativeTrajectory(), 'openai') as { messages: Msg[]; tools: unknown[] };
  it('carries the tool schemas and arguments as JSON strings, no trainer-only keys', () => {
    expect(row.tools).toEqual(TOOL_SPECS);
    const a = row.messages[4]!;
    expect(a.tool_calls!.map((c) => c.function.name)).toEqual(['file_editor', 'bash']);
    expect(typeof a.tool_calls![0]!.function.arguments).toBe('string');
    expect(JSON.stringify(row)).not.toContain('"meta"');
    expect(row.messages[5]).toMatchObject({ role: 'tool', tool_call_id: 'call_2_0' });
  });
});

it('openai keeps a carried reply at weight 0 (a condensed context); trl has no such field', () => {
  const t = nativeTrajectory();
  const i = t.findIndex((m) => m.role === 'assistant');
  t[i] = { ...t[i]!, weight: 0 };
  const openai = sftRow(t, 'openai') as { messages: { weight?: number }[] };
  expect(openai.messages.map((m, k) => [k, m.weight]).filter(([, w]) => w !== undefined)).toEqual([[i, 0]]);
  expect(JSON.stringify(sftRow(t, 'trl'))).not.toContain('"weight"');
});

describe('trl', () => {
  it('native: tools plus arguments as objects (what chat templates render)', () => {
    const row = sftRow(nativeTrajectory(), 'trl') as { messages: Msg[]; tools: unknown[] };
    expect(row.tools).toHaveLength(TOOL_SPECS.length);
    expect(row.messages[4]!.tool_calls![0]!.function.arguments).toEqual({
      command: 'str_replace',
      path: '/testbed/calc/ops.py',
      old_str: 'return a - b',
      new_str: 'return a + b',
    });
  });

  it('text: no tools column (the prompt lists them), observations as <tool_response> user turns', () => {
    const row = sftRow(textTrajectory(), 'trl') as { messages: Msg[]; tools?: unknown };
    expect(row.tools).toBeUndefined();
    expect(row.messages[0]!.content).toContain('<tools>');
    expect(row.messages[3]).toEqual({
      role: 'user',
      content: '<tool_response>\n1 failed\n[exit code 1]\n</tool_response>',
    });
  });

  it('text: a teacher’s structured calls become <tool_call> text', () => {
    const teacher = nativeTrajectory();
    teacher[0] = textTrajectory()[0]!;
    const row = sftRow(teacher, 'trl') as { messages: Msg[] };
    expect(row.messages[2]!.tool_calls).toBeUndefined();
    expect(row.messages[2]!.content).toContain('<tool_call>{"name": "search", "arguments": {"search_term":"def add"');
  });
});

describe('llamafactory', () => {
  const row = sftRow(nativeTrajectory(), 'llamafactory') as {
    conversations: { from: string; value: string }[];
    system: string;
    tools: string;
  };
  it('sharegpt turns alternate human/observation with gpt/function_call, end on the model; tools as a JSON string', () => {
    const froms = row.conversations.map((t) => t.from);
    // The submit call's observation (the patch) is dropped: LLaMA-Factory skips a row with an odd turn count.
    expect(froms).toEqual(['human', 'function_call', 'observation', 'function_call', 'observation', 'function_call']);
    froms.forEach((f, i) => expect(i % 2 ? ['gpt', 'function_call'] : ['human', 'observation']).toContain(f));
    expect(JSON.parse(row.conversations.at(-1)!.value)).toEqual({ name: 'submit', arguments: {} });
    expect(row.system).toMatch(/software engineer/);
    expect((JSON.parse(row.tools) as { name: string }[]).map((t) => t.name)).toEqual(
      TOOL_SPECS.map((t) => t.function.name),
    );
    // Two calls in one turn: a list; their two observations: one turn.
    expect(JSON.parse(row.conversations[3]!.value)).toHaveLength(2);
    expect(row.conversations[4]!.value).toContain('3 passed');
  });

  it('text format: an observation then a user nudge is one human turn; the last turn is the model’s', () => {
    const t = textTrajectory();
    t.push({ role: 'user', content: 'Please call a tool.' });
    const text = sftRow(t, 'llamafactory') as { conversations: { from: string; value: string }[]; tools?: string };
    expect(text.conversations.map((c) => c.from)).toEqual(['human', 'gpt']);
    expect(text.conversations[1]!.value).toContain('<tool_call>');
    expect(text.tools).toBeUndefined();
    const nudged = [...t, { role: 'assistant' as const, content: 'Done.' }];
    const turns = (sftRow(nudged, 'llamafactory') as { conversations: { from: string; value: string }[] })
      .conversations;
    expect(turns.map((c) => c.from)).toEqual(['human', 'gpt', 'human', 'gpt']);
    expect(turns[2]!.value).toBe('<tool_response>\n1 failed\n[exit code 1]\n</tool_response>\nPlease call a tool.');
  });
});
