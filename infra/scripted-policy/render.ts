// How the scripted policy server (a TEST STAND-IN) writes a planned step as an OpenAI chat completion message:
// native tool calls when the request offered tools, else the project's text format. Malformed variants are
// rendered as the defects real models produce.
import { formatTextToolCall } from '../../core/toolCalls.ts';
import type { ScriptedStep } from './policy.ts';

export interface RenderedMessage {
  role: 'assistant';
  content: string | null;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
}

const NO_CALL_TEXT = 'I suspect the problem is in the parsing code, but I need to think about it more.';

function nativeCall(id: string, name: string, args: string): RenderedMessage {
  return {
    role: 'assistant',
    content: null,
    tool_calls: [{ id, type: 'function', function: { name, arguments: args } }],
  };
}

export function renderStep(step: ScriptedStep, format: 'native' | 'text', turn: number): RenderedMessage {
  const id = `call_scripted_${turn}`;
  if (step.kind === 'call') {
    if (format === 'text')
      return { role: 'assistant', content: `${step.thought}\n${formatTextToolCall(step.name, step.arguments)}` };
    return { ...nativeCall(id, step.name, JSON.stringify(step.arguments)), content: step.thought };
  }
  switch (step.variant) {
    case 'invalid_json':
      return format === 'text'
        ? { role: 'assistant', content: '<tool_call>{"name": "bash", "arguments": {"command": "ls -la"</tool_call>' }
        : nativeCall(id, 'bash', '{"command": "ls -la"');
    case 'unknown_tool':
      return format === 'text'
        ? { role: 'assistant', content: formatTextToolCall('run_shell', { cmd: 'ls' }) }
        : nativeCall(id, 'run_shell', '{"cmd": "ls"}');
    case 'missing_field':
      return format === 'text'
        ? { role: 'assistant', content: formatTextToolCall('file_editor', { command: 'view' }) }
        : nativeCall(id, 'file_editor', '{"command": "view"}');
    case 'empty':
      return { role: 'assistant', content: '' };
    case 'no_call':
      return { role: 'assistant', content: NO_CALL_TEXT };
  }
}
