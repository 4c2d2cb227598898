// A task is valid when its gold patch resolves it and the empty patch does not (SWE-bench's validation).
import type Docker from 'dockerode';
import type { SandboxConfig } from '../../contracts/rollout.ts';
import { evaluateBatch, type BatchItem } from './batch.ts';
import type { EvaluationResult } from './evaluate.ts';

export interface TaskValidation {
  instance_id: string;
  repo: string;
  gold_resolved: boolean;
  empty_resolved: boolean;
  valid: boolean;
  seconds: number;
  gold: Pick<EvaluationResult, 'outcome' | 'message'>;
  empty: Pick<EvaluationResult, 'outcome' | 'message'>;
}

export async function validateTasks(
  docker: Docker,
  tasks: BatchItem['task'][],
  o: {
    sandbox: SandboxConfig;
    concurrency: number;
    timeoutSec?: number;
    attempts?: number;
    onDone?: (v: TaskValidation) => void;
  },
): Promise<TaskValidation[]> {
  const items = tasks.flatMap((task) => [
    { task, patch: task.patch },
    { task, patch: '' },
  ]);
  const pending = new Map<string, EvaluationResult>();
  const out: TaskValidation[] = [];
  await evaluateBatch(docker, items, {
    ...o,
    labels: { activity: 'validate' },
    onResult: (i, item, result) => {
      const other = pending.get(item.task.instance_id);
      if (!other) return void pending.set(item.task.instance_id, result);
      const [gold, empty] = i % 2 === 0 ? [result, other] : [other, result];
      const v: TaskValidation = {
        instance_id: item.task.instance_id,
        repo: item.task.repo,
        gold_resolved: gold.outcome === 'resolved',
        empty_resolved: empty.outcome === 'resolved',
        valid: gold.outcome === 'resolved' && empty.outcome === 'unresolved',
        seconds: Math.round((gold.durationMs + empty.durationMs) / 100) / 10,
        gold: { outcome: gold.outcome, message: gold.message },
        empty: { outcome: empty.outcome, message: empty.message },
      };
      out.push(v);
      o.onDone?.(v);
    },
  });
  const order = new Map(tasks.map((t, i) => [t.instance_id, i]));
  return out.sort((a, b) => order.get(a.instance_id)! - order.get(b.instance_id)!);
}
