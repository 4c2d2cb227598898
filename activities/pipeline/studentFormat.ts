// SFT rows in the format the student is served in. A teacher samples with native tool calls, so its system prompt
// has no tool block; a text-format student sees the same prompt plus the text tool block (prompts.ts appends it at
// `{{tools}}`, the end of the default template). Training on the teacher's prompt would teach the student replies
// to a prompt it never gets, so the block is appended here. Tool calls and observations need nothing: the chat
// template renders them as <tool_call> text and <tool_response> turns, which is what the text wire carries.
import { textToolsBlock } from '../agent/prompts.ts';
import type { ToolFormat } from '../agent/protocols.ts';
import { toolSpecsOf } from '../trajectory/toolSpecs.ts';

export function forStudent(messages: unknown[], format: ToolFormat): unknown[] {
  if (format !== 'text') return messages;
  const block = textToolsBlock(toolSpecsOf(messages));
  let done = false;
  return messages.map((m) => {
    const msg = m as { role?: unknown; content?: unknown };
    if (done || msg.role !== 'system' || typeof msg.content !== 'string') return m;
    done = true;
    return msg.content.includes(block) ? m : { ...msg, content: msg.content + block };
  });
}
