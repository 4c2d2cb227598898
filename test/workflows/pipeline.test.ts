// The pipeline DAG on a real dev server with stub rollout / gpu / scoring activities and the real pipeline
// activities over Postgres: stage order, what each stage records (hand-computed from the stub outcomes),
// the status query, search attributes, and re-execution skipping completed stages.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorkflowId, stageWorkflowId } from '../../core/constants.ts';
import { hashSeed, sampleTasks } from '../../core/sampling.ts';
import { temporalBinary } from '../../infra/temporal.ts';
import { SA, statusQuery } from '../../workflows/definitions.ts';
import type { PipelineResult } from '../../workflows/pipeline.ts';
import { startPipelineEnv, type PipelineEnv } from './helpers/env.ts';
import { childTypes, eventually, listIds, runPipeline } from './helpers/run.ts';

let env: PipelineEnv;
let handle: WorkflowHandle;
let result: PipelineResult;
const RUN = 'order-1';

beforeAll(async () => {
  env = await startPipelineEnv({ prefix: 'wf-pipeline' });
  ({ handle, result } = await runPipeline(env, RUN));
});
afterAll(async () => env?.stop());

const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = [RUN]) =>
  (await env.stack.pool!.query(sql, params)).rows as T[];

describe('pipelineWorkflow', () => {
  it('runs the stages as child workflows in order', async () => {
    expect(await childTypes(handle)).toEqual([
      'distillWorkflow',
      'difficultyWorkflow',
      'filterWorkflow',
      'sftWorkflow',
      'rlWorkflow',
      'sweWorldWorkflow',
      'ttsWorkflow',
      'reportWorkflow',
    ]);
    expect(Object.keys(result.stages)).toEqual([
      'distill',
      'difficulty',
      'filter',
      'sft',
      'rl',
      'sweWorld',
      'tts',
      'report',
    ]);
    const rows = await q<{ stage: string }>('select stage from stage_results where run_id = $1 order by completed_at');
    expect(rows.map((r) => r.stage)).toEqual(Object.keys(result.stages));
    expect((await q<{ status: string }>('select status from runs where run_id = $1'))[0]!.status).toBe('completed');
  });

  it('distils teachers x tasks x samples and estimates difficulty from Best-of-N', async () => {
    expect(result.stages.distill).toEqual({
      rollouts: 10,
      resolved: 5,
      masked: 0,
      failed: 0,
      teachers: ['stub-teacher'],
    });
    const d = await q<{ task_id: string; n: number; c: number; masked: number; pass_rate: number }>(
      'select task_id, n, c, masked, pass_rate from difficulty where run_id = $1 order by task_id',
    );
    expect(d.map((r) => [r.task_id, r.n, r.c, r.masked])).toEqual([
      ['t-0', 4, 4, 0],
      ['t-1', 4, 0, 0],
      ['t-2', 4, 2, 0],
      ['t-3', 3, 2, 1],
      ['t-4', 4, 2, 0],
    ]);
    expect(d[3]!.pass_rate).toBeCloseTo(2 / 3, 12);
    const h = result.stages.difficulty!.histogram;
    expect(h.bins.map((b) => b.count)).toEqual([1, 0, 0, 0, 0, 2, 1, 0, 0, 1]);
    expect(h).toMatchObject({ unsolved: 1, solved: 1, mixed: 3, unknown: 0 });
  });

  it('filters to mixed tasks, caps two per instance and counts every rule', async () => {
    const f = result.stages.filter!;
    expect(f).toMatchObject({ rows: 6, candidates: 30, poolSize: 3, unreadable: 0 });
    expect(f.removed).toEqual({
      masked: 1,
      unresolved: 14,
      forced: 0,
      notMixed: 6,
      historyAttempts: 0,
      overTokens: 0,
      overCap: 3,
    });
    const lines = readFileSync(f.path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(6);
    expect(lines[0].messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user', 'assistant']);
    expect(lines[0].messages[2].meta).toBeUndefined();
    const ds = await q<{ rows: number; stats: Record<string, number> }>(
      "select rows, stats from datasets where run_id = $1 and kind = 'sft'",
    );
    expect(ds[0]).toMatchObject({ rows: 6, stats: { 'removed.notMixed': 6, 'removed.overCap': 3 } });
  });

  it('trains SFT from a tiny model and runs RL from its checkpoint, one step per iteration', async () => {
    const tiny = env.stubs.named('makeTinyModel');
    expect(tiny).toHaveLength(1);
    expect((tiny[0]!.input as { corpusFiles: string[] }).corpusFiles).toEqual([result.stages.filter!.path]);
    const sft = result.stages.sft!;
    expect(sft.checkpointId).toBe(`${RUN}/sft/step-6`);
    const steps = env.stubs
      .named('grpoStep')
      .map((c) => c.input as { iteration: number; model: string; batchPath: string });
    expect(steps.map((s) => s.iteration)).toEqual([1, 2, 3]);
    expect(steps[0]!.model).toBe(sft.path);
    expect(steps[1]!.model).toMatch(/rl\/iter-1\/checkpoints\/step-1$/);
    expect(steps[2]!.model).toMatch(/rl\/iter-2\/checkpoints\/step-2$/);
    expect(result.stages.rl).toMatchObject({ iterations: 3, checkpointId: `${RUN}/rl/iter-3/step-3` });
    const iters = await q<{ iteration: number; checkpoint_id: string; masked: number }>(
      'select iteration, checkpoint_id, masked from rl_iterations where run_id = $1 order by iteration',
    );
    expect(iters.map((r) => r.checkpoint_id)).toEqual([1, 2, 3].map((i) => `${RUN}/rl/iter-${i}/step-${i}`));
  });

  it('samples each RL batch from the mixed pool with the seeded generator and G samples per task', async () => {
    for (const it of [1, 2, 3]) {
      const expected = sampleTasks(['t-2', 't-3', 't-4'], 2, hashSeed(7, 'rl', it)).sort();
      const rows = await q<{ task_id: string; sample: number }>(
        "select task_id, sample from rollouts where run_id = $1 and stage = 'rl' and sample >= $2 and sample < $3 order by task_id, sample",
        [RUN, (it - 1) * 2, it * 2],
      );
      expect([...new Set(rows.map((r) => r.task_id))]).toEqual(expected);
      expect(rows).toHaveLength(4);
    }
    const batch = env.stubs.named('grpoStep')[0]!.input as { batchPath: string };
    const lines = readFileSync(batch.batchPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    for (const l of lines.filter((x) => !x.masked)) expect(Math.abs(l.advantage)).toBe(1); // groups of {1, 0}: ±1
  });

  it('continues the RL loop as new every continueAsNewEvery iterations', async () => {
    const runs = await eventually('two RL executions in visibility', async () => {
      const ids = await listIds(env, `WorkflowId = "${stageWorkflowId(RUN, 'rl')}"`);
      return ids.length >= 2 ? ids : undefined;
    });
    expect(runs).toHaveLength(2); // iterations 1-2, then 3
  });

  it('serves the trainer policy per RL iteration and for TTS, and stops each server', async () => {
    const served = env.stubs.named('ensurePolicyServer').map((c) => (c.input as { servedName: string }).servedName);
    expect(served).toEqual([`${RUN}-rl-1`, `${RUN}-rl-2`, `${RUN}-rl-3`, `${RUN}-tts`]);
    expect(env.stubs.named('stopPolicyServer').map((c) => (c.input as { servedName: string }).servedName)).toEqual(
      served,
    );
  });

  it('scores TTS candidates and reports Pass@1 and Pass@K', async () => {
    expect(result.stages.tts).toMatchObject({ tasks: 2, k: 2, pass1: 0.5, passK: 1 });
    const scored = env.stubs.named('scoreCandidates')[0]!.input as { rolloutIds: number[]; verifierDir: string };
    expect(scored.rolloutIds).toHaveLength(4);
    expect(scored.verifierDir).toBe(result.stages.sweWorld!.onnxDir);
    expect(result.stages.report!.reportPath).toMatch(/report\.md$/);
  });

  it('sweWorld measures its checkpoint on held-out executions, and TTS names the checkpoint it scored with', async () => {
    const prep = env.stubs.named('prepareVerifierData')[0]!.input as { heldOutFraction: number };
    expect(prep.heldOutFraction).toBe(0.25);
    const measured = env.stubs.named('measureVerifier')[0]!.input as { verifierDir: string; rolloutIds: number[] };
    expect(measured.verifierDir).toBe(result.stages.sweWorld!.onnxDir);
    expect(measured.rolloutIds).toEqual([1, 2]); // the stub's held-out executions
    expect(result.stages.sweWorld!.heldOut).toMatchObject({ n: 2, rewardAccuracy: 0.5 });
    expect(result.stages.tts!.scoredWith).toEqual({
      source: 'run',
      kind: result.stages.sweWorld!.kind,
      name: result.stages.sweWorld!.checkpointId,
    });
  });

  it('answers the status query, also through the temporal CLI', async () => {
    const s = await handle.query(statusQuery);
    const masked = await q<{ n: number }>('select count(*)::int as n from rollouts where run_id = $1 and masked');
    const resolved = await q<{ n: number }>(
      "select count(*)::int as n from rollouts where run_id = $1 and outcome = 'resolved'",
    );
    const scored = await q<{ n: number }>('select count(*)::int as n from rollouts where run_id = $1 and not masked');
    expect(s).toMatchObject({
      runId: RUN,
      stage: 'done',
      state: 'completed',
      rlIteration: 3,
      latestCheckpoint: `${RUN}/rl/iter-3/step-3`,
      lastError: null,
      paused: false,
    });
    expect(s.completedStages).toHaveLength(8);
    expect(s.maskedCount).toBe(masked[0]!.n);
    expect(s.rates.scored).toBe(scored[0]!.n);
    expect(s.rates.resolvedRate).toBeCloseTo(resolved[0]!.n / scored[0]!.n, 12);
    expect(s.stages.rl).toMatchObject({ state: 'completed', done: 3, total: 3 });
    expect(s.stages.distill).toMatchObject({ done: 10, total: 10, resolved: 5 });
    // Async: the worker that answers the query lives in this process.
    const { stdout: out } = await promisify(execFile)(temporalBinary(), [
      'workflow',
      'query',
      '--workflow-id',
      runWorkflowId(RUN),
      '--name',
      'status',
      '--address',
      env.stack.temporal!.address,
      '--output',
      'json',
    ]);
    expect(out).toContain('"latestCheckpoint": "order-1/rl/iter-3/step-3"');
  });

  it('upserts search attributes that list queries can filter on', async () => {
    const d = await handle.describe();
    expect(d.typedSearchAttributes.get(SA.stage)).toBe('done');
    expect(d.typedSearchAttributes.get(SA.recipe)).toBe('swe-master');
    expect(d.typedSearchAttributes.get(SA.model)).toBe('stub-student');
    expect(d.typedSearchAttributes.get(SA.rlIteration)).toBe(3);
    const found = await eventually('the run in a SweForgeStage query', async () => {
      const ids = await listIds(
        env,
        'SweForgeStage = "done" AND SweForgeRecipe = "swe-master" AND SweForgeRlIteration = 3',
      );
      return ids.includes(runWorkflowId(RUN)) ? ids : undefined;
    });
    expect(found).toContain(runWorkflowId(RUN));
  });

  it('skips every completed stage when the run is executed again', async () => {
    const before = env.stubs.calls.length;
    const again = await runPipeline(env, RUN);
    expect(again.result.reused).toEqual(['distill', 'difficulty', 'filter', 'sft', 'rl', 'sweWorld', 'tts', 'report']);
    expect(again.result.stages).toEqual(result.stages);
    expect(await childTypes(again.handle)).toEqual([]);
    expect(env.stubs.calls.length).toBe(before);
    const s = await again.handle.query(statusQuery);
    expect(s.stages.sft.reused).toBe(true);
    expect(s.latestCheckpoint).toBe(`${RUN}/rl/iter-3/step-3`);
  });
});
