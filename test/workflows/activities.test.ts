// The pipeline's orchestrator activities on a real Postgres, called directly: the error paths and edge cases the
// workflow tests do not reach.
import type { PipelineActivities } from '../../contracts/pipeline.ts';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineActivities } from '../../activities/pipeline/index.ts';
import { parseRunConfig } from '../../config/load.ts';
import { loadSettings } from '../../infra/settings.ts';
import { startTestStack, type TestStack } from '../../dev/stack.ts';

let stack: TestStack;
let a: PipelineActivities;
let dir: string;
const tasks = (over: Record<string, unknown> = {}) =>
  parseRunConfig({ name: 'x', models: { policy: { name: 'p' } }, tasks: over }).tasks;

beforeAll(async () => {
  stack = await startTestStack({ temporal: false, prefix: 'pipeline-acts' });
  dir = stack.dir;
  a = createPipelineActivities({
    pool: stack.pool!,
    settings: loadSettings({ SWE_FORGE_DATA: dir, SWE_FORGE_ARTIFACTS: join(dir, 'a') }),
  });
});
afterAll(async () => stack?.stop());

const insertTasks = async (ids: string[]) => {
  for (const id of ids)
    await stack.pool!.query(
      `insert into tasks (instance_id, repo, base_commit, data) values ($1, 'r', 'c', '{}') on conflict do nothing`,
      [id],
    );
};

async function rollout(
  run: string,
  stage: string,
  task: string,
  sample: number,
  o: { reward: number | null; masked?: boolean; path?: string | null },
) {
  await stack.pool!.query(
    `insert into rollouts (run_id, stage, task_id, sample, model, exit_reason, outcome, reward, masked, trajectory_path, turns)
     values ($1, $2, $3, $4, 'm', 'submitted', $5, $6, $7, $8, 2)`,
    [
      run,
      stage,
      task,
      sample,
      o.masked ? 'infra_error' : o.reward ? 'resolved' : 'unresolved',
      o.reward,
      !!o.masked,
      o.path ?? null,
    ],
  );
}

describe('loadRunTasks', () => {
  it('explains an empty task store with the import command', async () => {
    await expect(a.loadRunTasks({ runId: 'r', tasks: tasks({ file: '/nope.jsonl' }), seed: 1 })).rejects.toThrow(
      /tasks: the task store is empty; import them with `swe-forge tasks import \/nope.jsonl`/,
    );
  });

  it('splits train / eval, checks ids against the file and the store, and samples a limit', async () => {
    await insertTasks(['a', 'b', 'c', 'd', 'e', 'f']);
    const file = join(dir, 'tasks.jsonl');
    writeFileSync(file, ['a', 'b', 'c', 'd', 'e'].map((id) => JSON.stringify({ instance_id: id })).join('\n'));
    expect(await a.loadRunTasks({ runId: 'r', tasks: tasks({ file, eval: ['e'] }), seed: 1 })).toEqual({
      train: ['a', 'b', 'c', 'd'],
      eval: ['e'],
    });
    const limited = await a.loadRunTasks({ runId: 'r', tasks: tasks({ file, limit: 2 }), seed: 1 });
    expect(limited.train).toHaveLength(2);
    expect(await a.loadRunTasks({ runId: 'r', tasks: tasks({ file, limit: 2 }), seed: 1 })).toEqual(limited);
    await expect(a.loadRunTasks({ runId: 'r', tasks: tasks({ file, eval: ['f'] }), seed: 1 })).rejects.toThrow(
      /^tasks\.eval: 1 task\(s\) not in the task store \(e\.g\. f\)/,
    );
    await expect(
      a.loadRunTasks({ runId: 'r', tasks: tasks({ file, train: ['a'], eval: ['a'] }), seed: 1 }),
    ).rejects.toThrow(/^tasks\.train: a also in tasks\.eval/);
    writeFileSync(file, JSON.stringify({ instance_id: 'zz' }));
    await expect(a.loadRunTasks({ runId: 'r', tasks: tasks({ file }), seed: 1 })).rejects.toThrow(
      /^tasks\.file: 1 task\(s\) not in the task store \(e\.g\. zz\)/,
    );
  });
});

describe('GRPO batch', () => {
  it('masks a member whose trajectory is gone before computing advantages', async () => {
    const traj = join(dir, 't.jsonl');
    mkdirSync(dir, { recursive: true });
    writeFileSync(traj, `${JSON.stringify({ role: 'user', content: 'fix', meta: { turn: 0 } })}\n`);
    // iteration 1, G = 3: samples 0..2
    await rollout('g', 'rl', 'a', 0, { reward: 1, path: traj });
    await rollout('g', 'rl', 'a', 1, { reward: 0, path: traj });
    await rollout('g', 'rl', 'a', 2, { reward: 1, path: join(dir, 'missing.jsonl') });
    await rollout('g', 'rl', 'b', 0, { reward: null, masked: true });
    await rollout('g', 'rl', 'b', 1, { reward: 1, path: traj });
    await rollout('g', 'rl', 'b', 3, { reward: 1, path: traj }); // iteration 2: not in this batch
    const b = await a.buildGrpoBatch({ runId: 'g', iteration: 1, groupSize: 3 });
    expect(b).toMatchObject({ rows: 5, groups: 2, contributingGroups: 1, activeMembers: 2, masked: 2 });
    const lines = readFileSync(b.batchPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.group, l.advantage, l.masked])).toEqual([
      ['a', 1, false],
      ['a', -1, false],
      ['a', 0, true],
      ['b', 0, true],
      ['b', 0, true],
    ]);
    expect(lines[0].messages).toEqual([{ role: 'user', content: 'fix' }]);
    expect(lines[0].tools).toBeUndefined(); // no stored config and no toolFormat: a text-format policy
    // The workflow passes the policy's tool format: a native-format policy's rows carry the tool specs it was sent.
    const native = await a.buildGrpoBatch({ runId: 'g', iteration: 1, groupSize: 3, toolFormat: 'native' });
    const first = JSON.parse(readFileSync(native.batchPath, 'utf8').split('\n')[0]!);
    expect(first.tools.map((t: { function: { name: string } }) => t.function.name)).toContain('submit');
    const m = await a.recordRlIteration({ runId: 'g', iteration: 1, groupSize: 3, checkpointId: null });
    expect(m).toEqual({ iteration: 1, rollouts: 5, meanReward: 0.75, resolvedRate: 0.75, masked: 1, meanTurns: 2 });
  });
});

describe('checkpoints and resume points', () => {
  it('resumes RL after the last recorded iteration, from its checkpoint, else from SFT', async () => {
    const cfg = parseRunConfig({ name: 'ck', models: { policy: { name: 'p' } } });
    await a.registerRun({ runId: 'ck', workflowId: 'run-ck', executionId: 'e1', config: cfg });
    expect(await a.rlResumePoint({ runId: 'ck' })).toEqual({ nextIteration: 1, checkpoint: null });
    await a.recordCheckpoint({
      runId: 'ck',
      stage: 'sft',
      ref: { checkpointId: 'step-6', path: '/c/sft', step: 6, metrics: {} },
    });
    expect(await a.rlResumePoint({ runId: 'ck' })).toMatchObject({
      nextIteration: 1,
      checkpoint: { checkpointId: 'ck/sft/step-6' },
    });
    const rl1 = await a.recordCheckpoint({
      runId: 'ck',
      stage: 'rl',
      ref: { checkpointId: 'ck/rl/iter-1/step-1', path: '/c/rl1', step: 1, metrics: { loss: 1 } },
    });
    await a.recordRlIteration({ runId: 'ck', iteration: 1, groupSize: 2, checkpointId: rl1.checkpointId });
    expect(await a.rlResumePoint({ runId: 'ck' })).toMatchObject({
      nextIteration: 2,
      checkpoint: { checkpointId: 'ck/rl/iter-1/step-1', path: '/c/rl1' },
    });
    expect(await a.latestCheckpoint({ runName: 'ck' })).toMatchObject({
      runId: 'ck',
      checkpointId: 'ck/rl/iter-1/step-1',
    });
    expect(await a.latestCheckpoint({ runName: 'other' })).toBeNull();
  });

  it('re-registering a run reports what completed, and refuses an unsafe run id', async () => {
    const cfg = parseRunConfig({ name: 'ck', models: { policy: { name: 'p' } } });
    await a.putStageResult({ runId: 'ck', stage: 'report', summary: { reportPath: '/r.md', files: [] } });
    const again = await a.registerRun({ runId: 'ck', workflowId: 'run-ck', executionId: 'e2', config: cfg });
    expect(again).toEqual({ existed: true, completed: { report: { reportPath: '/r.md', files: [] } } });
    await expect(a.registerRun({ runId: '../x', workflowId: 'w', executionId: 'e', config: cfg })).rejects.toThrow(
      /^runId: "\.\.\/x" must be/,
    );
    await expect(a.getRunConfig({ runId: 'nope' })).rejects.toThrow(/no run "nope" is registered/);
  });
});
