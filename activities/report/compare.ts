// `swe-forge compare RUN RUN…`: runs side by side. Each section is a list of rows whose `values` hold one entry per
// run, in the order given (null where that run has no such stage, iteration or K).
import type pg from 'pg';
import { InputError } from '../../core/errors.ts';
import { loadReportData, type ReportData } from './data.ts';
import { ttsCurvesOf } from './figures.ts';

type Cells<T> = (T | null)[];
export interface StageFigures {
  rollouts: number;
  resolved: number;
  masked: number;
  resolvedRate: number | null;
  meanReward: number | null;
}
export interface RunComparison {
  runs: { runId: string; name: string | null; recipe: string; status: string }[];
  /** Dotted config paths whose values differ between the runs (absent in a run: null). */
  config: { path: string; values: Cells<unknown> }[];
  stages: { stage: string; values: Cells<StageFigures> }[];
  rl: {
    iteration: number;
    values: Cells<{ meanReward: number | null; resolvedRate: number | null; produced: string | null }>;
  }[];
  tts: { k: number; values: Cells<{ tts: number | null; passK: number | null; tasks: number }> }[];
  evaluations: { kind: string; values: Cells<Record<string, unknown>> }[];
}

/** Leaves as dotted paths; arrays are compared whole (a list of tasks is one value). */
export function flatten(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) out.set(prefix, value);
  return out;
}

function rows<K, V>(runs: ReportData[], keysOf: (d: ReportData) => K[], valueOf: (d: ReportData, k: K) => V | null) {
  const keys = [...new Set(runs.flatMap(keysOf))];
  return keys.map((key) => ({ key, values: runs.map((d) => valueOf(d, key)) }));
}

export function compareData(runs: ReportData[]): RunComparison {
  const flat = runs.map((d) => flatten(d.run.config));
  const paths = [...new Set(flat.flatMap((f) => [...f.keys()]))].sort();
  const config = paths
    .map((path) => ({ path, values: flat.map((f) => (f.has(path) ? f.get(path)! : null)) }))
    .filter((r) => new Set(r.values.map((v) => JSON.stringify(v))).size > 1);
  const stageOf = (d: ReportData, stage: string): StageFigures | null => {
    const r = d.rollouts.find((x) => x.stage === stage);
    if (!r) return null;
    const scored = r.total - r.masked;
    const { total, resolved, masked, meanReward } = r;
    return { rollouts: total, resolved, masked, resolvedRate: scored ? resolved / scored : null, meanReward };
  };
  const curves = runs.map(ttsCurvesOf);
  return {
    runs: runs.map((d) => ({ runId: d.run.runId, name: d.run.name, recipe: d.run.recipe, status: d.run.status })),
    config,
    stages: rows(runs, (d) => d.rollouts.map((r) => r.stage), stageOf).map((r) => ({ stage: r.key, values: r.values })),
    rl: rows(
      runs,
      (d) => d.rl.map((r) => r.iteration),
      (d, it) => {
        const r = d.rl.find((x) => x.iteration === it);
        const produced = d.rlSteps?.find((x) => x.iteration === it)?.producedCheckpoint ?? null;
        return r ? { meanReward: r.meanReward, resolvedRate: r.resolvedRate, produced } : null;
      },
    )
      .sort((a, b) => a.key - b.key)
      .map((r) => ({ iteration: r.key, values: r.values })),
    tts: rows(
      runs,
      (d) => curves[runs.indexOf(d)]?.k ?? [],
      (d, k) => {
        const c = curves[runs.indexOf(d)];
        const i = c?.k.indexOf(k) ?? -1;
        return c && i >= 0 ? { tts: c.tts.verifier[i] ?? null, passK: c.passK[i] ?? null, tasks: c.tasks[i]! } : null;
      },
    )
      .sort((a, b) => a.key - b.key)
      .map((r) => ({ k: r.key, values: r.values })),
    evaluations: rows(
      runs,
      (d) => d.evaluations.map((e) => e.kind),
      (d, kind) => d.evaluations.filter((e) => e.kind === kind).at(-1)?.metrics ?? null,
    ).map((r) => ({ kind: r.key, values: r.values })),
  };
}

/** Every run must exist: an unknown one is named (all of them, not just the first) and nothing is compared. */
export async function compareRuns(pool: pg.Pool, runIds: readonly string[]): Promise<RunComparison> {
  if (runIds.length < 2) throw new InputError('compare: give at least two runs');
  const { rows: known } = await pool.query<{ run_id: string }>('select run_id from runs where run_id = any($1)', [
    runIds,
  ]);
  const missing = runIds.filter((id) => !known.some((k) => k.run_id === id));
  if (missing.length)
    throw new InputError(
      `compare: no run ${missing.map((m) => JSON.stringify(m)).join(', ')} in the database (see \`swe-forge list\`)`,
    );
  const data: ReportData[] = [];
  for (const id of runIds) data.push(await loadReportData(pool, id, 0));
  return compareData(data);
}
