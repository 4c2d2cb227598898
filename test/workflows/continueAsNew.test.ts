// The RL loop continues-as-new when Temporal suggests it (history length), not only every N iterations: the dev
// server here suggests it after a few dozen events, so each iteration runs in a fresh execution, carrying ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunConfigInput } from '../../config/schema.ts';
import { stageWorkflowId } from '../../core/constants.ts';
import { statusQuery } from '../../workflows/definitions.ts';
import { startPipelineEnv, testConfig, type PipelineEnv } from './helpers/env.ts';
import { eventually, listIds, runPipeline } from './helpers/run.ts';

let env: PipelineEnv;
beforeAll(async () => {
  env = await startPipelineEnv({ prefix: 'wf-can', dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 30 } });
});
afterAll(async () => env?.stop());

describe('RL continue-as-new', () => {
  it('continues as new when suggested and keeps the checkpoint chain across executions', async () => {
    const run = 'can-1';
    const c = testConfig(env, { stages: { rl: { iterations: 4, continueAsNewEvery: 100 } } }) as {
      stages: Record<string, unknown>;
      models: Record<string, unknown>;
    };
    for (const s of ['distill', 'difficulty', 'filter', 'sft', 'sweWorld', 'tts', 'report'])
      c.stages[s] = { enabled: false };
    c.models.baseModelDir = '/models/base'; // no SFT: RL starts from the base weights
    const { handle, result } = await runPipeline(env, run, c as RunConfigInput);
    expect(result.stages.rl).toMatchObject({ iterations: 4, checkpointId: `${run}/rl/iter-4/step-4` });
    const steps = env.stubs.named('grpoStep').map((x) => x.input as { iteration: number; model: string });
    expect(steps.map((s) => s.iteration)).toEqual([1, 2, 3, 4]);
    expect(steps[0]!.model).toBe('/models/base');
    for (const i of [1, 2, 3]) expect(steps[i]!.model).toMatch(new RegExp(`rl/iter-${i}/checkpoints/step-${i}$`));
    const executions = await eventually('the RL executions in visibility', async () => {
      const ids = await listIds(env, `WorkflowId = "${stageWorkflowId(run, 'rl')}"`);
      return ids.length >= 2 ? ids : undefined;
    });
    // continueAsNewEvery is 100: only the server's suggestion can have split the loop.
    expect(executions.length).toBeGreaterThanOrEqual(2);
    const rows = await env.stack.pool!.query('select iteration from rl_iterations where run_id = $1 order by 1', [run]);
    expect(rows.rows.map((r) => r.iteration)).toEqual([1, 2, 3, 4]);
    expect((await handle.query(statusQuery)).rlIteration).toBe(4);
  });
});
