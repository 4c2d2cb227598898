// Context management for long horizons (agent.context): what the model sees once a conversation passes
// `atTokens`, and the training sequences a condensed trajectory gives. Pure: the loop (activities/agent/loop.ts)
// asks and records, this decides.
//
// The trajectory file keeps every message ever appended. A condensation appends one marker message (role user)
// whose meta.condensation lists, in order, the trajectory indices the model sees from then on (the marker's own
// index among them) and which of those are elided (an observation replaced by a one-line marker). The context at
// any point is that list materialised, followed by everything appended after the marker; with no marker it is
// the whole trajectory. So a resumed rollout continues from the condensed context with no extra state.
//
// - truncate: every observation before the last `keepLastTurns` turns is elided, by rule; the marker (at the end)
//   tells the model so.
// - summarize: the policy is asked for a summary (a request message and its reply are appended, in the context
//   before the marker); the turns before the last `keepLastTurns` are dropped and the marker carrying the summary
//   sits after the system and task prompts.
//
// Training (trainingSegments): each context the model answered in is its own sequence: the context just before
// each marker (for summarize it ends with the summary reply, which is trained: SWE-Master's memory is the
// policy's own output) and the context after the last one. In a later sequence the assistant turns carried over
// from an earlier context get `weight: 0` (OpenAI's fine-tuning field): they were trained in the sequence whose
// context produced them, and were never sampled from this one.

/** What these rules read of a trajectory message (contracts/rollout.ts TrajectoryMessage is one). */
export interface ContextMessage {
  role: string;
  content: string;
  weight?: 0;
  meta?: { turn?: number; condensation?: CondensationMeta; condense?: 'request' | 'summary'; summarizer?: string };
}

export type ContextStrategy = 'none' | 'truncate' | 'summarize';

export interface ContextConfig {
  strategy: ContextStrategy;
  /** Condense when the context reaches this many tokens (below agent.contextTokens). */
  atTokens: number;
  /** Turns (a reply and its observations) kept as they are. */
  keepLastTurns: number;
}

export interface CondensationMeta {
  strategy: Exclude<ContextStrategy, 'none'>;
  /** Trajectory indices of the context after this marker, in order (the marker's own index included). */
  context: number[];
  /** The subset of `context` whose content the model sees elided. */
  elided: number[];
  tokensBefore: number;
  tokensAfter: number;
}

export const SUMMARY_REQUEST =
  'Your context is nearly full, so the turns so far will be replaced by a summary you write now. Write it for ' +
  'yourself: the task, what you found (files, functions, the cause), what you changed and how you checked it, ' +
  'what failed, and what remains to do. Reply with the summary only and call no tool.';

export const summaryMarker = (summary: string) =>
  `Summary of your work so far (earlier turns were removed to save context):\n\n${summary.trim() || '(empty)'}`;

export const truncationMarker = (n: number) =>
  `[Context condensed: ${n} earlier tool output(s) were elided to save context. Re-run a command if you need its ` +
  'output again.]';

export const elidedContent = (m: ContextMessage) => `[output elided: ${m.content.length} characters]`;

const condensationOf = (m: ContextMessage | undefined) => m?.meta?.condensation;

/** Indices of the condensation markers, in order. */
export function markerIndices(messages: readonly ContextMessage[]): number[] {
  const out: number[] = [];
  messages.forEach((m, i) => condensationOf(m) && out.push(i));
  return out;
}

/** Trajectory indices of the context the model sees after messages[0..end), and which are elided. */
export function contextIndices(
  messages: readonly ContextMessage[],
  end = messages.length,
): { indices: number[]; elided: Set<number> } {
  let last = -1;
  for (let i = 0; i < end; i++) if (condensationOf(messages[i])) last = i;
  if (last < 0) return { indices: [...Array(end).keys()], elided: new Set() };
  const c = condensationOf(messages[last])!;
  const after = Array.from({ length: end - last - 1 }, (_, k) => last + 1 + k);
  return { indices: [...c.context, ...after], elided: new Set(c.elided) };
}

const materialise = <M extends ContextMessage>(messages: readonly M[], v: ReturnType<typeof contextIndices>): M[] =>
  v.indices.map((i) => (v.elided.has(i) ? { ...messages[i]!, content: elidedContent(messages[i]!) } : messages[i]!));

/** The messages the model is shown next. */
export function currentContext<M extends ContextMessage>(messages: readonly M[]): M[] {
  return materialise(messages, contextIndices(messages));
}

/** The turn a context message belongs to (system, task prompt and markers belong to none). */
const turnOf = (m: ContextMessage) => (condensationOf(m) || m.meta?.condense ? undefined : m.meta?.turn);

/**
 * The marker's meta for condensing now, or null when nothing older than the last `keepLastTurns` turns is left to
 * condense. `marker` is the index the marker will get (the trajectory's length once a summary, if any, is in).
 */
export function planCondensation(
  messages: readonly ContextMessage[],
  cfg: ContextConfig,
  marker: number,
  tokensBefore: number,
): Omit<CondensationMeta, 'tokensAfter'> | null {
  if (cfg.strategy === 'none') return null;
  const view = contextIndices(messages);
  const turns = [...new Set(view.indices.map((i) => turnOf(messages[i]!)).filter((t) => t !== undefined))];
  const keepFrom = turns.length > cfg.keepLastTurns ? turns[turns.length - cfg.keepLastTurns]! : -Infinity;
  const old = (i: number) => {
    const t = turnOf(messages[i]!);
    return t !== undefined && t < keepFrom;
  };
  if (cfg.strategy === 'truncate') {
    const fresh = view.indices.filter((i) => old(i) && messages[i]!.role === 'tool' && !view.elided.has(i));
    if (!fresh.length) return null;
    return {
      strategy: 'truncate',
      context: [...view.indices.filter((i) => !condensationOf(messages[i])), marker],
      elided: [...view.elided, ...fresh].sort((a, b) => a - b),
      tokensBefore,
    };
  }
  // summarize: the system and task prompts stay, the summary follows them, then the last turns.
  const dropped = view.indices.filter((i) => old(i) || condensationOf(messages[i]) || messages[i]!.meta?.condense);
  if (!view.indices.some(old)) return null;
  const head = view.indices.filter((i) => !dropped.includes(i) && turnOf(messages[i]!) === undefined);
  const tail = view.indices.filter((i) => !dropped.includes(i) && turnOf(messages[i]!) !== undefined);
  return {
    strategy: 'summarize',
    context: [...head, marker, ...tail],
    elided: [...view.elided].filter((i) => tail.includes(i)),
    tokensBefore,
  };
}

/** Assistant turns carried into a later context are not trained there (see the header). */
const carried = <M extends ContextMessage>(m: M): M => (m.role === 'assistant' ? { ...m, weight: 0 } : m);

/** The training sequences of a trajectory: one per context the model answered in (see the header). */
export function trainingSegments<M extends ContextMessage>(messages: readonly M[]): M[][] {
  const markers = markerIndices(messages);
  if (!markers.length) return [[...messages]];
  const segments: M[][] = [];
  let carriedCount = 0;
  for (const k of [...markers, messages.length]) {
    const seq = materialise(messages, contextIndices(messages, k)).map((m, pos) =>
      // A summary another model wrote is context, not this policy's output.
      pos < carriedCount || (m.meta?.condense === 'summary' && m.meta.summarizer) ? carried(m) : m,
    );
    segments.push(seq);
    if (k < messages.length) carriedCount = condensationOf(messages[k])!.context.length;
  }
  return segments.filter((s) => s.some((m) => m.role === 'assistant' && m.weight !== 0));
}
