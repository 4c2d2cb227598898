// SWE-bench predictions: JSONL (one object a line), or a JSON array, or a JSON object keyed by instance id,
// each with instance_id, model_name_or_path, model_patch. Bad entries are reported by line / key, not fatal.
// Several predictions of one instance are several samples, kept in file order: the harness keys a predictions
// file by instance_id (a second one silently replaces the first), so each sample slot is a harness run of its own
// (sampleRuns), with a run id of its own.
import { readFileSync, existsSync } from 'node:fs';
import { z } from 'zod';
import { InputError } from '../../core/errors.ts';
import type { RowError } from '../../core/task.ts';
import type { Prediction } from './report.ts';

const PredictionSchema = z.looseObject({
  instance_id: z.string().min(1),
  model_name_or_path: z.string().default('unknown'),
  model_patch: z.string().nullable().default(null),
});

export function readPredictions(file: string): { predictions: Prediction[]; errors: RowError[] } {
  if (!existsSync(file)) throw new InputError(`predictions file not found: ${file}`);
  const text = readFileSync(file, 'utf8');
  const entries: { line: number; raw: unknown }[] = [];
  const errors: RowError[] = [];
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    whole = undefined; // not one JSON document: JSONL
  }
  if (Array.isArray(whole) || (typeof whole === 'object' && whole !== null)) {
    const obj = whole as Record<string, unknown>;
    const list = Array.isArray(whole) ? whole : 'instance_id' in obj ? [obj] : Object.values(obj);
    list.forEach((r, i) => entries.push({ line: i + 1, raw: r }));
  } else {
    text.split('\n').forEach((l, i) => {
      if (!l.trim()) return;
      try {
        entries.push({ line: i + 1, raw: JSON.parse(l) });
      } catch (err) {
        errors.push({ line: i + 1, field: '(json)', message: `not valid JSON: ${(err as Error).message}` });
      }
    });
  }
  const predictions: Prediction[] = [];
  for (const { line, raw } of entries) {
    const p = PredictionSchema.safeParse(raw);
    if (!p.success) {
      for (const i of p.error.issues) errors.push({ line, field: i.path.join('.') || '(row)', message: i.message });
      continue;
    }
    predictions.push(p.data);
  }
  return { predictions, errors };
}

export interface SampleRun<T extends { instance_id: string }> {
  /** 0 for the first prediction of each instance, 1 for the second, ... */
  sample: number;
  /** The harness run id of this slot: the run id itself when every instance has one prediction. */
  runId: string;
  predictions: T[];
}

/** Slot k holds the k-th prediction of every instance that has one, so no slot names an instance twice (no
 * predictions at all: one empty slot, so a run still has its report). */
export function sampleRuns<T extends { instance_id: string }>(runId: string, predictions: T[]): SampleRun<T>[] {
  const slots: T[][] = [];
  const count = new Map<string, number>();
  for (const p of predictions) {
    const k = count.get(p.instance_id) ?? 0;
    count.set(p.instance_id, k + 1);
    (slots[k] ??= []).push(p);
  }
  if (!slots.length) return [{ sample: 0, runId, predictions: [] }];
  return slots.map((list, sample) => ({
    sample,
    runId: slots.length === 1 ? runId : sampleRunId(runId, sample),
    predictions: list,
  }));
}

export const sampleRunId = (runId: string, sample: number) => `${runId}.sample-${sample}`;

/** Predictions files for the harness, none naming an instance twice: `preds.json` when every instance has one
 * prediction, else `preds.sample-<k>.json` per sample slot (each its own `run_evaluation --run_id`). Entries keep
 * their keys (the harness reads a JSON object's values). */
export function predictionFiles<T extends { instance_id: string }>(
  entries: [key: string, prediction: T][],
): { name: string; predictions: Record<string, T> }[] {
  const runs = sampleRuns(
    'preds',
    entries.map(([key, p]) => ({ instance_id: p.instance_id, key, p })),
  );
  return runs.map((run) => ({
    name: runs.length === 1 ? 'preds.json' : `${run.runId}.json`,
    predictions: Object.fromEntries(run.predictions.map((e) => [e.key, e.p])),
  }));
}
