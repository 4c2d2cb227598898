// An RL iteration whose every group got equal rewards has no learning signal (every leave-one-out advantage is 0
// and the loss has no KL term): the loop keeps the served policy instead of writing a copy of it and swapping the
// server to that copy. Iteration 1's groups are mixed (one resolved, one not); iteration 2's all resolve.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rlOnlyConfig, startPipelineEnv, type PipelineEnv } from './helpers/env.ts';
import { runPipeline } from './helpers/run.ts';

let env: PipelineEnv;
beforeAll(async () => {
  env = await startPipelineEnv({ prefix: 'wf-zero-adv' });
});
afterAll(async () => env?.stop());

describe('rl with a zero-advantage batch', () => {
  it('skips the GRPO step and keeps the previous checkpoint, saying so in the iteration row', async () => {
    const run = 'zero-adv-1';
    // RL samples of iteration k are (k - 1) * G .. k * G - 1 with G = 2.
    env.behaviour.outcome = (_task, sample) => (sample >= 2 || sample === 0 ? 'resolved' : 'unresolved');
    await runPipeline(
      env,
      run,
      rlOnlyConfig(env, { iterations: 2, batchTasks: 2, groupSize: 2, canaries: { sample: 0 } }),
    );
    env.behaviour.outcome = undefined;

    const steps = env.stubs.named('grpoStep').map((x) => (x.input as { iteration: number }).iteration);
    expect(steps).toEqual([1]);
    const rows = (
      await env.stack.pool!.query(
        `select iteration, checkpoint_id, metrics from rl_iterations where run_id = $1 order by iteration`,
        [run],
      )
    ).rows as { iteration: number; checkpoint_id: string; metrics: Record<string, number> }[];
    expect(rows.map((r) => r.iteration)).toEqual([1, 2]);
    expect(rows[0]!.checkpoint_id).toBe(`${run}/rl/iter-1/step-1`);
    expect(rows[1]!.checkpoint_id).toBe(rows[0]!.checkpoint_id);
    expect(rows[0]!.metrics).toMatchObject({ stepSkipped: 0, zeroVarianceGroups: 0, contributingGroups: 2 });
    expect(rows[1]!.metrics).toMatchObject({ stepSkipped: 1, zeroVarianceGroups: 2, contributingGroups: 2 });
  });

  it('steps anyway with stepWithoutSignal (the demo preset: a checkpoint and a swap every iteration)', async () => {
    const run = 'zero-adv-2';
    env.behaviour.outcome = () => 'unresolved';
    const before = env.stubs.named('grpoStep').length;
    await runPipeline(
      env,
      run,
      rlOnlyConfig(env, {
        iterations: 2,
        batchTasks: 2,
        groupSize: 2,
        canaries: { sample: 0 },
        stepWithoutSignal: true,
      }),
    );
    env.behaviour.outcome = undefined;
    const steps = env.stubs.named('grpoStep').slice(before);
    expect(steps.map((x) => (x.input as { iteration: number }).iteration)).toEqual([1, 2]);
    const rows = (
      await env.stack.pool!.query(
        `select checkpoint_id, metrics from rl_iterations where run_id = $1 order by iteration`,
        [run],
      )
    ).rows as { checkpoint_id: string; metrics: Record<string, number> }[];
    expect(rows.map((r) => r.checkpoint_id)).toEqual([`${run}/rl/iter-1/step-1`, `${run}/rl/iter-2/step-2`]);
    for (const r of rows) expect(r.metrics).toMatchObject({ stepSkipped: 0, zeroVarianceGroups: 2 });
  });
});
