// Replay: every saved history (test/workflows/histories, recorded by record.ts there) must replay against the
// current workflow code. A change that breaks running workflows fails here, and a deliberately changed
// pipeline proves the check can fail.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';

const HISTORIES = join(import.meta.dirname, 'histories');
const WORKFLOWS = join(import.meta.dirname, '..', '..', 'workflows', 'index.ts');
const CHANGED = join(import.meta.dirname, 'fixtures', 'changedPipeline.ts');
const manifest = JSON.parse(readFileSync(join(HISTORIES, 'manifest.json'), 'utf8')) as Record<string, string>;
const load = (file: string) => historyFromJSON(JSON.parse(readFileSync(join(HISTORIES, file), 'utf8')));

describe('replay of saved histories', () => {
  // rl-zero-advantage.json was recorded at 8733edc, before the rl-skip-zero-advantage patch: its iteration 2 has
  // every group's rewards equal and still ran a GRPO step, which current code replays only through the marker.
  it('covers the pipeline, every stage, a partition, both RL executions (sync and async) and an evaluation', () => {
    expect(Object.keys(manifest).sort()).toEqual(
      [
        'difficulty.json',
        'distill-partitioned.json',
        'distill.json',
        'evaluation.json',
        'filter.json',
        'pipeline.json',
        'report.json',
        'rl-1.json',
        'rl-2.json',
        'rl-async-1.json',
        'rl-async-2.json',
        'rl-zero-advantage.json',
        'rollout-batch.json',
        'sft.json',
        'sweWorld.json',
        'tts.json',
      ].sort(),
    );
    const rl1 = load('rl-1.json');
    expect(rl1.events?.some((e) => e.workflowExecutionContinuedAsNewEventAttributes)).toBe(true);
    // The async history overlaps: iteration 1's grpoStep is scheduled before iteration 2's rollouts finish.
    const scheduled = (load('rl-async-1.json').events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
      .filter((n): n is string => !!n);
    const step = scheduled.indexOf('grpoStep');
    expect(step).toBeGreaterThan(0);
    expect(scheduled.slice(step).filter((n) => n === 'runRollout').length).toBeGreaterThan(0);
  });

  it('replays every history against the current workflows without a determinism violation', async () => {
    const histories = Object.entries(manifest).map(([file, workflowId]) => ({ workflowId, history: load(file) }));
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowsPath: WORKFLOWS }, histories)) results.push(r);
    expect(results).toHaveLength(histories.length);
    expect(results.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error?.message}`)).toEqual([]);
  });

  it('fails with DeterminismViolationError against a changed pipeline', async () => {
    const err = await Worker.runReplayHistory(
      { workflowsPath: CHANGED },
      load('pipeline.json'),
      manifest['pipeline.json'],
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeterminismViolationError);
    expect(String((err as Error).message)).toMatch(/nondetermin|does not match|mismatch/i);
  });
});
