// Infrastructure failures during a rollout: a container killed mid-rollout (`docker kill` from the test) is an
// infra_error that Temporal retries with the pipeline's real retry options, and the rollouts table ends with a
// single row; on the last allowed attempt the rollout is masked instead; cancellation removes the container.
import type { RolloutSummary } from '../../contracts/rollout.ts';
import { CancelledFailure } from '@temporalio/common';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASK_QUEUES } from '../../core/constants.ts';
import { createAgentActivities, createRolloutDeps } from '../../activities/agent/activity.ts';
import { performRollout } from '../../activities/agent/rollout.ts';
import { InfraError } from '../../core/errors.ts';
import { setCreateFaultRate } from '../../infra/sandbox.ts';
import {
  containersOfRun,
  mockActivity,
  rolloutInput,
  rolloutRows,
  seedWhere,
  startRolloutFixture,
  type RolloutFixture,
} from './rolloutFixture.ts';

const TASK = 'mini__textkit-3';
let fx: RolloutFixture;
beforeAll(async () => {
  fx = await startRolloutFixture({ temporal: true, prefix: 'rollout-infra' });
});
afterAll(async () => fx?.stop());

/** Waits for the run's first running container, lets it work a moment, then acts on it once. */
function onFirstContainer(docker: Docker, runId: string, act: (c: Docker.Container) => unknown, delayMs = 500) {
  let done = false;
  const seen = new Promise<string>((resolve, reject) => {
    const poll = async () => {
      try {
        const running = (await containersOfRun(docker, runId)).find((c) => c.State === 'running');
        if (running && !done) {
          done = true;
          await new Promise((r) => setTimeout(r, delayMs));
          await act(docker.getContainer(running.Id));
          resolve(running.Id);
          return;
        }
        setTimeout(() => void poll(), 100);
      } catch (err) {
        reject(err);
      }
    };
    void poll();
  });
  return seen;
}

describe('infrastructure errors', () => {
  it('a container killed mid-rollout is infra_error, retried by Temporal, and leaves one row', async () => {
    const task = fx.tasks.get(TASK)!;
    const { seed } = seedWhere(task, (p) => p.mode === 'solve' && p.steps.length >= 7);
    const runId = 'it-kill';
    const input = rolloutInput({ runId, taskId: TASK, seed });
    const address = fx.stack.temporal!.address;
    const connection = await NativeConnection.connect({ address });
    const client = new Client({ connection: await Connection.connect({ address }) });
    try {
      const worker = await Worker.create({
        connection,
        taskQueue: TASK_QUEUES.rollout,
        workflowsPath: new URL('./workflows/rolloutOnce.ts', import.meta.url).pathname,
        activities: createAgentActivities(fx.deps),
      });
      const killed = onFirstContainer(fx.docker, runId, (c) => c.kill());
      const handle = await client.workflow.start('rolloutOnceWorkflow', {
        taskQueue: TASK_QUEUES.rollout,
        workflowId: `run-${runId}`,
        args: [input],
      });
      const summary = await worker.runUntil(handle.result());
      const killedId = await killed;
      expect(summary).toMatchObject({ exitReason: 'submitted', outcome: 'resolved', reward: 1, masked: false });
      const rows = await rolloutRows(fx.deps, runId);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ attempt: 2, masked: false, reward: 1 });
      const history = await handle.fetchHistory();
      const failed = history.events!.find((e) => e.activityTaskStartedEventAttributes?.lastFailure);
      expect(failed?.activityTaskStartedEventAttributes?.lastFailure?.applicationFailureInfo?.type).toBe('InfraError');
      expect(failed?.activityTaskStartedEventAttributes?.attempt).toBe(2);
      expect((await containersOfRun(fx.docker, runId)).map((c) => c.Id)).not.toContain(killedId);
      expect(await containersOfRun(fx.docker, runId)).toEqual([]);
    } finally {
      await client.connection.close();
      await connection.close();
    }
  });

  it('on the last allowed attempt the rollout is masked (reward null) and written once', async () => {
    const task = fx.tasks.get(TASK)!;
    const { seed } = seedWhere(task, (p) => p.mode === 'explore');
    const runId = 'it-kill-last';
    const input = rolloutInput({ runId, taskId: TASK, seed });
    const activities = createAgentActivities(fx.deps);
    const killed = onFirstContainer(fx.docker, runId, (c) => c.kill());
    const s: RolloutSummary = await mockActivity(input.sandbox.infraMaxAttempts).run(activities.runRollout, input);
    await killed;
    expect(s).toMatchObject({ exitReason: 'infra_error', reward: null, masked: true, outcome: null });
    expect(s.maskReason).toMatch(/infra_error during the rollout/);
    const rows = await rolloutRows(fx.deps, runId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      masked: true,
      reward: null,
      exit_reason: 'infra_error',
      attempt: input.sandbox.infraMaxAttempts,
    });
    expect(rows[0].mask_reason).toMatch(/container|exec/i);
    expect(await containersOfRun(fx.docker, runId)).toEqual([]);
  });

  it('an earlier attempt fails retryably with type InfraError and writes no row', async () => {
    const task = fx.tasks.get(TASK)!;
    const { seed } = seedWhere(task, (p) => p.mode === 'explore');
    const runId = 'it-kill-first';
    const activities = createAgentActivities(fx.deps);
    const killed = onFirstContainer(fx.docker, runId, (c) => c.kill());
    const run = mockActivity(1).run(activities.runRollout, rolloutInput({ runId, taskId: TASK, seed }));
    await expect(run).rejects.toMatchObject({ type: 'InfraError', nonRetryable: false });
    await killed;
    expect(await rolloutRows(fx.deps, runId)).toHaveLength(0);
    expect(await containersOfRun(fx.docker, runId)).toEqual([]);
  });

  it('cancellation kills and removes the container and writes no row', async () => {
    const task = fx.tasks.get(TASK)!;
    const { seed } = seedWhere(task, (p) => p.mode === 'explore');
    const runId = 'it-cancel';
    const activities = createAgentActivities(fx.deps);
    const env = mockActivity(1);
    const cancelled = onFirstContainer(fx.docker, runId, () => env.cancel());
    const run = env.run(activities.runRollout, rolloutInput({ runId, taskId: TASK, seed }));
    await expect(run).rejects.toBeInstanceOf(CancelledFailure);
    await cancelled;
    expect(await containersOfRun(fx.docker, runId)).toEqual([]);
    expect(await rolloutRows(fx.deps, runId)).toHaveLength(0);
  });

  it('a container that cannot start: retryable InfraError, then masked on the last attempt', async () => {
    const runId = 'it-create-fault';
    const input = rolloutInput({ runId, taskId: TASK });
    const activities = createAgentActivities(fx.deps);
    setCreateFaultRate(1);
    try {
      await expect(mockActivity(1).run(activities.runRollout, input)).rejects.toMatchObject({
        type: 'InfraError',
        nonRetryable: false,
      });
      const s: RolloutSummary = await mockActivity(input.sandbox.infraMaxAttempts).run(activities.runRollout, input);
      expect(s).toMatchObject({ exitReason: 'infra_error', masked: true, reward: null, turns: 0 });
      expect(s.maskReason).toMatch(/injected fault/);
    } finally {
      setCreateFaultRate(0);
    }
    expect(await rolloutRows(fx.deps, runId)).toHaveLength(1);
  });

  it('grading that hits an infrastructure error retries the rollout, then masks it', async () => {
    const task = fx.tasks.get(TASK)!;
    const { seed } = seedWhere(task, (p) => p.mode === 'solve');
    const runId = 'it-eval-infra';
    const input = rolloutInput({ runId, taskId: TASK, seed });
    const { rolloutDeps, models } = createRolloutDeps(fx.deps);
    const deps = {
      ...rolloutDeps,
      evaluate: async () => ({ outcome: 'infra_error' as const, message: 'harness timed out after 240s' }),
    };
    try {
      await expect(performRollout(deps, input, { attempt: 1 })).rejects.toBeInstanceOf(InfraError);
      expect(await rolloutRows(fx.deps, runId)).toHaveLength(0);
      const s = await performRollout(deps, input, { attempt: input.sandbox.infraMaxAttempts });
      expect(s).toMatchObject({ exitReason: 'submitted', outcome: 'infra_error', reward: null, masked: true });
      expect(s.maskReason).toMatch(/infra_error during evaluation: harness timed out/);
      const rows = await rolloutRows(fx.deps, runId);
      expect(rows).toHaveLength(1);
      expect(rows[0].patch).toContain('rstrip(sep)');
    } finally {
      await models.close();
    }
  });
});
