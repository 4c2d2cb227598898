// SWE-bench predictions: JSONL (one object a line), or a JSON array, or a JSON object keyed by instance id,
// each with instance_id, model_name_or_path, model_patch. Bad entries are reported by line / key, not fatal.
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
  const seen = new Set<string>();
  const predictions: Prediction[] = [];
  for (const { line, raw } of entries) {
    const p = PredictionSchema.safeParse(raw);
    if (!p.success) {
      for (const i of p.error.issues) errors.push({ line, field: i.path.join('.') || '(row)', message: i.message });
      continue;
    }
    if (seen.has(p.data.instance_id)) {
      errors.push({ line, field: 'instance_id', message: `duplicate prediction for ${p.data.instance_id}` });
      continue;
    }
    seen.add(p.data.instance_id);
    predictions.push(p.data);
  }
  return { predictions, errors };
}
