// Async RL (stages.rl.mode: async) on the real dev server and Postgres, stub rollouts and trainer: the rollouts of
// iteration i+1 run while step i trains, never further ahead than maxStaleness allows, and a member the engine
// says was sampled by weights older than that never enters a batch (dropped, or re-run with its old row kept).
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rlStatus, rlStatusLines } from '../../cli/rlStatus.ts';
import type { RolloutInput } from '../../contracts/rollout.ts';
import { rlOnlyConfig, startPipelineEnv, type PipelineEnv } from './helpers/env.ts';
import { stageWorkflowId } from '../../core/constants.ts';
import { eventually, listIds, runPipeline, startPipeline } from './helpers/run.ts';

let env: PipelineEnv;
beforeAll(async () => {
  env = await startPipelineEnv({ prefix: 'wf-rl-async' });
});
afterAll(async () => env?.stop());
afterEach(() => {
  env.behaviour.gate = undefined;
  env.behaviour.trainGate = undefined;
  env.behaviour.answeredBy = undefined;
  env.behaviour.outcome = undefined;
});

const G = 2;
/** Every group has a signal (even samples resolve), so every iteration steps and the version moves each time. */
const mixed = (_task: string, sample: number): 'resolved' | 'unresolved' =>
  sample % 2 === 0 ? 'resolved' : 'unresolved';
const asyncRl = (over: Record<string, unknown> = {}) =>
  rlOnlyConfig(env, {
    iterations: 3,
    batchTasks: 2,
    groupSize: G,
    continueAsNewEvery: 10,
    canaries: { sample: 0 },
    mode: 'async',
    maxStaleness: 1,
    ...over,
  });
const iterationOf = (sample: number) => Math.floor(sample / G) + 1;
const rolloutsOf = (run: string, iteration: number) =>
  env.stubs
    .named('runRollout')
    .map((c) => c.input as RolloutInput)
    .filter((i) => i.runId === run && iterationOf(i.sample) === iteration);

async function iterationRows(run: string) {
  const { rows } = await env.stack.pool!.query<{ iteration: number; metrics: Record<string, unknown> }>(
    'select iteration, metrics from rl_iterations where run_id = $1 order by iteration',
    [run],
  );
  return rows;
}

async function batchRows(run: string, iteration: number) {
  const { rows } = await env.stack.pool!.query<{ path: string }>('select path from datasets where id = $1', [
    `${run}:grpo:${iteration}`,
  ]);
  return readFileSync(rows[0]!.path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { group: string; masked: boolean; staleness?: number; maskReason?: string });
}

describe('async RL', () => {
  it("runs iteration 2's rollouts while step 1 trains, and no further ahead than k = 1", async () => {
    const run = 'async-1';
    env.behaviour.outcome = mixed;
    let open!: () => void;
    const step1 = new Promise<void>((r) => (open = r));
    env.behaviour.trainGate = (i) => (i.iteration === 1 ? step1 : Promise.resolve());
    const handle = await startPipeline(env, run, asyncRl());
    await eventually('step 1 started', async () => env.stubs.named('grpoStep').length >= 1);
    // Step 1 is held open: iteration 2's rollouts must all run meanwhile...
    await eventually("iteration 2's rollouts, during step 1", async () => rolloutsOf(run, 2).length === 2 * G);
    expect(env.stubs.named('grpoStep')).toHaveLength(1);
    // ...and iteration 3's must wait: its batch would be 2 versions behind the weights step 3 trains from.
    await new Promise((r) => setTimeout(r, 1500));
    expect(rolloutsOf(run, 3)).toHaveLength(0);
    open();
    await handle.result();
    const steps = env.stubs.named('grpoStep').map((c) => c.input as { iteration: number; model: string });
    expect(steps.map((s) => s.iteration)).toEqual([1, 2, 3]);
    expect(steps[0]!.model).toBe('/models/base');
    expect(steps[2]!.model).toMatch(/rl\/iter-2\/checkpoints\/step-2$/);
    // Iteration 2 sampled by the base weights, iteration 3 by step 1's: each one version behind its step.
    expect(new Set(rolloutsOf(run, 2).map((i) => i.policyVersion))).toEqual(new Set(['base']));
    expect(new Set(rolloutsOf(run, 3).map((i) => i.policyVersion))).toEqual(new Set([`${run}/rl/iter-1/step-1`]));
    const rows = await iterationRows(run);
    expect(rows.map((r) => r.metrics.staleness)).toEqual([{ '0': 2 * G }, { '1': 2 * G }, { '1': 2 * G }]);
    for (const r of rows) {
      expect(r.metrics).toMatchObject({ mode: 'async', maxStaleness: 1, staleDropped: 0 });
      for (const k of ['iterationMs', 'boundMs', 'swapMs', 'rolloutMs', 'trainMs'])
        expect(typeof r.metrics[k], `${k} of iteration ${r.iteration}`).toBe('number');
    }
    // One policy server for the stage, asked for each new checkpoint (swapped in place where the engine can), and
    // stopped once at the end, not a server per batch.
    const ensured = env.stubs
      .named('ensurePolicyServer')
      .map((c) => c.input as { servedName: string; modelName: string })
      .filter((i) => i.servedName.startsWith(`${run}-`));
    expect(new Set(ensured.map((i) => i.servedName))).toEqual(new Set([`${run}-rl`]));
    expect(ensured.map((i) => i.modelName)).toEqual(['base', 'base', `${run}/rl/iter-1/step-1`]);
    const stopped = env.stubs
      .named('stopPolicyServer')
      .filter((c) => (c.input as { servedName: string }).servedName.startsWith(`${run}-`));
    expect(stopped).toHaveLength(1);
    // Step 1 was held open past 1.5 s, so iteration 1 took at least that long; its bound counts the step too.
    expect(rows[0]!.metrics.iterationMs as number).toBeGreaterThanOrEqual(1500);
    expect(rows[0]!.metrics.boundMs as number).toBeGreaterThanOrEqual(1500);
    // What `swe-forge status RUN --json` prints under rl.iterations, and its plain lines.
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = env.stack.pg!.url;
    try {
      const st = await rlStatus(run);
      expect(st.iterations.map((i) => i.staleness)).toEqual([{ '0': 4 }, { '1': 4 }, { '1': 4 }]);
      for (const i of st.iterations) {
        expect(i.mode).toBe('async');
        for (const k of ['swapMs', 'iterationMs', 'boundMs'] as const) expect(i[k]).toBeTypeOf('number');
      }
      expect(rlStatusLines(st)[1]).toMatch(/ async \d+\.\ds \(bound \d+\.\ds, swap \d+\.\ds\) stale 1:4$/);
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  });

  it('drops a member the engine says older weights answered than k allows', async () => {
    const run = 'async-stale';
    env.behaviour.outcome = mixed;
    // A sampler that kept serving the base weights for one task of iteration 3 (its batch trains from step 2's).
    let lagging: string | undefined;
    env.behaviour.answeredBy = (i) => {
      if (i.runId !== run || iterationOf(i.sample) !== 3) return i.model.name;
      lagging ??= i.taskId;
      return i.taskId === lagging ? 'base' : i.model.name;
    };
    await runPipeline(env, run, asyncRl());
    const batch = await batchRows(run, 3);
    const stale = batch.filter((r) => r.group === lagging);
    expect(stale).toHaveLength(G);
    for (const r of stale) expect(r).toMatchObject({ masked: true, staleness: 2, maskReason: 'stale' });
    expect(batch.filter((r) => r.group !== lagging).every((r) => !r.masked && r.staleness === 1)).toBe(true);
    const rows = await iterationRows(run);
    expect(rows[2]!.metrics).toMatchObject({ staleDropped: G, staleness: { '1': G, '2': G } });
  });

  it('re-runs a stale member under the current weights and keeps its old row', async () => {
    const run = 'async-rerun';
    env.behaviour.outcome = mixed;
    let lagging: string | undefined;
    const lagged = new Set<string>();
    env.behaviour.answeredBy = (i) => {
      if (i.runId !== run || iterationOf(i.sample) !== 3) return i.model.name;
      lagging ??= i.taskId;
      const key = `${i.taskId}#${i.sample}`;
      if (i.taskId !== lagging || lagged.has(key)) return i.model.name;
      lagged.add(key); // only the first attempt lags
      return 'base';
    };
    await runPipeline(env, run, asyncRl({ staleSamples: 'rerun' }));
    const batch = await batchRows(run, 3);
    expect(batch.every((r) => !r.masked)).toBe(true);
    expect(batch.filter((r) => r.group === lagging).map((r) => r.staleness)).toEqual([0, 0]);
    const rows = await iterationRows(run);
    expect(rows[2]!.metrics).toMatchObject({ staleDropped: 0, staleRerun: G });
    const retired = await env.stack.pool!.query<{ task_id: string; policy_version: string; retired_reason: string }>(
      'select task_id, policy_version, retired_reason from rollout_retired where run_id = $1',
      [run],
    );
    expect(retired.rows).toHaveLength(G);
    for (const r of retired.rows) {
      expect(r.task_id).toBe(lagging);
      expect(r.retired_reason).toMatch(/^stale: sampled more than 1 versions behind async-rerun\/rl\/iter-2\/step-2/);
    }
  });

  it('continues as new between iterations: the finished rollouts are carried, none run twice, steps stay in order', async () => {
    const run = 'async-can';
    env.behaviour.outcome = mixed;
    const { result } = await runPipeline(env, run, asyncRl({ iterations: 4, continueAsNewEvery: 2 }));
    expect(result.stages.rl).toMatchObject({ iterations: 4, checkpointId: `${run}/rl/iter-4/step-4` });
    const steps = env.stubs
      .named('grpoStep')
      .map((c) => c.input as { runId: string; iteration: number; model: string })
      .filter((s) => s.runId === run);
    expect(steps.map((s) => s.iteration)).toEqual([1, 2, 3, 4]);
    for (const i of [1, 2, 3]) expect(steps[i]!.model).toMatch(new RegExp(`rl/iter-${i}/checkpoints/step-${i}$`));
    for (const i of [1, 2, 3, 4]) expect(rolloutsOf(run, i), `iteration ${i}`).toHaveLength(2 * G);
    const executions = await eventually('the RL executions in visibility', async () => {
      const ids = await listIds(env, `WorkflowId = "${stageWorkflowId(run, 'rl')}"`);
      return ids.length >= 2 ? ids : undefined;
    });
    expect(executions.length).toBeGreaterThanOrEqual(2);
    const rows = await iterationRows(run);
    expect(rows.map((r) => r.metrics.staleness)).toEqual([{ '0': 4 }, { '1': 4 }, { '1': 4 }, { '1': 4 }]);
  });

  it("counts a fixed endpoint's members from the launch version: its reply names are not checkpoints", async () => {
    const run = 'async-fixed';
    env.behaviour.outcome = mixed;
    const c = asyncRl({ offPolicy: true }) as { models: Record<string, unknown> };
    c.models.policy = { name: 'fixed-endpoint', kind: 'scripted', toolFormat: 'native' };
    await runPipeline(env, run, c as ReturnType<typeof asyncRl>);
    // Every reply names "fixed-endpoint"; read as a checkpoint it would be version 0, 2 behind step 3's weights,
    // and iteration 3's whole batch would be dropped.
    const rows = await iterationRows(run);
    expect(rows.map((r) => r.metrics.staleness)).toEqual([{ '0': 2 * G }, { '1': 2 * G }, { '1': 2 * G }]);
    expect(rows.map((r) => r.metrics.staleDropped)).toEqual([0, 0, 0]);
  });

  it('partial rollouts: a rollout in flight when a step ends answers its later turns with the new weights', async () => {
    const run = 'async-partial';
    env.behaviour.outcome = mixed;
    const swaps = () =>
      env.stubs
        .named('ensurePolicyServer')
        .map((c) => c.input as { servedName: string; modelName: string; inPlaceOnly?: boolean })
        .filter((i) => i.servedName === `${run}-rl`);
    // The stub engine answers with whatever the stage's server was last given, as a real one does after a swap.
    env.behaviour.answeredBy = (i) => (i.runId === run ? (swaps().at(-1)?.modelName ?? 'none') : i.model.name);
    // Iteration 2's rollouts are held until step 1's weights reach the server (10 s at most: the feature missing).
    env.behaviour.gate = async (i) => {
      if (i.runId !== run || iterationOf(i.sample) !== 2) return;
      for (const end = Date.now() + 10_000; Date.now() < end && !swaps().some((s) => s.inPlaceOnly);)
        await new Promise((r) => setTimeout(r, 100));
    };
    await runPipeline(env, run, asyncRl({ iterations: 2, partialRollouts: true }));
    const step1 = `${run}/rl/iter-1/step-1`;
    expect(
      swaps()
        .filter((s) => s.inPlaceOnly)
        .map((s) => s.modelName),
    ).toEqual([step1]);
    // Each of iteration 2's rollouts spans the update: its first turn by the base weights, its last by step 1's.
    const { rows } = await env.stack.pool!.query<{ trajectory_path: string }>(
      `select trajectory_path from rollouts where run_id = $1 and stage = 'rl' and sample >= $2`,
      [run, G],
    );
    expect(rows).toHaveLength(2 * G);
    for (const r of rows) {
      const turns = readFileSync(r.trajectory_path, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { role: string; meta?: { model?: string } })
        .filter((m) => m.role === 'assistant');
      expect(turns.map((t) => t.meta?.model)).toEqual(['base', step1]);
    }
    // Staleness counts the oldest turn: 1 behind the weights step 2 trains from, within k.
    expect((await iterationRows(run))[1]!.metrics).toMatchObject({ staleness: { '1': 2 * G }, staleDropped: 0 });
  });

  it('refuses partial rollouts outside async mode, naming the field', async () => {
    const { RlSchema } = await import('../../config/schema.ts');
    expect(() => RlSchema.parse({ partialRollouts: true })).toThrow(/partialRollouts needs stages.rl.mode: async/);
  });
});
