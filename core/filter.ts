// Which trajectories become SFT data. SWE-Master: only tasks with mixed results; SWE-Gym: successful trajectories,
// at most `perInstanceCap` per task, fewest turns first. Every rule counts what it removed, so a run can say why
// its dataset is the size it is.
import { isMixed, type TaskDifficulty } from './difficulty.ts';
import { createRng, hashSeed, shuffle } from './sampling.ts';

export interface TrajectoryCandidate {
  rolloutId: number;
  taskId: string;
  resolved: boolean;
  forced: boolean;
  masked: boolean;
  turns: number;
  tokens: number;
  historyAttempts: number;
}

export interface SftFilterOptions {
  keep: 'mixed' | 'all';
  perInstanceCap: number;
  order: 'fewest_turns' | 'random';
  maxTokens: number;
  dropHistoryAttempts: boolean;
  seed: number;
}

/** The rules, in the order they apply; each trajectory is counted by the first rule that removes it. */
export const SFT_RULES = [
  'masked',
  'unresolved',
  'forced',
  'notMixed',
  'historyAttempts',
  'overTokens',
  'overCap',
] as const;
export type SftRule = (typeof SFT_RULES)[number];

export interface SftFilterResult {
  kept: TrajectoryCandidate[];
  removed: Record<SftRule, number>;
}

/** Task ids the pool keeps: 0 < p < 1 for 'mixed', every task with a scored sample for 'all'. */
export function keptTasks(difficulty: readonly TaskDifficulty[], keep: 'mixed' | 'all'): string[] {
  return difficulty.filter((d) => (keep === 'all' ? d.passRate !== null : isMixed(d.passRate))).map((d) => d.taskId);
}

function firstRule(t: TrajectoryCandidate, pool: ReadonlySet<string> | null, o: SftFilterOptions): SftRule | null {
  if (t.masked) return 'masked';
  if (!t.resolved) return 'unresolved';
  // A forced submission never called submit: training on it teaches the model to run out of turns.
  if (t.forced) return 'forced';
  if (pool && !pool.has(t.taskId)) return 'notMixed';
  if (o.dropHistoryAttempts && t.historyAttempts > 0) return 'historyAttempts';
  if (t.tokens > o.maxTokens) return 'overTokens';
  return null;
}

/**
 * Applies the rules; `pool` is the set of tasks the difficulty filter kept (null: no difficulty stage ran, so
 * every task counts as kept).
 */
export function filterSftTrajectories(
  rows: readonly TrajectoryCandidate[],
  pool: ReadonlySet<string> | null,
  o: SftFilterOptions,
): SftFilterResult {
  const removed = Object.fromEntries(SFT_RULES.map((r) => [r, 0])) as Record<SftRule, number>;
  const byTask = new Map<string, TrajectoryCandidate[]>();
  for (const t of rows) {
    const rule = firstRule(t, pool, o);
    if (rule) removed[rule]++;
    else byTask.set(t.taskId, [...(byTask.get(t.taskId) ?? []), t]);
  }
  const kept: TrajectoryCandidate[] = [];
  for (const taskId of [...byTask.keys()].sort()) {
    const ordered = orderForCap(byTask.get(taskId)!, o, taskId);
    kept.push(...ordered.slice(0, o.perInstanceCap));
    removed.overCap += Math.max(0, ordered.length - o.perInstanceCap);
  }
  return { kept, removed };
}

function orderForCap(ts: TrajectoryCandidate[], o: SftFilterOptions, taskId: string): TrajectoryCandidate[] {
  const byId = [...ts].sort((a, b) => a.rolloutId - b.rolloutId);
  if (o.order === 'random') return shuffle(byId, createRng(hashSeed(o.seed, 'sft-cap', taskId)));
  // Fewest turns first (SWE-Gym); ties go to the shorter trajectory, then the earlier rollout.
  return byId.sort((a, b) => a.turns - b.turns || a.tokens - b.tokens || a.rolloutId - b.rolloutId);
}
