// Resuming: a new execution of a failed run skips the stages that completed, and the RL loop picks up after its
// last completed iteration, from that iteration's checkpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorkflowId } from '../../core/constants.ts';
import { statusQuery } from '../../workflows/definitions.ts';
import { startPipelineEnv, type PipelineEnv } from './helpers/env.ts';
import { childTypes, eventually, listIds, runPipeline, startPipeline } from './helpers/run.ts';

let env: PipelineEnv;
beforeAll(async () => {
  env = await startPipelineEnv({ prefix: 'wf-resume' });
});
afterAll(async () => env?.stop());

const q = async <T>(sql: string, params: unknown[]) => (await env.stack.pool!.query(sql, params)).rows as T[];

describe('resume', () => {
  it('re-executes a run that failed in sft from sft on', async () => {
    const run = 'fail-sft';
    env.behaviour.failWhen = (name) => name === 'trainSft';
    const handle = await startPipeline(env, run);
    const err = await handle.result().catch((e: Error) => e);
    expect(String((err as { cause?: { message?: string } }).cause?.message)).toMatch(
      /stage sft failed: stub trainSft told to fail/,
    );
    const failed = await handle.query(statusQuery);
    expect(failed).toMatchObject({
      state: 'failed',
      stage: 'sft',
      completedStages: ['distill', 'difficulty', 'filter'],
    });
    expect(failed.lastError).toMatch(/^sft: stub trainSft told to fail/);
    expect(failed.stages.sft.state).toBe('failed');
    expect((await q<{ status: string }>('select status from runs where run_id = $1', [run]))[0]!.status).toBe('failed');
    // Failed runs stay findable by the stage they stopped in.
    await eventually('the failed run under SweForgeStage="sft"', async () =>
      (await listIds(env, 'SweForgeStage = "sft" AND ExecutionStatus = "Failed"')).includes(runWorkflowId(run)),
    );

    env.behaviour.failWhen = undefined;
    const rolloutsBefore = env.stubs.named('runRollout').length;
    const { handle: again, result } = await runPipeline(env, run);
    expect(result.reused).toEqual(['distill', 'difficulty', 'filter']);
    expect(await childTypes(again)).toEqual([
      'sftWorkflow',
      'rlWorkflow',
      'sweWorldWorkflow',
      'ttsWorkflow',
      'reportWorkflow',
    ]);
    const newRollouts = env.stubs
      .named('runRollout')
      .slice(rolloutsBefore)
      .map((c) => (c.input as { stage: string }).stage);
    expect(new Set(newRollouts)).toEqual(new Set(['rl', 'tts']));
    expect(
      (
        await q<{ n: number }>("select count(*)::int as n from rollouts where run_id = $1 and stage = 'distill'", [run])
      )[0]!.n,
    ).toBe(10);
    expect((await again.query(statusQuery)).state).toBe('completed');
  });

  it('continues RL from the last completed iteration and its checkpoint', async () => {
    const run = 'fail-rl';
    env.behaviour.failWhen = (name, input) => name === 'grpoStep' && (input as { iteration: number }).iteration === 2;
    const handle = await startPipeline(env, run);
    await handle.result().catch(() => undefined);
    const failed = await handle.query(statusQuery);
    expect(failed).toMatchObject({
      state: 'failed',
      stage: 'rl',
      rlIteration: 2,
      latestCheckpoint: `${run}/rl/iter-1/step-1`,
    });
    expect(await q<{ iteration: number }>('select iteration from rl_iterations where run_id = $1', [run])).toEqual([
      { iteration: 1 },
    ]);
    const rolloutsOfIter2 = async () =>
      (
        await q<{ n: number }>(
          "select count(*)::int as n from rollouts where run_id = $1 and stage = 'rl' and sample in (2, 3)",
          [run],
        )
      )[0]!.n;
    expect(await rolloutsOfIter2()).toBe(4);

    env.behaviour.failWhen = undefined;
    const stepsBefore = env.stubs.named('grpoStep').length;
    const rolloutsBefore = env.stubs.named('runRollout').length;
    const { result } = await runPipeline(env, run);
    expect(result.reused).toEqual(['distill', 'difficulty', 'filter', 'sft']);
    const steps = env.stubs
      .named('grpoStep')
      .slice(stepsBefore)
      .map((c) => c.input as { iteration: number; model: string });
    expect(steps.map((s) => s.iteration)).toEqual([2, 3]);
    expect(steps[0]!.model).toMatch(/rl\/iter-1\/checkpoints\/step-1$/);
    // Iteration 2's rollouts were recorded before the step failed: they are reused, not redone.
    const redone = env.stubs
      .named('runRollout')
      .slice(rolloutsBefore)
      .map((c) => c.input as { stage: string; sample: number });
    expect(
      redone
        .filter((r) => r.stage === 'rl')
        .map((r) => r.sample)
        .sort(),
    ).toEqual([4, 4, 5, 5]);
    expect(await rolloutsOfIter2()).toBe(4);
    expect(
      await q<{ iteration: number }>('select iteration from rl_iterations where run_id = $1 order by 1', [run]),
    ).toEqual([{ iteration: 1 }, { iteration: 2 }, { iteration: 3 }]);
    expect(result.stages.rl).toMatchObject({ iterations: 3, checkpointId: `${run}/rl/iter-3/step-3` });
  });
});
