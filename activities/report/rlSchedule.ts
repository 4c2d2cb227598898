// The report's RL schedule: per iteration, how its time went (serving the policy, rollouts, the batch and step) next
// to its best possible time max(rollouts, train + swap), and how stale its batch was (members per policy version
// behind the trained-from weights), with what dynamic sampling and the staleness rule did. Left out for runs that
// recorded none of it (iterations from before it was counted).
import type { RlIterationView } from '../pipeline/rlIterations.ts';
import { pct, table } from './markdown.ts';

const s = (ms: number | null) => (ms === null ? '—' : (ms / 1000).toFixed(1));
const hist = (h: Record<string, number> | null) =>
  h && Object.keys(h).length
    ? Object.entries(h)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([k, n]) => `${k}: ${n}`)
        .join(', ')
    : '—';

export function rlScheduleMarkdown(steps: readonly RlIterationView[] | undefined): string[] {
  const rows = (steps ?? []).filter((r) => r.iterationMs !== null);
  if (!rows.length) return [];
  const total = rows.reduce((t, r) => t + (r.iterationMs ?? 0), 0);
  const bound = rows.reduce((t, r) => t + (r.boundMs ?? 0), 0);
  const modes = [...new Set(rows.map((r) => r.mode ?? 'sync'))].join(', ');
  return [
    '',
    '## RL schedule',
    '',
    `Mode ${modes}. Iteration time (async: since the previous iteration was recorded) against its bound ` +
      `max(rollouts, train + swap): ${s(total)} s achieved, ${s(bound)} s bound over ${rows.length} iterations ` +
      `(the first async iteration has nothing to overlap). Staleness: batch members per policy version behind ` +
      'the weights the step trained from, from the checkpoint the engine named per turn.',
    '',
    table(
      [
        'iteration',
        'swap s',
        'rollouts s',
        'train s',
        'iteration s',
        'bound s',
        'staleness',
        'stale dropped / re-run',
        'extra / dropped groups',
        'TIS truncated',
      ],
      rows.map((r) => [
        r.iteration,
        s(r.swapMs),
        s(r.rolloutMs),
        s(r.trainMs),
        s(r.iterationMs),
        s(r.boundMs),
        hist(r.staleness),
        `${r.staleDropped ?? 0} / ${r.staleRerun ?? 0}`,
        r.extraGroups === null ? '—' : `${r.extraGroups} / ${r.droppedGroups ?? 0}`,
        r.tisTruncated === null ? '—' : pct(r.tisTruncated),
      ]),
    ),
  ];
}
