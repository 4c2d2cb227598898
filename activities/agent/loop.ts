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
import { TOOL_NAMES, toolsMeta, type ToolName } from '../trajectory/toolSpecs.ts';
import { condense } from './condense.ts';
import { currentContext, markerIndices } from '../../core/context.ts';

export interface RunAgentInput {
  model: Model;
  env: Environment;
  limits: AgentLimits;
  system: string;
  user: string;
  /** The tools offered (toolNamesFor(agent)); recorded on the system message when not the default four. */
  tools?: readonly ToolName[];
  signal?: AbortSignal;
  /**
   * Called at the start of every turn (the activity heartbeats here); turns before `turn` are complete then, and
   * `state` holds the counters a resumed loop needs (the activity checkpoints them with the messages so far).
   */
  onTurn?: (turn: number, state: LoopState) => void;
  /** Continue a trajectory a dead worker left (mid-episode resume): its messages, completed turns and counters. */
  resume?: { messages: TrajectoryMessage[]; turn: number; state: Partial<LoopState>; elapsedMs: number };
  /** agent.context.summarizer: the endpoint that writes summaries instead of the policy. */
  summarizer?: Model;
  /** Called for every message as it is appended (the CLI streams the trajectory). */
  onMessage?: (m: TrajectoryMessage) => void;
  now?: () => number;
}

/** Rough count for endpoints that report no usage: about four characters per token. */
export const estimateTokens = (text: string) => Math.ceil(text.length / 4);

export const NO_TOOL_CALL = (format: Model['toolFormat'], tools: readonly string[] = TOOL_NAMES) =>
  `No tool call found in your reply. Call one of the tools (${tools.join(', ')})` +
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

/** One episode's state: the messages, the counters a resume restores, and the clock. */
export interface Episode {
  readonly i: RunAgentInput;
  readonly messages: TrajectoryMessage[];
  readonly acc: { prompt: number; completion: number; context: number; formatErrors: number };
  readonly toolbox: ReturnType<typeof createToolbox>;
  readonly loops: LoopDetector;
  readonly now: () => number;
  readonly deadline: number;
  turn: number;
  /** The turn the last condensation ran after (at most one per turn). */
  condensedAt?: number;
}

export function push(e: Episode, m: TrajectoryMessage): void {
  e.messages.push(m);
  e.acc.context += estimateTokens(m.content);
  e.i.onMessage?.(m);
}

export function finish(e: Episode, exitReason: AgentResult['exitReason'], error?: string): AgentResult {
  return {
    exitReason,
    messages: e.messages,
    turns: e.turn,
    tokens: e.acc.context,
    promptTokens: e.acc.prompt,
    completionTokens: e.acc.completion,
    historyAttempts: e.toolbox.counters.historyAttempts,
    loopCount: e.loops.loops,
    formatErrors: e.acc.formatErrors,
    condensations: markerIndices(e.messages).length,
    error,
  };
}

const loopState = (e: Episode): LoopState => ({
  formatErrors: e.acc.formatErrors,
  historyAttempts: e.toolbox.counters.historyAttempts,
  loopCount: e.loops.loops,
  promptTokens: e.acc.prompt,
  completionTokens: e.acc.completion,
  contextTokens: e.acc.context,
});

/** A new episode (system and task prompt), or the one a dead worker left, with its counters. */
function startEpisode(i: RunAgentInput): Episode {
  const now = i.now ?? Date.now;
  const e: Episode = {
    i,
    messages: [],
    acc: { prompt: 0, completion: 0, context: 0, formatErrors: 0 },
    toolbox: createToolbox(i.env, { ...i.limits, tools: i.tools }),
    loops: new LoopDetector(i.limits.loopThreshold),
    now,
    deadline: now() + i.limits.wallTimeSec * 1000 - (i.resume?.elapsedMs ?? 0),
    turn: 0,
  };
  if (i.resume) {
    const r = i.resume;
    e.messages.push(...r.messages);
    e.turn = r.turn;
    e.acc.prompt = r.state.promptTokens ?? 0;
    e.acc.completion = r.state.completionTokens ?? 0;
    e.acc.context =
      r.state.contextTokens ?? currentContext(e.messages).reduce((n, m) => n + estimateTokens(m.content), 0);
    e.acc.formatErrors = r.state.formatErrors ?? 0;
    e.toolbox.counters.historyAttempts = r.state.historyAttempts ?? 0;
    e.loops.loops = r.state.loopCount ?? 0;
  } else {
    const meta = toolsMeta(i.tools ?? TOOL_NAMES);
    push(e, { role: 'system', content: i.system, ...(meta.tools ? { meta } : {}) });
    push(e, { role: 'user', content: i.user });
  }
  return e;
}

function limitReached(e: Episode): AgentResult['exitReason'] | null {
  if (e.turn >= e.i.limits.maxTurns) return 'max_turns';
  if (e.now() >= e.deadline) return 'timeout';
  if (e.acc.context >= e.i.limits.contextTokens) return 'context_limit';
  return null;
}

/** The model's reply, or how the episode ends when the model cannot give one the agent could act on. */
export async function askModel(
  e: Episode,
  model = e.i.model,
): Promise<{ reply: ModelReply; t0: number } | AgentResult> {
  const t0 = e.now();
  const context = currentContext(e.messages);
  try {
    return { reply: await model.query(context, { signal: e.i.signal, timeoutMs: e.deadline - t0 }), t0 };
  } catch (err) {
    if (e.i.signal?.aborted) throw err;
    if (err instanceof ContextLengthError) return finish(e, 'context_limit');
    if (err instanceof ModelRejectedError) return finish(e, 'model_error', err.message);
    if (e.now() >= e.deadline) return finish(e, 'timeout');
    throw err;
  }
}

/** Appends an assistant message (with what answered and what it sampled) and counts the endpoint's usage. */
export function pushReply(e: Episode, reply: ModelReply, t0: number, extra: Partial<TrajectoryMessage> = {}): void {
  const usage = reply.usage
    ? { prompt: reply.usage.promptTokens, completion: reply.usage.completionTokens }
    : undefined;
  const assistant: TrajectoryMessage = {
    role: 'assistant',
    content: reply.content,
    ...extra,
    // model: which checkpoint the endpoint says answered; sampled: token ids and log-probs GRPO trains on;
    // finishReason: `length` tells the trainer the turn was cut, so its template end token is no model output.
    meta: {
      turn: e.turn,
      ms: e.now() - t0,
      usage,
      model: reply.model,
      sampled: reply.sampled,
      finishReason: reply.finishReason,
      ...extra.meta,
    },
  };
  push(e, assistant);
  if (usage) {
    e.acc.prompt += usage.prompt;
    e.acc.completion += usage.completion;
    e.acc.context = usage.prompt + usage.completion;
  }
}

/** Appends the assistant turn and returns the calls it made. */
function recordReply(e: Episode, reply: ModelReply, t0: number): ParsedReply {
  const { model } = e.i;
  const nativeCalls = withIds(reply, e.turn);
  const parsed = parseReply(reply, nativeCalls, model.toolFormat, e.turn);
  const calls = model.toolFormat === 'native' && nativeCalls.length;
  pushReply(e, reply, t0, calls ? { tool_calls: nativeCalls.map((c) => asToolCallRecord(c, c.id!)) } : {});
  return parsed;
}

/** Runs the reply's calls in the order written, one observation each; true when one of them submitted. */
async function runCalls(e: Episode, parsed: ParsedReply): Promise<boolean> {
  const { turn } = e;
  for (const item of inOrder(parsed)) {
    if (!('arguments' in item)) {
      e.acc.formatErrors++;
      push(e, {
        role: 'tool',
        tool_call_id: item.id,
        name: item.name,
        content: `Error: ${item.error}`,
        meta: { turn, error: item.error },
      });
      continue;
    }
    const t1 = e.now();
    const timeoutSec = Math.max(1, Math.min(e.i.limits.commandTimeoutSec, Math.ceil((e.deadline - t1) / 1000)));
    const out = await e.toolbox.run(item, timeoutSec);
    if (out.malformed) e.acc.formatErrors++;
    e.loops.observe(actionKey(item));
    push(e, {
      role: 'tool',
      tool_call_id: item.id,
      name: item.name,
      content: out.observation,
      meta: { turn, ms: e.now() - t1, refused: out.refused, error: out.error, lsp: out.lsp },
    });
    if (out.submitted) return true;
  }
  return false;
}

export async function runAgent(i: RunAgentInput): Promise<AgentResult> {
  const e = startEpisode(i);
  for (;;) {
    const ended = await condense(e);
    if (ended) return ended;
    const limit = limitReached(e);
    if (limit) return finish(e, limit);
    i.onTurn?.(e.turn + 1, loopState(e));
    e.turn++;
    const asked = await askModel(e);
    if ('exitReason' in asked) return asked;
    const parsed = recordReply(e, asked.reply, asked.t0);
    if (parsed.calls.length === 0 && parsed.errors.length === 0) {
      e.acc.formatErrors++;
      push(e, {
        role: 'user',
        content: NO_TOOL_CALL(i.model.toolFormat, i.tools),
        meta: { turn: e.turn, error: 'no tool call' },
      });
      continue;
    }
    if (await runCalls(e, parsed)) return finish(e, 'submitted');
  }
}
