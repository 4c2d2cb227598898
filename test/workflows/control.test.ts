// Operating a running pipeline: pause / resume between activities, cancellation reaching the activities, and
// large fan-outs split into child workflows with a bounded number of activities in flight.
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunConfigInput } from '../../config/schema.ts';
import { runWorkflowId, stageWorkflowId } from '../../core/constants.ts';
import { pauseSignal, resumeSignal, statusQuery } from '../../workflows/definitions.ts';
import type { PipelineResult } from '../../workflows/pipeline.ts';
import { startPipelineEnv, testConfig, type PipelineEnv } from './helpers/env.ts';
import { eventually, listIds, startPipeline } from './helpers/run.ts';

let env: PipelineEnv;
beforeAll(async () => {
  env = await startPipelineEnv({ prefix: 'wf-control' });
});
afterAll(async () => env?.stop());
afterEach(() => {
  env.behaviour.gate = undefined;
});

const OFF = { enabled: false };
/** Distillation only: 5 tasks x 2 samples = 10 rollouts. */
function distillOnly(distill: Record<string, unknown>, fanOut: Record<string, unknown> = {}): RunConfigInput {
  const c = testConfig(env, { stages: { distill }, fanOut }) as { stages: Record<string, unknown> };
  for (const s of ['difficulty', 'filter', 'sft', 'rl', 'sweWorld', 'tts', 'report']) c.stages[s] = OFF;
  return c as RunConfigInput;
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, wait: () => opened };
}

describe('pause and resume', () => {
  it('lets running rollouts finish and starts no new one until resumed', async () => {
    const run = 'pause-1';
    const g = gate();
    env.behaviour.gate = g.wait;
    const started = () =>
      env.stubs.named('runRollout').filter((c) => (c.input as { runId: string }).runId === run).length;
    const handle = await startPipeline(env, run, distillOnly({ window: 2 }));
    await eventually('two rollouts in flight', async () => started() === 2);
    await handle.signal(pauseSignal);
    await eventually('paused in status', async () => (await handle.query(statusQuery)).paused);
    g.open();
    const s = await eventually('the two running rollouts to finish', async () => {
      const st = await handle.query(statusQuery);
      return st.stages.distill.done === 2 ? st : undefined;
    });
    expect(s).toMatchObject({ state: 'paused', stage: 'distill', progress: { done: 2, total: 10 } });
    // Give the (paused) lanes every chance to start another rollout: none may.
    await new Promise((r) => setTimeout(r, 1500));
    expect(started()).toBe(2);
    await handle.signal(resumeSignal);
    const result = (await handle.result()) as PipelineResult;
    expect(result.stages.distill).toMatchObject({ rollouts: 10, resolved: 5 });
    expect(started()).toBe(10);
  });
});

describe('cancellation', () => {
  it('cancels the stage child and its running activities', async () => {
    const run = 'cancel-1';
    env.behaviour.gate = () => new Promise<void>(() => undefined); // never finishes on its own
    const cancelledBefore = env.stubs.live.cancelled;
    const handle = await startPipeline(env, run, distillOnly({ window: 3 }));
    await eventually('three rollouts in flight', async () => env.stubs.live.inFlight === 3);
    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    // An activity dispatched to the worker while the server cancels it is closed on the server at once and learns
    // of it from its next heartbeat (NOT_FOUND), after the workflow has closed: wait for all three to stop.
    await eventually(
      'all three running rollouts cancelled',
      async () => env.stubs.live.cancelled - cancelledBefore === 3 && env.stubs.live.inFlight === 0,
    );
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect((await env.client.workflow.getHandle(stageWorkflowId(run, 'distill')).describe()).status.name).toBe(
      'CANCELLED',
    );
    const { rows } = await env.stack.pool!.query('select status from runs where run_id = $1', [run]);
    expect(rows[0].status).toBe('cancelled');
    expect((await handle.query(statusQuery)).state).toBe('cancelled');
  });
});

describe('fan-out', () => {
  it('splits a large fan-out into partition child workflows and bounds activities in flight', async () => {
    const run = 'parts-1';
    env.stubs.live.maxInFlight = 0;
    const handle = await startPipeline(env, run, distillOnly({ window: 3 }, { partitionSize: 4 }));
    const result = (await handle.result()) as PipelineResult;
    expect(result.stages.distill).toMatchObject({ rollouts: 10, resolved: 5, failed: 0 });
    expect(env.stubs.live.maxInFlight).toBeLessThanOrEqual(3);
    const parts = await eventually('three partitions in visibility', async () => {
      const ids = (await listIds(env, 'WorkflowType = "rolloutBatchWorkflow"')).filter((id) =>
        id.startsWith(runWorkflowId(run)),
      );
      return ids.length === 3 ? ids : undefined;
    });
    expect(parts.sort()).toEqual([0, 1, 2].map((i) => `${stageWorkflowId(run, 'distill')}/rollouts/part-${i}`));
    const s = await handle.query(statusQuery);
    expect(s.stages.distill).toMatchObject({ done: 10, total: 10, resolved: 5 });
  });

  it('counts a failing rollout, keeps going and reports the error', async () => {
    const run = 'fails-1';
    env.behaviour.failWhen = (name, input) =>
      name === 'runRollout' && (input as { taskId: string; runId: string }).taskId === 't-2';
    try {
      const handle = await startPipeline(env, run, distillOnly({ window: 2 }));
      const result = (await handle.result()) as PipelineResult;
      expect(result.stages.distill).toMatchObject({ rollouts: 8, failed: 2 });
      expect((await handle.query(statusQuery)).lastError).toMatch(/^distill: t-2#[01]: stub runRollout told to fail/);
    } finally {
      env.behaviour.failWhen = undefined;
    }
  });

  it('fails the stage when every rollout fails', async () => {
    env.behaviour.failWhen = (name) => name === 'runRollout';
    try {
      const handle = await startPipeline(env, 'fails-all', distillOnly({ window: 2 }));
      const err = await handle.result().catch((e: Error) => e);
      expect(String((err as { cause?: { message?: string } }).cause?.message)).toMatch(
        /stage distill failed: all 10 distill rollouts failed/,
      );
    } finally {
      env.behaviour.failWhen = undefined;
    }
  });
});
