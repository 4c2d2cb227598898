// The agent loop (mini-swe-agent style): ask the model, run its tool calls one exec each, append the
// observations, repeat until submit or a limit. The trajectory is just the message list. Model and environment
// failures that are not the agent's doing propagate (the activity classifies them); everything the model gets
// wrong becomes an observation and costs it a turn.
import type { TrajectoryMessage } from '../../contracts/rollout.ts';
import { parseNativeToolCalls, parseTextToolCalls } from '../../core/toolCalls.ts';
import type { NativeToolCall, ParsedReply, ToolCall, ToolCallError } from '../../core/toolCalls.ts';
import { ContextLengthError, ModelRejectedError } from './protocols.ts';
import type { AgentLimits, AgentResult, Environment, Model, ModelReply } from './protocols.ts';
import { actionKey, LoopDetector } from './loops.ts';
import { createToolbox } from './toolbox.ts';
import type { LoopState } from './leaseStore.ts';

export interface RunAgentInput {
  model: Model;
  env: Environment;
  limits: AgentLimits;
  system: string;
  user: string;
  signal?: AbortSignal;
  /**
   * Called at the start of every turn (the activity heartbeats here); turns before `turn` are complete then, and
   * `state` holds the counters a resumed loop needs (the activity checkpoints them with the messages so far).
   */
  onTurn?: (turn: number, state: LoopState) => void;
  /** Continue a trajectory a dead worker left (mid-episode resume): its messages, completed turns and counters. */
  resume?: { messages: TrajectoryMessage[]; turn: number; state: Partial<LoopState>; elapsedMs: number };
  /** Called for every message as it is appended (the CLI streams the trajectory). */
  onMessage?: (m: TrajectoryMessage) => void;
  now?: () => number;
}

/** Rough count for endpoints that report no usage: about four characters per token. */
export const estimateTokens = (text: string) => Math.ceil(text.length / 4);

export const NO_TOOL_CALL = (format: Model['toolFormat']) =>
  'No tool call found in your reply. Call one of the tools (bash, file_editor, search, submit)' +
  (format === 'text' ? ' as <tool_call>{"name": ..., "arguments": {...}}</tool_call>.' : '.');

/** Native calls with an id each (some servers omit it; every call needs one its observation can answer). */
function withIds(reply: ModelReply, turn: number): NativeToolCall[] {
  return (reply.toolCalls ?? []).map((c, k) => ({ ...c, id: c.id || `call_${turn}_${k}` }));
}

function parseReply(
  reply: ModelReply,
  calls: NativeToolCall[],
  format: Model['toolFormat'],
  turn: number,
): ParsedReply {
  return format === 'text'
    ? parseTextToolCalls(reply.content, `call_${turn}`)
    : parseNativeToolCalls(reply.content, calls);
}

/** Calls and argument errors in the order the model wrote them. */
function inOrder(p: ParsedReply): (ToolCall | ToolCallError)[] {
  return [...p.calls, ...p.errors].sort((a, b) => a.index - b.index);
}

const asToolCallRecord = (c: NativeToolCall, id: string) => ({
  id,
  type: 'function' as const,
  function: {
    name: typeof c.function?.name === 'string' ? c.function.name : '',
    arguments:
      typeof c.function?.arguments === 'string' ? c.function.arguments : JSON.stringify(c.function?.arguments ?? {}),
  },
});

export async function runAgent(i: RunAgentInput): Promise<AgentResult> {
  const { model, env, limits } = i;
  const now = i.now ?? Date.now;
  const deadline = now() + limits.wallTimeSec * 1000 - (i.resume?.elapsedMs ?? 0);
  const messages: TrajectoryMessage[] = [];
  const toolbox = createToolbox(env, limits);
  const loops = new LoopDetector(limits.loopThreshold);
  const acc = { prompt: 0, completion: 0, context: 0, formatErrors: 0 };
  const push = (m: TrajectoryMessage) => {
    messages.push(m);
    acc.context += estimateTokens(m.content);
    i.onMessage?.(m);
  };
  let turn = 0;
  const finish = (exitReason: AgentResult['exitReason'], error?: string): AgentResult => ({
    exitReason,
    messages,
    turns: turn,
    tokens: acc.context,
    promptTokens: acc.prompt,
    completionTokens: acc.completion,
    historyAttempts: toolbox.counters.historyAttempts,
    loopCount: loops.loops,
    formatErrors: acc.formatErrors,
    error,
  });
  const state = (): LoopState => ({
    formatErrors: acc.formatErrors,
    historyAttempts: toolbox.counters.historyAttempts,
    loopCount: loops.loops,
    promptTokens: acc.prompt,
    completionTokens: acc.completion,
    contextTokens: acc.context,
  });
  if (i.resume) {
    const r = i.resume;
    messages.push(...r.messages);
    turn = r.turn;
    acc.prompt = r.state.promptTokens ?? 0;
    acc.completion = r.state.completionTokens ?? 0;
    acc.context = r.state.contextTokens ?? messages.reduce((n, m) => n + estimateTokens(m.content), 0);
    acc.formatErrors = r.state.formatErrors ?? 0;
    toolbox.counters.historyAttempts = r.state.historyAttempts ?? 0;
    loops.loops = r.state.loopCount ?? 0;
  } else {
    push({ role: 'system', content: i.system });
    push({ role: 'user', content: i.user });
  }

  for (;;) {
    if (turn >= limits.maxTurns) return finish('max_turns');
    if (now() >= deadline) return finish('timeout');
    if (acc.context >= limits.contextTokens) return finish('context_limit');
    i.onTurn?.(turn + 1, state());
    turn++;
    const t0 = now();
    let reply: ModelReply;
    try {
      reply = await model.query(messages, { signal: i.signal, timeoutMs: deadline - t0 });
    } catch (err) {
      if (i.signal?.aborted) throw err;
      if (err instanceof ContextLengthError) return finish('context_limit');
      if (err instanceof ModelRejectedError) return finish('model_error', err.message);
      if (now() >= deadline) return finish('timeout');
      throw err;
    }
    const nativeCalls = withIds(reply, turn);
    const parsed = parseReply(reply, nativeCalls, model.toolFormat, turn);
    const usage = reply.usage
      ? { prompt: reply.usage.promptTokens, completion: reply.usage.completionTokens }
      : undefined;
    const assistant: TrajectoryMessage = {
      role: 'assistant',
      content: reply.content,
      // model: which checkpoint the endpoint says answered; sampled: token ids and log-probs GRPO trains on.
      meta: { turn, ms: now() - t0, usage, model: reply.model, sampled: reply.sampled },
    };
    if (model.toolFormat === 'native' && nativeCalls.length) {
      assistant.tool_calls = nativeCalls.map((c) => asToolCallRecord(c, c.id!));
    }
    push(assistant);
    if (usage) {
      acc.prompt += usage.prompt;
      acc.completion += usage.completion;
      acc.context = usage.prompt + usage.completion;
    }
    if (parsed.calls.length === 0 && parsed.errors.length === 0) {
      acc.formatErrors++;
      push({ role: 'user', content: NO_TOOL_CALL(model.toolFormat), meta: { turn, error: 'no tool call' } });
      continue;
    }
    for (const item of inOrder(parsed)) {
      if (!('arguments' in item)) {
        acc.formatErrors++;
        push({
          role: 'tool',
          tool_call_id: item.id,
          name: item.name,
          content: `Error: ${item.error}`,
          meta: { turn, error: item.error },
        });
        continue;
      }
      const t1 = now();
      const timeoutSec = Math.max(1, Math.min(limits.commandTimeoutSec, Math.ceil((deadline - t1) / 1000)));
      const out = await toolbox.run(item, timeoutSec);
      if (out.malformed) acc.formatErrors++;
      loops.observe(actionKey(item));
      push({
        role: 'tool',
        tool_call_id: item.id,
        name: item.name,
        content: out.observation,
        meta: { turn, ms: now() - t1, refused: out.refused, error: out.error },
      });
      if (out.submitted) return finish('submitted');
    }
  }
}
