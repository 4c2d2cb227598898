// The CLI against a real dev server (workers with stub activities live in this process): run with --json and
// progress, status, list, pause / resume, cancel, resume of a failed run, schedules of the evaluation workflow.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipelineEnv, testConfig, type PipelineEnv } from './helpers/env.ts';
import { eventually, listIds } from './helpers/run.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'swe-forge.mjs');
let env: PipelineEnv;
let configFile: string;

beforeAll(async () => {
  env = await startPipelineEnv({ prefix: 'wf-cli' });
  configFile = join(env.stack.dir, 'run.json');
  writeFileSync(configFile, JSON.stringify(testConfig(env)));
});
afterAll(async () => env?.stop());

/** Runs the CLI (async: the workers answering it live in this process). */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const envVars = { ...process.env, TEMPORAL_ADDRESS: env.stack.temporal!.address, SWE_FORGE_DATA: env.stack.dir };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      env: envVars,
      timeout: 180_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
const json = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('swe-forge run / status / list', () => {
  it('starts a run, prints its ids and the outcome as JSON', async () => {
    const r = await cli('run', '--config', configFile, '--run-id', 'cli-1', '--json');
    expect(r.code).toBe(0);
    const [started, outcome] = json(r.stdout);
    expect(started).toEqual({ runId: 'cli-1', workflowId: 'run-cli-1' });
    expect(outcome).toEqual({ runId: 'cli-1', workflowId: 'run-cli-1', status: 'completed' });
  });

  it('shows the status of a run, and lists runs filtered by search attributes', async () => {
    const s = await cli('status', 'cli-1', '--json');
    expect(s.code).toBe(0);
    const body = JSON.parse(s.stdout);
    expect(body).toMatchObject({ runId: 'cli-1', execution: 'COMPLETED', status: { stage: 'done', rlIteration: 3 } });
    const text = await cli('status', 'cli-1');
    expect(text.stdout).toMatch(/^rl +\[#{24}\] 3\/3/m);
    const rows = await eventually('cli-1 in the list', async () => {
      const l = json((await cli('list', '--json', '--query', 'SweForgeStage="done"')).stdout) as { runId: string }[];
      return l.some((x) => x.runId === 'cli-1') ? l : undefined;
    });
    expect(rows.find((x) => x.runId === 'cli-1')).toMatchObject({
      status: 'COMPLETED',
      recipe: 'swe-master',
      model: 'stub-student',
      rlIteration: 3,
    });
  });

  it('draws progress per stage while it waits', async () => {
    const r = await cli('run', '--config', configFile, '--run-id', 'cli-2');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/started run cli-2 \(workflow run-cli-2/);
    // Not a terminal: one line per change while it runs, then the whole table once at the end.
    expect(r.stdout).toMatch(/^distill +\[#{24}\] 10\/10/m);
    expect(r.stdout).toMatch(/^rl +\[#{24}\] /m);
    expect(r.stdout).toMatch(/run cli-2 completed/);
  });

  it('refuses a bad config with the dotted path and exit code 2, before starting anything', async () => {
    const bad = join(env.stack.dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ name: 'x', models: { policy: { name: 'p' } }, stages: { rl: { groupSize: 1 } } }),
    );
    const r = await cli('run', '--config', bad, '--run-id', 'cli-bad');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/stages\.rl\.groupSize/);
    expect(await listIds(env, 'WorkflowId = "run-cli-bad"')).toEqual([]);
  });

  it('explains an unknown run and a run that is not running', async () => {
    expect((await cli('status', 'nope')).stderr).toMatch(/no run nope/);
    const c = await cli('cancel', 'cli-1');
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/run cli-1 is COMPLETED, not running/);
  });
});

describe('swe-forge pause / resume / cancel', () => {
  it('pauses and unpauses a running run, and cancels one', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    env.behaviour.gate = () => gate;
    try {
      expect((await cli('run', '--config', configFile, '--run-id', 'cli-p', '--detach', '--json')).code).toBe(0);
      expect(JSON.parse((await cli('pause', 'cli-p', '--json')).stdout)).toMatchObject({ paused: true });
      await eventually(
        'paused status',
        async () => JSON.parse((await cli('status', 'cli-p', '--json')).stdout).status?.paused === true,
      );
      expect(JSON.parse((await cli('resume', 'cli-p', '--json')).stdout)).toMatchObject({ resumed: 'unpaused' });
      const cancelled = await cli('cancel', 'cli-p', '--json');
      expect(JSON.parse(cancelled.stdout)).toMatchObject({ runId: 'cli-p', cancelRequested: true });
      await eventually(
        'the run cancelled',
        async () => JSON.parse((await cli('status', 'cli-p', '--json')).stdout).execution === 'CANCELLED' || undefined,
      );
    } finally {
      open();
      env.behaviour.gate = undefined;
    }
  });

  it('resumes a failed run as a new execution that skips completed stages', async () => {
    env.behaviour.failWhen = (name) => name === 'trainSft';
    const failed = await cli('run', '--config', configFile, '--run-id', 'cli-f', '--json');
    env.behaviour.failWhen = undefined;
    expect(failed.code).toBe(1);
    expect(json(failed.stdout)[1]).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/stage sft failed/),
    });
    const resumed = await cli('resume', 'cli-f', '--json');
    expect(resumed.code).toBe(0);
    const [start, outcome] = json(resumed.stdout);
    expect(start).toMatchObject({ runId: 'cli-f', resumed: 'new-execution', previous: 'FAILED' });
    expect(outcome).toMatchObject({ status: 'completed' });
    const s = JSON.parse((await cli('status', 'cli-f', '--json')).stdout).status;
    expect(s.stages.distill.reused).toBe(true);
    expect(s.stages.sft.reused).toBeUndefined();
  });
});

describe('swe-forge schedule', () => {
  it('creates, lists, triggers, pauses and deletes a schedule of the evaluation workflow', async () => {
    const created = await cli(
      'schedule',
      'create',
      'nightly-eval',
      '--cron',
      '0 2 * * *',
      '--config',
      configFile,
      '--run',
      'cli-1',
      '--samples',
      '2',
      '--json',
    );
    expect(created.code).toBe(0);
    const c = JSON.parse(created.stdout);
    expect(c).toMatchObject({ scheduleId: 'nightly-eval', cron: '0 2 * * *', paused: false });
    expect(c.nextActionTimes[0]).toMatch(/T02:00:00\.000Z$/);
    const listed = json((await cli('schedule', 'list', '--json')).stdout);
    expect(listed).toEqual([
      expect.objectContaining({
        scheduleId: 'nightly-eval',
        workflowType: 'evaluationWorkflow',
        cron: ['0 2 * * *'],
        paused: false,
      }),
    ]);
    expect((await cli('schedule', 'trigger', 'nightly-eval')).code).toBe(0);
    const evalRow = await eventually(
      'the triggered evaluation to be recorded',
      async () => {
        const { rows } = await env.stack.pool!.query(
          "select run_id, checkpoint, metrics from evaluations where kind = 'eval'",
        );
        return rows[0];
      },
      90_000,
    );
    expect(evalRow.run_id).toMatch(/^nightly-eval-/);
    expect(evalRow.checkpoint).toBe('cli-1/rl/iter-3/step-3');
    expect(evalRow.metrics).toMatchObject({ tasks: 2, k: 2, pass1: 0.5, passK: 1 });
    expect((await cli('schedule', 'pause', 'nightly-eval')).code).toBe(0);
    expect(json((await cli('schedule', 'list', '--json')).stdout)[0].paused).toBe(true);
    expect((await cli('schedule', 'delete', 'nightly-eval')).code).toBe(0);
    expect(json((await cli('schedule', 'list', '--json')).stdout)).toEqual([]);
    const gone = await cli('schedule', 'trigger', 'nightly-eval');
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/no schedule nightly-eval/);
  });

  it('rejects a bad cron expression', async () => {
    const r = await cli('schedule', 'create', 'bad', '--cron', 'every day', '--config', configFile);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/cron/i);
  });
});
