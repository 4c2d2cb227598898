// DAPO's dynamic sampling in the RL loop (stages.rl.dynamicSampling) on the real dev server and Postgres, stub
// rollouts and trainer: a group whose rewards all agree is masked out of the batch and fresh tasks' groups are drawn
// in the same iteration until batchTasks groups have a signal or maxExtraGroups were drawn.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RolloutInput } from '../../contracts/rollout.ts';
import { rlOnlyConfig, startPipelineEnv, type PipelineEnv } from './helpers/env.ts';
import { runPipeline } from './helpers/run.ts';

let env: PipelineEnv;
beforeAll(async () => {
  env = await startPipelineEnv({ prefix: 'wf-dyn' });
});
afterAll(async () => env?.stop());
afterEach(() => {
  env.behaviour.outcome = undefined;
});

const G = 2;
/** Which tasks' groups are flat: the first always resolves, the second never; any other resolves on even samples. */
let flatTasks: string[] = [];
const outcome = (task: string, sample: number): 'resolved' | 'unresolved' =>
  task === flatTasks[0]
    ? 'resolved'
    : task === flatTasks[1]
      ? 'unresolved'
      : sample % 2 === 0
        ? 'resolved'
        : 'unresolved';
const flat = (task: string) => flatTasks.includes(task);

async function batch(run: string) {
  const { rows } = await env.stack.pool!.query<{ path: string }>('select path from datasets where id = $1', [
    `${run}:grpo:1`,
  ]);
  return readFileSync(rows[0]!.path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { group: string; masked: boolean; maskReason?: string });
}

const config = (dynamicSampling: boolean, maxExtraGroups = 4) =>
  rlOnlyConfig(env, {
    iterations: 1,
    batchTasks: 3,
    groupSize: G,
    canaries: { sample: 0 },
    dynamicSampling,
    maxExtraGroups,
    stepWithoutSignal: true,
  });

describe('dynamic sampling', () => {
  it('replaces zero-variance groups with fresh ones until batchTasks groups have a signal', async () => {
    // The same seed without dynamic sampling: the batch as sampled (it depends on the seed and pool only). Two of its
    // three tasks are then made flat, so one group keeps a signal and two are replaced from the other two tasks.
    await runPipeline(env, 'dyn-off', config(false));
    const plain = [...new Set((await batch('dyn-off')).map((r) => r.group))];
    expect(plain).toHaveLength(3);
    flatTasks = plain.slice(0, 2);
    env.behaviour.outcome = outcome;
    await runPipeline(env, 'dyn-on', config(true));
    const rows = await batch('dyn-on');
    const groups = [...new Set(rows.map((r) => r.group))];
    const withSignal = groups.filter((g) => !flat(g));
    const flatGroups = groups.filter(flat);
    // Every training task with a signal is in (3 of the 5), the sampled batch is kept, and every zero-variance group
    // is masked out of the loss, not counted.
    expect(withSignal).toHaveLength(3);
    expect(groups).toHaveLength(5);
    for (const g of plain) expect(groups).toContain(g);
    for (const r of rows.filter((r) => flat(r.group)))
      expect(r).toMatchObject({ masked: true, maskReason: 'zero_variance' });
    for (const r of rows.filter((r) => !flat(r.group))) expect(r.masked).toBe(false);
    const extra = groups.length - plain.length;
    expect(extra).toBe(2);
    const { rows: it } = await env.stack.pool!.query<{ metrics: Record<string, number> }>(
      'select metrics from rl_iterations where run_id = $1',
      ['dyn-on'],
    );
    expect(it[0]!.metrics).toMatchObject({ extraGroups: extra, droppedGroups: flatGroups.length });
    // The extra groups were sampled in iteration 1's own sample range, by the same served policy.
    const extraCalls = env.stubs
      .named('runRollout')
      .map((c) => c.input as RolloutInput)
      .filter((i) => i.runId === 'dyn-on' && !plain.includes(i.taskId));
    expect(extraCalls.map((i) => i.sample).sort()).toEqual(Array.from({ length: extra * G }, (_, k) => k % G).sort());
  });

  it('stops at maxExtraGroups', async () => {
    env.behaviour.outcome = () => 'resolved'; // no group ever has a signal
    await runPipeline(env, 'dyn-cap', config(true, 1));
    const groups = new Set((await batch('dyn-cap')).map((r) => r.group));
    expect(groups.size).toBe(3 + 1);
    const { rows } = await env.stack.pool!.query<{ metrics: Record<string, number> }>(
      'select metrics from rl_iterations where run_id = $1',
      ['dyn-cap'],
    );
    expect(rows[0]!.metrics).toMatchObject({ extraGroups: 1, droppedGroups: 4, stepSkipped: 1 });
  });
});
