// One stored trajectory as an SFT row in the formats other trainers read as they are (docs/export.md):
//   openai        OpenAI fine-tuning chat rows: messages (tool-call arguments as JSON strings) + tools
//   trl           Hugging Face / TRL conversational rows: messages (arguments as objects, as chat templates
//                 render them) + tools, the columns TRL's SFTTrainer passes to apply_chat_template
//   llamafactory  LLaMA-Factory ShareGPT rows: conversations of human / gpt / function_call / observation turns,
//                 system, and tools as a JSON string
// A native-format trajectory carries the tool schemas its model was given (toolSpecsOf); a text-format one has
// them in its system prompt already and its calls inside the assistant text, so it gets no `tools` column.
import type { TrajectoryMessage } from '../../contracts/rollout.ts';
import { formatTextToolCall } from '../../core/toolCalls.ts';
import { toolSpecsOf, type ToolSpec } from '../trajectory/toolSpecs.ts';

export const SFT_FORMATS = ['openai', 'trl', 'llamafactory'] as const;
export type SftFormat = (typeof SFT_FORMATS)[number];

/** A text-format system prompt lists the tools in a <tools> block (prompts.ts; also a teacher trajectory made
 *  into a text-format student's row, studentFormat.ts); anything else was served with native tool calls. */
export function toolFormatOf(messages: TrajectoryMessage[]): 'native' | 'text' {
  return messages.some((m) => m.role === 'system' && m.content.includes('\n<tools>\n')) ? 'text' : 'native';
}

/** The tools a trajectory's model was offered, or undefined for the text format (they are in the prompt). */
export function toolsOf(messages: TrajectoryMessage[]): ToolSpec[] | undefined {
  return toolFormatOf(messages) === 'native' ? toolSpecsOf(messages) : undefined;
}

function parseArgs(s: string): Record<string, unknown> | string {
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : s;
  } catch {
    return s; // a malformed call stays the text the model wrote
  }
}

type Row = Record<string, unknown>;

function withTextCalls(m: TrajectoryMessage): string {
  const calls = (m.tool_calls ?? []).map((c) => formatTextToolCall(c.function.name, parseArgs(c.function.arguments)));
  return [m.content, ...calls].filter(Boolean).join('\n');
}

/** In the text format an observation reaches the model as a user turn (wire.ts); exports show it the same way. */
const observation = (content: string) => `<tool_response>\n${content}\n</tool_response>`;

function chatMessages(messages: TrajectoryMessage[], argsAsObject: boolean): Row[] {
  const rows = chatTurns(messages, argsAsObject);
  // OpenAI's fine-tuning format has a per-message weight: a reply carried into a condensed context (weight 0,
  // core/context.ts) stays context there. TRL's conversational rows have no such field (docs/export.md).
  return argsAsObject ? rows : rows.map((r, i) => (messages[i]!.weight === 0 ? { ...r, weight: 0 } : r));
}

function chatTurns(messages: TrajectoryMessage[], argsAsObject: boolean): Row[] {
  const text = toolFormatOf(messages) === 'text';
  return messages.map((m): Row => {
    if (m.role === 'tool') {
      if (text) return { role: 'user', content: observation(m.content) };
      return {
        role: 'tool',
        tool_call_id: m.tool_call_id ?? '',
        ...(m.name ? { name: m.name } : {}),
        content: m.content,
      };
    }
    if (m.role !== 'assistant' || !m.tool_calls?.length) return { role: m.role, content: m.content };
    // A text-format model writes its calls into the reply; a teacher's structured calls are shown that way.
    if (text) return { role: 'assistant', content: withTextCalls(m) };
    return {
      role: 'assistant',
      content: m.content,
      tool_calls: m.tool_calls.map((c) => ({
        id: c.id,
        type: 'function',
        function: {
          name: c.function.name,
          arguments: argsAsObject ? parseArgs(c.function.arguments) : c.function.arguments,
        },
      })),
    };
  });
}

function shareGpt(messages: TrajectoryMessage[]): Row {
  const system = messages.find((m) => m.role === 'system')?.content ?? '';
  const text = toolFormatOf(messages) === 'text';
  const turns: { from: string; value: string }[] = [];
  const prompt = (from: string) => from === 'observation' || from === 'human';
  const push = (from: string, value: string) => {
    const last = turns[turns.length - 1];
    // LLaMA-Factory's converter wants human/observation turns at odd places and gpt/function_call at even ones:
    // consecutive observations (several calls in one turn), or an observation then a user nudge, merge.
    if (last && prompt(last.from) && prompt(from)) last.value += `\n${value}`;
    else turns.push({ from, value });
  };
  for (const m of messages) {
    if (m.role === 'system') continue;
    if (m.role === 'user') push('human', m.content);
    else if (m.role === 'tool') push(text ? 'human' : 'observation', text ? observation(m.content) : m.content);
    else if (m.tool_calls?.length && text) push('gpt', withTextCalls(m));
    else if (m.tool_calls?.length) {
      // A function_call turn is the call(s) as JSON and nothing else: text the model wrote before its call is
      // not kept in this format (docs/export.md).
      const calls = m.tool_calls.map((c) => ({ name: c.function.name, arguments: parseArgs(c.function.arguments) }));
      push('function_call', JSON.stringify(calls.length === 1 ? calls[0] : calls));
    } else push('gpt', m.content);
  }
  // A row must end on the model's turn (an even count), or the converter skips it as "Invalid message count": the
  // observation of the last call (the submitted patch, or the output at the turn limit) is not trained on anyway.
  while (turns.length && prompt(turns[turns.length - 1]!.from)) turns.pop();
  const tools = text ? undefined : toolSpecsOf(messages).map((s) => s.function);
  return { conversations: turns, system, ...(tools ? { tools: JSON.stringify(tools) } : {}) };
}

/** One SFT row of `format` from a stored trajectory. */
export function sftRow(messages: TrajectoryMessage[], format: SftFormat): Row {
  if (format === 'llamafactory') return shareGpt(messages);
  const tools = toolsOf(messages);
  return { messages: chatMessages(messages, format === 'trl'), ...(tools ? { tools } : {}) };
}

/** LLaMA-Factory finds a dataset through dataset_info.json; this is the entry for an exported file. */
export function llamaFactoryDatasetInfo(name: string, fileName: string): Row {
  return {
    [name]: {
      file_name: fileName,
      formatting: 'sharegpt',
      columns: { messages: 'conversations', system: 'system', tools: 'tools' },
      tags: {
        role_tag: 'from',
        content_tag: 'value',
        user_tag: 'human',
        assistant_tag: 'gpt',
        observation_tag: 'observation',
        function_tag: 'function_call',
      },
    },
  };
}
