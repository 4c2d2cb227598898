// The learning evaluation's arithmetic: a resolved rate with its 95 % interval, and whether an RL iteration had any
// group with mixed rewards (GRPO's only source of gradient: an all-equal group has zero advantage everywhere).

export interface Rate {
  resolved: number;
  samples: number;
  rate: number | null;
  /** Wilson score interval at 95 %; [0, 1] when there are no samples. */
  low: number;
  high: number;
}

const Z95 = 1.959963984540054;

/** Wilson rather than the normal approximation: it stays inside [0, 1] and is sane at 0 of n, which is common here. */
export function resolvedRate(resolved: number, samples: number): Rate {
  if (!Number.isInteger(resolved) || !Number.isInteger(samples) || resolved < 0 || resolved > samples) {
    throw new RangeError(`resolvedRate: need integers 0 <= resolved <= samples (got ${resolved} of ${samples})`);
  }
  if (samples === 0) return { resolved, samples, rate: null, low: 0, high: 1 };
  const p = resolved / samples;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * samples)) / (1 + z2 / samples);
  const half = (Z95 * Math.sqrt((p * (1 - p)) / samples + z2 / (4 * samples * samples))) / (1 + z2 / samples);
  return { resolved, samples, rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export function formatRate(r: Rate): string {
  if (r.rate === null) return 'n/a (no samples)';
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
  return `${pct(r.rate)} [${pct(r.low)}, ${pct(r.high)}] (${r.resolved}/${r.samples})`;
}

export interface GroupMember {
  /** Which GRPO group: (task, iteration). */
  group: string;
  reward: number;
  masked: boolean;
}

/** Groups (of at least two unmasked members) whose rewards are not all equal. */
export function mixedGroups(members: GroupMember[]): string[] {
  const byGroup = new Map<string, number[]>();
  for (const m of members) {
    if (m.masked) continue;
    byGroup.set(m.group, [...(byGroup.get(m.group) ?? []), m.reward]);
  }
  return [...byGroup]
    .filter(([, rs]) => rs.length >= 2 && rs.some((r) => r !== rs[0]))
    .map(([g]) => g)
    .sort();
}
