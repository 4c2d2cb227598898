// Context management in the loop (agent.context; the rules are core/context.ts): before a turn, once the
// context passes `atTokens`, condense it: elide old observations (truncate) or have the policy summarise the turns
// before the last `keepLastTurns` (summarize). Everything is appended to the trajectory (the summary request, the
// reply, the marker), so the file still holds all the model ever saw and a resumed rollout continues from the
// condensed context.
import {
  contextIndices,
  elidedContent,
  planCondensation,
  SUMMARY_REQUEST,
  summaryMarker,
  truncationMarker,
  type ContextConfig,
} from '../../core/context.ts';
import type { AgentResult } from './protocols.ts';
import { askModel, estimateTokens, push, pushReply, type Episode } from './loop.ts';

/** The context config with its default threshold (3/4 of the context limit), or null when off. */
export function contextConfig(limits: Episode['i']['limits']): ContextConfig | null {
  const c = limits.context;
  if (!c || c.strategy === 'none') return null;
  return { ...c, atTokens: c.atTokens ?? Math.floor((limits.contextTokens * 3) / 4) };
}

/** Condenses when due; returns how the episode ends if the summary request itself could not be answered. */
export async function condense(e: Episode): Promise<AgentResult | null> {
  const cfg = contextConfig(e.i.limits);
  if (!cfg || e.acc.context < cfg.atTokens || e.condensedAt === e.turn) return null;
  e.condensedAt = e.turn;
  const before = e.acc.context;
  // Nothing older than the kept turns: condensing would change nothing (the limit will end the run).
  if (!planCondensation(e.messages, cfg, e.messages.length, before)) return null;
  let summary = '';
  if (cfg.strategy === 'summarize') {
    push(e, { role: 'user', content: SUMMARY_REQUEST, meta: { turn: e.turn, condense: 'request' } });
    const other = e.i.summarizer;
    const asked = await askModel(e, other);
    if ('exitReason' in asked) return asked;
    pushReply(e, asked.reply, asked.t0, {
      meta: { condense: 'summary', ...(other ? { summarizer: other.name } : {}) },
    });
    summary = asked.reply.content;
  }
  const marker = e.messages.length;
  const plan = planCondensation(e.messages, cfg, marker, before)!;
  const elided = new Set(plan.elided);
  const fresh = plan.elided.length - contextIndices(e.messages).elided.size;
  const content = cfg.strategy === 'summarize' ? summaryMarker(summary) : truncationMarker(fresh);
  const tokensAfter = plan.context.reduce(
    (n, i) =>
      n +
      (i === marker
        ? estimateTokens(content)
        : estimateTokens(elided.has(i) ? elidedContent(e.messages[i]!) : e.messages[i]!.content)),
    0,
  );
  push(e, { role: 'user', content, meta: { turn: e.turn, condensation: { ...plan, tokensAfter } } });
  e.acc.context = tokensAfter;
  return null;
}
