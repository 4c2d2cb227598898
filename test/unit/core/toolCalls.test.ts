import { describe, expect, it } from 'vitest';
import { formatTextToolCall, parseNativeToolCalls, parseTextToolCalls } from '../../../core/toolCalls.ts';

describe('parseNativeToolCalls', () => {
  it('parses well-formed calls and keeps the raw arguments', () => {
    const r = parseNativeToolCalls('thinking', [
      { id: 'a', type: 'function', function: { name: 'bash', arguments: '{"command": "ls -la"}' } },
      { id: 'b', type: 'function', function: { name: 'submit', arguments: '' } },
    ]);
    expect(r.text).toBe('thinking');
    expect(r.errors).toEqual([]);
    expect(r.calls).toEqual([
      { id: 'a', index: 0, name: 'bash', arguments: { command: 'ls -la' }, rawArguments: '{"command": "ls -la"}' },
      { id: 'b', index: 1, name: 'submit', arguments: {}, rawArguments: '{}' },
    ]);
  });

  it('reports invalid JSON arguments against the call id', () => {
    const r = parseNativeToolCalls(null, [{ id: 'x', function: { name: 'bash', arguments: '{"command": "ls' } }]);
    expect(r.calls).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ id: 'x', index: 0, name: 'bash' });
    expect(r.errors[0]!.error).toMatch(/not valid JSON/);
  });

  it('rejects non-object arguments and nameless calls', () => {
    const r = parseNativeToolCalls('', [
      { id: 'x', function: { name: 'bash', arguments: '[1, 2]' } },
      { id: 'y', function: { arguments: '{}' } },
    ]);
    expect(r.errors.map((e) => e.id)).toEqual(['x', 'y']);
    expect(r.errors[0]!.error).toMatch(/JSON object/);
    expect(r.errors[1]!.error).toMatch(/without a function name/);
  });

  it('accepts double-encoded and already-parsed arguments', () => {
    const r = parseNativeToolCalls('', [
      { id: 'x', function: { name: 'bash', arguments: JSON.stringify('{"command": "pwd"}') } },
      { id: 'y', function: { name: 'bash', arguments: { command: 'id' } } },
    ]);
    expect(r.calls.map((c) => c.arguments)).toEqual([{ command: 'pwd' }, { command: 'id' }]);
  });

  it('gives ids to calls that lack one', () => {
    const r = parseNativeToolCalls('', [{ function: { name: 'submit', arguments: '{}' } }]);
    expect(r.calls[0]!.id).toBe('call_0');
  });

  it('treats a reply with no calls as text only', () => {
    expect(parseNativeToolCalls('', undefined)).toEqual({ text: '', calls: [], errors: [] });
  });
});

describe('parseTextToolCalls', () => {
  it('parses one or more blocks and keeps the surrounding text', () => {
    const content = `I will look.\n<tool_call>\n{"name": "bash", "arguments": {"command": "ls"}}\n</tool_call>\n<tool_call>{"name": "search", "arguments": {"search_term": "def f"}}</tool_call>`;
    const r = parseTextToolCalls(content, 't3');
    expect(r.errors).toEqual([]);
    expect(r.text).toBe('I will look.');
    expect(r.calls.map((c) => [c.id, c.name, c.arguments])).toEqual([
      ['t3_0', 'bash', { command: 'ls' }],
      ['t3_1', 'search', { search_term: 'def f' }],
    ]);
  });

  it('round-trips the canonical rendering', () => {
    const block = formatTextToolCall('file_editor', { command: 'view', path: '/testbed/a.py' });
    expect(block).toBe(
      '<tool_call>{"name": "file_editor", "arguments": {"command":"view","path":"/testbed/a.py"}}</tool_call>',
    );
    const r = parseTextToolCalls(block);
    expect(r.calls[0]).toMatchObject({ name: 'file_editor', arguments: { command: 'view', path: '/testbed/a.py' } });
  });

  it('reports invalid JSON, missing names, and bad arguments, each with an id', () => {
    const r = parseTextToolCalls(
      '<tool_call>{"name": "bash", "arguments": {"command": }</tool_call>' +
        '<tool_call>{"arguments": {}}</tool_call>' +
        '<tool_call>{"name": "bash", "arguments": 7}</tool_call>' +
        '<tool_call>[1]</tool_call>',
    );
    expect(r.calls).toEqual([]);
    expect(r.errors.map((e) => e.error)).toEqual([
      expect.stringMatching(/not valid JSON/),
      expect.stringMatching(/without a "name"/),
      expect.stringMatching(/JSON object/),
      expect.stringMatching(/must be a JSON object with "name"/),
    ]);
    expect(new Set(r.errors.map((e) => e.id)).size).toBe(4);
    expect(r.errors.map((e) => e.index)).toEqual([0, 1, 2, 3]);
  });

  it('reports an unterminated block (a reply cut off at max tokens)', () => {
    const r = parseTextToolCalls('ok <tool_call>{"name": "bash", "arguments": {"command": "ls"}}');
    expect(r.calls).toEqual([]);
    expect(r.errors[0]!.error).toMatch(/unterminated/);
    expect(r.text).toBe('ok');
  });

  it('accepts "parameters" as an alias of "arguments" and a missing arguments field', () => {
    const r = parseTextToolCalls(
      '<tool_call>{"name": "bash", "parameters": {"command": "ls"}}</tool_call><tool_call>{"name": "submit"}</tool_call>',
    );
    expect(r.calls.map((c) => c.arguments)).toEqual([{ command: 'ls' }, {}]);
  });

  it('finds nothing in an empty reply', () => {
    expect(parseTextToolCalls('')).toEqual({ text: '', calls: [], errors: [] });
    expect(parseTextToolCalls(undefined).calls).toEqual([]);
  });

  it('stays linear on a 1 MB reply full of unclosed tags', () => {
    const huge = '<tool_call>'.repeat(100_000);
    expect(huge.length).toBeGreaterThan(1_000_000);
    const r = parseTextToolCalls(huge);
    expect(r.calls).toEqual([]);
    expect(r.errors).toHaveLength(1);
  });

  it('parses a 1 MB argument intact', () => {
    const text = 'x'.repeat(1 << 20);
    const r = parseTextToolCalls(
      formatTextToolCall('file_editor', { command: 'create', path: '/tmp/big', file_text: text }),
    );
    expect((r.calls[0]!.arguments.file_text as string).length).toBe(1 << 20);
  });
});
