// Parsing what a model asked to do. Two formats: native OpenAI tool calls, and the project's text format for
// models served without a tool parser (the trainer's `serve`, plain vLLM):
//   <tool_call>{"name": "bash", "arguments": {"command": "ls"}}</tool_call>
// Parsing never throws: every defect becomes an error the agent loop turns into an observation, so a bad reply
// costs the model a turn, not the rollout.

export interface ToolCall {
  id: string;
  /** Position in the reply among calls and errors, so observations keep the model's order. */
  index: number;
  name: string;
  arguments: Record<string, unknown>;
  /** Arguments exactly as the model wrote them (a JSON string), kept for the trajectory. */
  rawArguments: string;
}

export interface ToolCallError {
  /** The observation answers this id (native calls carry the model's; text calls get generated ones). */
  id: string;
  index: number;
  name?: string;
  error: string;
}

export interface ParsedReply {
  /** Content outside the tool-call blocks (the model's reasoning). */
  text: string;
  calls: ToolCall[];
  errors: ToolCallError[];
}

export interface NativeToolCall {
  id?: string;
  type?: string;
  function?: { name?: unknown; arguments?: unknown };
}

export const TOOL_CALL_OPEN = '<tool_call>';
export const TOOL_CALL_CLOSE = '</tool_call>';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const clip = (s: string, n = 200) => (s.length > n ? `${s.slice(0, n)}... (${s.length} chars)` : s);

/** Arguments arrive as a JSON string (OpenAI) or, from some servers, already as an object. */
function parseArguments(
  raw: unknown,
): { ok: true; args: Record<string, unknown>; raw: string } | { ok: false; error: string } {
  if (raw === undefined || raw === null || raw === '') return { ok: true, args: {}, raw: '{}' };
  if (isObject(raw)) return { ok: true, args: raw, raw: JSON.stringify(raw) };
  if (typeof raw !== 'string') return { ok: false, error: `arguments must be a JSON object (received ${typeof raw})` };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return { ok: false, error: `arguments are not valid JSON (${(err as Error).message}): ${clip(raw)}` };
  }
  // Some models double-encode: "arguments": "{\"command\": \"ls\"}".
  if (typeof value === 'string') return parseArguments(value);
  if (!isObject(value)) return { ok: false, error: `arguments must be a JSON object: ${clip(raw)}` };
  return { ok: true, args: value, raw };
}

export function parseNativeToolCalls(
  content: string | null | undefined,
  toolCalls: NativeToolCall[] | undefined,
): ParsedReply {
  const out: ParsedReply = { text: content ?? '', calls: [], errors: [] };
  (toolCalls ?? []).forEach((tc, i) => {
    const id = typeof tc.id === 'string' && tc.id ? tc.id : `call_${i}`;
    const name = tc.function?.name;
    if (typeof name !== 'string' || !name) {
      out.errors.push({ id, index: i, error: 'tool call without a function name' });
      return;
    }
    const parsed = parseArguments(tc.function?.arguments);
    if (!parsed.ok) out.errors.push({ id, index: i, name, error: parsed.error });
    else out.calls.push({ id, index: i, name, arguments: parsed.args, rawArguments: parsed.raw });
  });
  return out;
}

/** Scans with indexOf, not a lazy regex, so a 1 MB reply full of unclosed tags stays linear. */
export function parseTextToolCalls(content: string | null | undefined, idPrefix = 'call'): ParsedReply {
  const src = content ?? '';
  const out: ParsedReply = { text: '', calls: [], errors: [] };
  const textParts: string[] = [];
  let pos = 0;
  let n = 0;
  while (pos < src.length) {
    const open = src.indexOf(TOOL_CALL_OPEN, pos);
    if (open < 0) break;
    textParts.push(src.slice(pos, open));
    const bodyStart = open + TOOL_CALL_OPEN.length;
    const close = src.indexOf(TOOL_CALL_CLOSE, bodyStart);
    const index = n++;
    const id = `${idPrefix}_${index}`;
    if (close < 0) {
      out.errors.push({
        id,
        index,
        error: `unterminated ${TOOL_CALL_OPEN} (no ${TOOL_CALL_CLOSE}; was the reply cut off?)`,
      });
      pos = src.length;
      break;
    }
    parseTextBlock(src.slice(bodyStart, close).trim(), id, index, out);
    pos = close + TOOL_CALL_CLOSE.length;
  }
  textParts.push(src.slice(pos));
  out.text = textParts.join('').trim();
  return out;
}

function parseTextBlock(body: string, id: string, index: number, out: ParsedReply): void {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    out.errors.push({ id, index, error: `tool call is not valid JSON (${(err as Error).message}): ${clip(body)}` });
    return;
  }
  if (!isObject(value)) {
    out.errors.push({ id, index, error: `tool call must be a JSON object with "name" and "arguments": ${clip(body)}` });
    return;
  }
  const name = value.name;
  if (typeof name !== 'string' || !name) {
    out.errors.push({ id, index, error: `tool call without a "name": ${clip(body)}` });
    return;
  }
  const parsed = parseArguments(value.arguments ?? value.parameters);
  if (!parsed.ok) out.errors.push({ id, index, name, error: parsed.error });
  else out.calls.push({ id, index, name, arguments: parsed.args, rawArguments: parsed.raw });
}

/** The canonical rendering, byte for byte what the trainer's chat template produces for a tool call. */
export function formatTextToolCall(name: string, args: Record<string, unknown> | string): string {
  const rendered = typeof args === 'string' ? args : JSON.stringify(args);
  return `${TOOL_CALL_OPEN}{"name": ${JSON.stringify(name)}, "arguments": ${rendered}}${TOOL_CALL_CLOSE}`;
}
