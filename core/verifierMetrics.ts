// How well a verifier predicts execution, measured on executions of tasks it never trained on. The split is by
// TASK, never by rollout: two rollouts of one task share the issue, the tests and often the patch, so a rollout
// split would let the verifier recognise a task it has seen and call that accuracy. Pure.
import { createRng, hashSeed, shuffle } from './sampling.ts';

/** SWE-Master's reported SWE-World accuracy (Table 2), printed next to ours. */
export const PAPER_SWE_WORLD_ACCURACY = 0.7759;

export interface TaskSplit {
  train: string[];
  heldOut: string[];
}

/**
 * A reproducible split of the distinct task ids: round(fraction * n) held out, at least 1 and at most n - 1 when
 * there are two or more tasks (fraction 0: nothing held out).
 */
export function splitByTask(taskIds: readonly string[], fraction: number, seed: string): TaskSplit {
  const tasks = [...new Set(taskIds)].sort();
  if (fraction <= 0 || tasks.length < 2) return { train: tasks, heldOut: [] };
  const k = Math.min(tasks.length - 1, Math.max(1, Math.round(fraction * tasks.length)));
  const held = new Set(shuffle(tasks, createRng(hashSeed(seed, 'held-out'))).slice(0, k));
  return { train: tasks.filter((t) => !held.has(t)), heldOut: tasks.filter((t) => held.has(t)) };
}

export interface HeldOutItem {
  taskId: string;
  /** What execution said. */
  resolved: boolean;
  /** The verifier's reward (SWE-World: graded from its simulated report; ORM: P(YES) >= 0.5). */
  predicted: 0 | 1;
  /** Its confidence that the candidate resolves, in [0, 1] (calibration is measured on it). */
  score: number;
  /** Per listed test: passed in execution vs predicted to pass (SWE-World only). */
  tests?: { actual: Readonly<Record<string, boolean>>; predicted: Readonly<Record<string, boolean>> };
}

export interface CalibrationBin {
  lo: number;
  hi: number;
  n: number;
  meanScore: number;
  resolvedRate: number;
}

export interface HeldOutMetrics {
  /** Held-out candidates (executions). */
  n: number;
  tasks: number;
  positives: number;
  rewardAccuracy: number | null;
  /** Of the candidates predicted to resolve, the share that did. Null when none was predicted to. */
  precision: number | null;
  /** Of the candidates that resolved, the share predicted to. Null when none resolved. */
  recall: number | null;
  /** Per listed test, predicted status == executed status (null for verifiers that predict no tests). */
  testStatusAccuracy: number | null;
  testsN: number;
  calibration: { brier: number | null; ece: number | null; bins: CalibrationBin[] };
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

export function heldOutMetrics(items: readonly HeldOutItem[], bins = 5): HeldOutMetrics {
  const tp = items.filter((i) => i.predicted === 1 && i.resolved).length;
  const predictedPos = items.filter((i) => i.predicted === 1).length;
  const positives = items.filter((i) => i.resolved).length;
  const correct = items.filter((i) => (i.predicted === 1) === i.resolved).length;
  let testsN = 0;
  let testsRight = 0;
  for (const i of items) {
    if (!i.tests) continue;
    for (const [id, actual] of Object.entries(i.tests.actual)) {
      testsN++;
      if ((i.tests.predicted[id] ?? false) === actual) testsRight++;
    }
  }
  const table: CalibrationBin[] = [];
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const lo = b / bins;
    const hi = (b + 1) / bins;
    const inBin = items.filter((i) => i.score >= lo && (b === bins - 1 ? i.score <= hi : i.score < hi));
    if (!inBin.length) continue;
    const meanScore = inBin.reduce((s, i) => s + i.score, 0) / inBin.length;
    const resolvedRate = inBin.filter((i) => i.resolved).length / inBin.length;
    ece += (inBin.length / items.length) * Math.abs(meanScore - resolvedRate);
    table.push({ lo, hi, n: inBin.length, meanScore, resolvedRate });
  }
  const brier = items.length
    ? items.reduce((s, i) => s + (i.score - (i.resolved ? 1 : 0)) ** 2, 0) / items.length
    : null;
  return {
    n: items.length,
    tasks: new Set(items.map((i) => i.taskId)).size,
    positives,
    rewardAccuracy: ratio(correct, items.length),
    precision: ratio(tp, predictedPos),
    recall: ratio(tp, positives),
    testStatusAccuracy: items.some((i) => i.tests) ? ratio(testsRight, testsN) : null,
    testsN,
    calibration: { brier, ece: items.length ? ece : null, bins: table },
  };
}
