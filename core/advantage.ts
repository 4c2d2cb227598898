// Leave-one-out advantage (RLOO, as SWE-Master uses in GRPO): in a group of G rollouts of one task,
// Â_i = R_i - (1 / (G - 1)) * sum_{j != i} R_j. Masked members (infrastructure errors) are not in the group at
// all: G counts the rest, and a group left with fewer than 2 members contributes nothing.

/** Advantages in member order; null for members that contribute nothing (masked, or a group too small). */
export function leaveOneOutAdvantages(rewards: readonly (number | null)[]): (number | null)[] {
  const live = rewards.filter((r): r is number => r !== null);
  for (const r of live)
    if (!Number.isFinite(r)) throw new RangeError(`leaveOneOutAdvantages: reward ${r} is not finite`);
  if (live.length < 2) return rewards.map(() => null);
  const g = live.length;
  const sum = live.reduce((s, r) => s + r, 0);
  return rewards.map((r) => (r === null ? null : r - (sum - r) / (g - 1)));
}

export interface GroupMember {
  group: string;
  /** null when masked. */
  reward: number | null;
  masked: boolean;
}

export interface MemberAdvantage {
  advantage: number;
  /** True when the member adds no gradient: masked itself, or in a group with < 2 unmasked members. */
  masked: boolean;
}

export interface AdvantageStats {
  groups: number;
  /** Groups with >= 2 unmasked members. */
  contributingGroups: number;
  /** Contributing groups whose rewards are all equal (every advantage is 0). */
  zeroVarianceGroups: number;
  maskedMembers: number;
  /** Members that count towards the gradient. */
  activeMembers: number;
}

/** Advantages for a whole batch, grouped by `group`, in input order. */
export function batchAdvantages(members: readonly GroupMember[]): {
  advantages: MemberAdvantage[];
  stats: AdvantageStats;
} {
  const groups = new Map<string, number[]>();
  members.forEach((m, i) => groups.set(m.group, [...(groups.get(m.group) ?? []), i]));
  const advantages: MemberAdvantage[] = members.map(() => ({ advantage: 0, masked: true }));
  const stats: AdvantageStats = {
    groups: groups.size,
    contributingGroups: 0,
    zeroVarianceGroups: 0,
    maskedMembers: 0,
    activeMembers: 0,
  };
  for (const idx of groups.values()) {
    const rewards = idx.map((i) => (members[i]!.masked ? null : members[i]!.reward));
    const adv = leaveOneOutAdvantages(rewards);
    if (adv.some((a) => a !== null)) {
      stats.contributingGroups++;
      if (adv.every((a) => a === null || a === 0)) stats.zeroVarianceGroups++;
    }
    idx.forEach((i, k) => {
      const a = adv[k];
      if (rewards[k] === null) stats.maskedMembers++;
      if (a === null || a === undefined) return;
      advantages[i] = { advantage: a, masked: false };
      stats.activeMembers++;
    });
  }
  return { advantages, stats };
}

/**
 * The groups of a batch with >= 2 unmasked members whose rewards all agree (every leave-one-out advantage 0), and
 * those with a learning signal: what DAPO's dynamic sampling replaces and what it keeps.
 */
export function groupSignal(members: readonly GroupMember[]): { signal: string[]; zeroVariance: string[] } {
  const groups = new Map<string, (number | null)[]>();
  for (const m of members) groups.set(m.group, [...(groups.get(m.group) ?? []), m.masked ? null : m.reward]);
  const out = { signal: [] as string[], zeroVariance: [] as string[] };
  for (const [g, rewards] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const adv = leaveOneOutAdvantages(rewards);
    if (!adv.some((a) => a !== null)) continue;
    (adv.every((a) => a === null || a === 0) ? out.zeroVariance : out.signal).push(g);
  }
  return out;
}
