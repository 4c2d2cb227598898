// Best-of-N difficulty: pass rate p = c / n per task, where n counts the samples that were scored (masked
// infrastructure failures say nothing about the task) and c the resolved ones.

/** p = c / n; null when no sample was scored. */
export function passRate(c: number, n: number): number | null {
  if (!Number.isInteger(c) || !Number.isInteger(n) || c < 0 || n < 0 || c > n) {
    throw new RangeError(`passRate: need integers 0 <= c <= n (got c = ${c}, n = ${n})`);
  }
  return n === 0 ? null : c / n;
}

/** SWE-Master keeps "mixed results" tasks: solved sometimes, not always. */
export function isMixed(p: number | null): boolean {
  return p !== null && p > 0 && p < 1;
}

export interface SampleOutcome {
  taskId: string;
  resolved: boolean;
  masked: boolean;
}

export interface TaskDifficulty {
  taskId: string;
  /** Scored (unmasked) samples. */
  n: number;
  /** Resolved samples. */
  c: number;
  masked: number;
  passRate: number | null;
}

/** Per-task counts, sorted by task id. */
export function difficultyByTask(samples: readonly SampleOutcome[]): TaskDifficulty[] {
  const byTask = new Map<string, TaskDifficulty>();
  for (const s of samples) {
    const d = byTask.get(s.taskId) ?? { taskId: s.taskId, n: 0, c: 0, masked: 0, passRate: null };
    if (s.masked) d.masked++;
    else {
      d.n++;
      if (s.resolved) d.c++;
    }
    byTask.set(s.taskId, d);
  }
  return [...byTask.values()]
    .map((d) => ({ ...d, passRate: passRate(d.c, d.n) }))
    .sort((a, b) => (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0));
}

export interface PassRateHistogram {
  /** Equal-width bins over [0, 1]; the last one includes 1. */
  bins: { lo: number; hi: number; count: number }[];
  /** p = 0: never solved (dropped by the mixed filter). */
  unsolved: number;
  /** p = 1: always solved (dropped by the mixed filter). */
  solved: number;
  mixed: number;
  /** Tasks with no scored sample. */
  unknown: number;
}

export function passRateHistogram(rates: readonly (number | null)[], binCount = 10): PassRateHistogram {
  if (!Number.isInteger(binCount) || binCount < 1)
    throw new RangeError(`passRateHistogram: binCount must be >= 1 (got ${binCount})`);
  const bins = Array.from({ length: binCount }, (_, i) => ({ lo: i / binCount, hi: (i + 1) / binCount, count: 0 }));
  const h: PassRateHistogram = { bins, unsolved: 0, solved: 0, mixed: 0, unknown: 0 };
  for (const p of rates) {
    if (p === null) {
      h.unknown++;
      continue;
    }
    bins[Math.min(binCount - 1, Math.floor(p * binCount))]!.count++;
    if (p === 0) h.unsolved++;
    else if (p === 1) h.solved++;
    else h.mixed++;
  }
  return h;
}
