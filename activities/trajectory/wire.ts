// From the stored trajectory to what an OpenAI-compatible endpoint receives. The trajectory keeps observations as
// `tool` messages in both formats (the trainer's chat template renders them as <tool_response> user turns); for
// the text format the wire carries exactly that rendering, so the tokens a text-format model saw are the tokens
// the trainer later trains on.
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { TrajectoryMessage } from '../../contracts/rollout.ts';
import type { ModelEndpoint } from '../../config/schema.ts';

type ToolFormat = ModelEndpoint['toolFormat'];

export const toolResponse = (content: string) => `<tool_response>\n${content}\n</tool_response>`;

function validJsonObject(s: string): boolean {
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

export function toWireMessages(messages: TrajectoryMessage[], format: ToolFormat): ChatCompletionMessageParam[] {
  return messages.map((m): ChatCompletionMessageParam => {
    if (m.role === 'system') return { role: 'system', content: m.content };
    if (m.role === 'user') return { role: 'user', content: m.content };
    if (m.role === 'tool') {
      if (format === 'text') return { role: 'user', content: toolResponse(m.content) };
      return { role: 'tool', tool_call_id: m.tool_call_id ?? '', content: m.content };
    }
    if (format === 'text' || !m.tool_calls?.length) return { role: 'assistant', content: m.content };
    return {
      role: 'assistant',
      content: m.content || null,
      // Servers that re-parse arguments (vLLM's chat templates) reject a malformed call with a 400 that would end
      // the rollout; the model already got its error observation, so the wire carries an empty object instead.
      tool_calls: m.tool_calls.map((c) => ({
        id: c.id,
        type: 'function',
        function: {
          name: c.function.name || 'unknown',
          arguments: validJsonObject(c.function.arguments) ? c.function.arguments : '{}',
        },
      })),
    };
  });
}
