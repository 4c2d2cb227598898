// How the CLI prints trajectories: one block per message, long observations cut to their head and tail lines.
import type { RolloutSummary, TrajectoryMessage } from '../../contracts/rollout.ts';

const MAX_LINES = 12;

function clipLines(text: string, max = MAX_LINES): string {
  const lines = text.split('\n');
  if (lines.length <= max) return text;
  const head = lines.slice(0, max - 4);
  const tail = lines.slice(-3);
  return [...head, `… ${lines.length - head.length - tail.length} more lines …`, ...tail].join('\n');
}

const indent = (text: string, pad = '    ') =>
  text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');

export function formatMessage(m: TrajectoryMessage, full = false): string {
  const turn = m.meta?.turn !== undefined ? `[${m.meta.turn}] ` : '';
  const body = (t: string) => indent(full ? t : clipLines(t));
  if (m.role === 'system' || m.role === 'user') {
    const label = m.meta?.error ? 'user (format reminder)' : m.role;
    return `${turn}${label}:\n${body(m.content)}`;
  }
  if (m.role === 'assistant') {
    const calls = (m.tool_calls ?? []).map(
      (c) =>
        `    → ${c.function.name} ${full ? c.function.arguments : clipLines(c.function.arguments, 3).slice(0, 300)}`,
    );
    const usage = m.meta?.usage
      ? ` (${m.meta.usage.prompt}+${m.meta.usage.completion} tokens, ${m.meta.ms ?? 0} ms)`
      : '';
    return [`${turn}assistant${usage}:`, ...(m.content ? [body(m.content)] : []), ...calls].join('\n');
  }
  const flag = m.meta?.refused ? ` REFUSED (${m.meta.refused})` : m.meta?.error ? ' error' : '';
  return `${turn}${m.name ?? 'tool'}${flag}:\n${body(m.content)}`;
}

export function formatSummary(
  s: Pick<
    RolloutSummary,
    'exitReason' | 'outcome' | 'reward' | 'masked' | 'turns' | 'tokens' | 'historyAttempts' | 'loopCount' | 'forced'
  > & { maskReason?: string | null },
): string {
  const reward = s.masked ? `masked (${s.maskReason ?? 'infra_error'})` : `reward ${s.reward}`;
  const parts = [
    `${s.exitReason}${s.forced ? ' (forced submission)' : ''}`,
    s.outcome ?? 'not graded',
    reward,
    `${s.turns} turns`,
    `${s.tokens} tokens`,
  ];
  if (s.historyAttempts) parts.push(`${s.historyAttempts} history attempts refused`);
  if (s.loopCount) parts.push(`${s.loopCount} loops`);
  return parts.join(' · ');
}

/** The --json line of one rollout. */
export function summaryJson(s: RolloutSummary) {
  return {
    task: s.taskId,
    sample: s.sample,
    exit_reason: s.exitReason,
    forced: s.forced,
    outcome: s.outcome,
    reward: s.reward,
    masked: s.masked,
    mask_reason: s.maskReason ?? null,
    turns: s.turns,
    tokens: s.tokens,
    history_attempts: s.historyAttempts,
    loop_count: s.loopCount,
    rollout_id: s.rolloutId,
    trajectory: s.trajectoryPath,
  };
}
