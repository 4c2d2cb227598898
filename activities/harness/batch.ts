// Many evaluations at a fixed concurrency. An infra_error is retried (with backoff) up to `attempts` times; any
// other outcome is final. One evaluation's failure never stops the others: each slot always yields a result.
import type Docker from 'dockerode';
import type { TaskInstance } from '../../core/task.ts';
import type { ImageSource } from '../../infra/images/taskImage.ts';
import { evaluatePatch, type EvaluateOptions, type EvaluationResult } from './evaluate.ts';

export interface BatchItem {
  task: TaskInstance & { source_path?: string };
  patch: string;
}

export interface BatchOptions extends Omit<EvaluateOptions, 'source'> {
  concurrency: number;
  /** Attempts per item while the outcome is infra_error (default 1: no retry). */
  attempts?: number;
  backoffMs?: number;
  /** The image source of a task (default: its stored source_path, if any). */
  sourceFor?: (task: BatchItem['task']) => ImageSource | undefined;
  onStart?: (index: number, item: BatchItem) => void;
  onResult?: (index: number, item: BatchItem, result: EvaluationResult, attempt: number) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function evaluateBatch(docker: Docker, items: BatchItem[], o: BatchOptions): Promise<EvaluationResult[]> {
  const results: EvaluationResult[] = new Array(items.length);
  const sourceFor = o.sourceFor ?? ((t) => (t.source_path ? { repoPath: t.source_path } : undefined));
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      const item = items[i]!;
      o.onStart?.(i, item);
      let result: EvaluationResult;
      let attempt = 0;
      do {
        if (attempt > 0) await sleep((o.backoffMs ?? 1000) * 2 ** (attempt - 1));
        attempt++;
        result = await evaluatePatch(docker, item.task, item.patch, { ...o, source: sourceFor(item.task) }).catch(
          (err: Error) => ({
            outcome: 'infra_error' as const,
            tests: {},
            failToPass: { passed: [], failed: [] },
            passToPass: { passed: [], failed: [] },
            message: `harness crashed: ${err.message}`,
            durationMs: 0,
            logTail: '',
          }),
        );
      } while (result.outcome === 'infra_error' && attempt < (o.attempts ?? 1));
      if (attempt > 1) result = { ...result, message: `${result.message} (attempt ${attempt})` };
      results[i] = result;
      o.onResult?.(i, item, result, attempt);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, items.length)) }, worker));
  return results;
}
