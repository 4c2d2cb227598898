// The lsp tool's TypeScript side without a container: which arguments each command needs, how the helper's answer
// becomes the observation (with the server's state when it was started or restarted), the tool offered only where
// agent.tools.lsp is on, and the tools a trajectory records (absent: the original four).
import { describe, expect, it } from 'vitest';
import { formatLspReply, lspRequest, parseLspOutput } from '../../../../activities/agent/lspTool.ts';
import { createToolbox } from '../../../../activities/agent/toolbox.ts';
import type { Environment } from '../../../../activities/agent/protocols.ts';
import {
  checkArguments,
  TOOL_SPECS,
  toolNamesFor,
  toolSpecsOf,
  toolsMeta,
} from '../../../../activities/trajectory/toolSpecs.ts';
import { textToolsBlock } from '../../../../activities/agent/prompts.ts';

describe('lsp arguments', () => {
  it('asks for what each command needs', () => {
    expect(lspRequest({ command: 'definition', path: 'a.py', line: 3 })).toEqual({
      problem: 'lsp definition needs "symbol"',
    });
    expect(lspRequest({ command: 'workspace_symbols' })).toEqual({ problem: 'lsp workspace_symbols needs "query"' });
    expect(lspRequest({ command: 'diagnostics' })).toEqual({ problem: 'lsp diagnostics needs "path"' });
    expect(lspRequest({ command: 'hover', path: 'a.py', line: 0, symbol: 'f' })).toEqual({
      problem: 'lsp: "line" is 1-indexed (>= 1)',
    });
  });
  it('sends only the fields of the command', () => {
    expect(lspRequest({ command: 'document_symbols', path: '/testbed/a.py', line: 4, query: 'x' })).toEqual({
      command: 'document_symbols',
      path: '/testbed/a.py',
    });
    expect(
      lspRequest({ command: 'call_hierarchy', path: 'a.py', line: 2, symbol: 'f', direction: 'outgoing' }),
    ).toEqual({ command: 'call_hierarchy', path: 'a.py', line: 2, symbol: 'f', direction: 'outgoing' });
  });
  it('checks types and enums with the schema', () => {
    expect(checkArguments('lsp', { command: 'rename', line: '3' })).toBe(
      'lsp: argument "command" must be one of definition, type_definition, hover, references, document_symbols, ' +
        'workspace_symbols, call_hierarchy, diagnostics; argument "line" must be an integer',
    );
  });
});

describe('lsp answers', () => {
  it('says when the call started or restarted the server', () => {
    expect(formatLspReply({ ok: true, text: 'a.py:3: def f():', server: 'found' })).toEqual({
      observation: 'a.py:3: def f():',
    });
    expect(formatLspReply({ ok: true, text: 'x', server: 'started', ms: 1500 }).observation).toBe(
      '[lsp: language server started in this sandbox (1500 ms, indexing included)]\nx',
    );
    expect(formatLspReply({ ok: false, error: 'symbol "g" is not on line 3', server: 'restarted', ms: 9 })).toEqual({
      observation:
        '[lsp: the language server was not running (killed, or the sandbox was resumed); restarted (9 ms)]\n' +
        'Error: symbol "g" is not on line 3',
      error: 'symbol "g" is not on line 3',
    });
  });
  it('finds the answer line among other output', () => {
    expect(parseLspOutput('warning: x\n{"ok": true, "text": "t", "server": "found"}\n')).toEqual({
      ok: true,
      text: 't',
      server: 'found',
    });
    expect(parseLspOutput('python3: not found')).toBeUndefined();
  });
});

describe('the lsp tool is offered only where configured', () => {
  const env = {
    workdir: '/testbed',
    exec: () => Promise.reject(new Error('no exec expected')),
  } as unknown as Environment;
  it('is an unknown tool by default, and its name is recorded only when offered', async () => {
    const out = await createToolbox(env, { commandTimeoutSec: 5, outputCapBytes: 1000 }).run({
      id: 'c',
      index: 0,
      name: 'lsp',
      arguments: { command: 'workspace_symbols', query: 'f' },
      rawArguments: '{}',
    });
    expect(out.observation).toBe('Error: unknown tool "lsp"; the tools are bash, file_editor, search, submit');
    expect(toolNamesFor({})).toEqual(['bash', 'file_editor', 'search', 'submit']);
    expect(toolsMeta(toolNamesFor({ tools: { lsp: false } }))).toEqual({});
    expect(toolsMeta(toolNamesFor({ tools: { lsp: true } }))).toEqual({
      tools: ['bash', 'file_editor', 'search', 'lsp', 'submit'],
    });
  });
  it('renders what a trajectory recorded; an old trajectory keeps the four', () => {
    expect(toolSpecsOf([{ role: 'system', content: 's' }])).toEqual(TOOL_SPECS);
    const withLsp = toolSpecsOf([
      { role: 'system', content: 's', meta: { tools: toolNamesFor({ tools: { lsp: true } }) } },
    ]);
    expect(withLsp.map((s) => s.function.name)).toEqual(['bash', 'file_editor', 'search', 'lsp', 'submit']);
    expect(textToolsBlock(withLsp)).toContain('"name":"lsp"');
    expect(textToolsBlock()).not.toContain('"name":"lsp"');
  });
});
