// The gpu worker's activities against the real trainer on CPU with the tiny model, under MockActivityEnvironment:
// heartbeats and resume after kill -9, cancellation, bad input, idempotent checkpoint rows, policy serving.
import type { TrainSftInput } from '../../contracts/gpu.ts';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Info } from '@temporalio/activity';
import { DefaultLogger } from '@temporalio/worker';
import { RlSchema, SftSchema } from '../../config/schema.ts';
import { loadSettings } from '../../infra/settings.ts';
import { loadTrainingEnv } from '../../activities/training/env.ts';
import { createGpuTrainingActivities } from '../../activities/training/index.ts';
import { isAlive } from '../../activities/training/processes.ts';
import type { TrainingHeartbeat } from '../../activities/training/runner.ts';
import { startTestStack, type TestStack } from '../../dev/stack.ts';

let stack: TestStack;
let acts: ReturnType<typeof createGpuTrainingActivities>;
let tinyModel: string;
let sftData: string;
let artifactsDir: string;
let cacheDir: string;

/** Each call gets its own environment (a cancelled one stays cancelled); failures are assertions, not log noise. */
function activity(info: Partial<Info> = {}, beats: TrainingHeartbeat[] = []) {
  const env = new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR', () => undefined) });
  env.on('heartbeat', (d: TrainingHeartbeat) => beats.push(d));
  return { env, run: <R>(fn: () => Promise<R>) => env.run(fn) as Promise<R> };
}
const tinyInput = (outDir = '') => ({ outDir, corpusFiles: ['tasks/mini/tasks.jsonl'], seed: 0 });

function conversations(n: number): string {
  const rows = Array.from({ length: n }, (_, i) => ({
    messages: [
      { role: 'system', content: 'You fix bugs in Python repositories.' },
      { role: 'user', content: `Issue ${i}: parse() fails on empty input in textkit.` },
      {
        role: 'assistant',
        content: `<tool_call>{"name":"bash","arguments":{"command":"grep -n parse src/${i}.py"}}</tool_call>`,
      },
      { role: 'tool', content: `${i}:def parse(text):` },
      {
        role: 'assistant',
        content:
          'The fix returns an empty list for empty input. <tool_call>{"name":"submit","arguments":{}}</tool_call>',
      },
    ],
  }));
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

const sftInput = (runId: string, over: Partial<TrainSftInput['sft']> = {}, datasetPath = sftData): TrainSftInput => ({
  runId,
  stage: 'sft',
  baseModel: tinyModel,
  datasetPath,
  outDir: '',
  sft: SftSchema.parse({ steps: 8, saveEvery: 2, batchSize: 2, maxSeqLen: 256, lr: 1e-3, ...over }),
});

const completeSteps = (outDir: string) =>
  readdirSync(join(outDir, 'checkpoints'))
    .filter((d) => /^step-\d+$/.test(d) && existsSync(join(outDir, 'checkpoints', d, 'trainer_state.json')))
    .map((d) => Number(d.slice(5)));

beforeAll(async () => {
  stack = await startTestStack({ temporal: false, prefix: 'training' });
  artifactsDir = join(stack.dir, 'artifacts');
  cacheDir = join(stack.dir, 'cache');
  const settings = { ...loadSettings(), artifactsDir, cacheDir };
  const env = loadTrainingEnv({ SWE_FORGE_GPUS: '0', SWE_FORGE_HEARTBEAT_S: '1', SWE_FORGE_KILL_GRACE_S: '30' });
  acts = createGpuTrainingActivities({ pool: stack.pool!, settings }, { env });
  sftData = join(stack.dir, 'sft.jsonl');
  writeFileSync(sftData, conversations(6));
  tinyModel = (await activity().run(() => acts.makeTinyModel(tinyInput()))).path;
});
afterAll(async () => {
  if (acts) await activity().run(() => acts.stopPolicyServer({ servedName: 'policy' }));
  await stack?.stop();
});

describe('makeTinyModel', () => {
  it('builds the model once under a content-hash name in the cache; a run dir gets a copy', async () => {
    expect(tinyModel.startsWith(join(cacheDir, 'models', 'tiny-'))).toBe(true);
    const weights = join(tinyModel, 'model.safetensors');
    const before = statSync(weights).mtimeMs;
    expect((await activity().run(() => acts.makeTinyModel(tinyInput()))).path).toBe(tinyModel);
    const copy = (await activity().run(() => acts.makeTinyModel(tinyInput('runs/tiny-copy/models/tiny')))).path;
    expect(copy).toBe(join(artifactsDir, 'runs', 'tiny-copy', 'models', 'tiny'));
    expect(readFileSync(join(copy, 'model.safetensors'))).toEqual(readFileSync(weights));
    expect(statSync(weights).mtimeMs).toBe(before);
  });
});

describe('trainSft', () => {
  it('heartbeats { step, checkpoint }; after kill -9 a retry with those details resumes at the saved step', async () => {
    const outDir = join(artifactsDir, 'runs', 'resume', 'sft');
    const first: TrainingHeartbeat[] = [];
    const attempt1 = activity({ attempt: 1 }, first);
    let killed = 0;
    attempt1.env.on('heartbeat', (d: TrainingHeartbeat) => {
      if (d.checkpoint && d.pid > 0 && !killed) {
        killed = d.pid;
        process.kill(d.pid, 'SIGKILL');
      }
    });
    const err = await attempt1.run(() => acts.trainSft(sftInput('resume'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('TrainerKilled');
    expect((err as ApplicationFailure).nonRetryable).toBe(false);
    expect(isAlive(killed)).toBe(false);
    const last = first.at(-1)!;
    expect(last.step).toBeGreaterThanOrEqual(2);
    expect(last.checkpoint).toBe(join(outDir, 'checkpoints', `step-${String(last.step).padStart(6, '0')}`));
    const saved = Math.max(...completeSteps(outDir));
    expect(saved).toBeGreaterThanOrEqual(last.step);

    const second: TrainingHeartbeat[] = [];
    const attempt2 = activity({ attempt: 2, heartbeatDetails: last }, second);
    const ref = await attempt2.run(() => acts.trainSft(sftInput('resume')));
    expect(ref).toMatchObject({
      checkpointId: 'resume/sft/step-8',
      step: 8,
      path: join(outDir, 'checkpoints', 'step-000008'),
    });
    expect(ref.metrics.resumed_from_step).toBe(saved);
    // The first beat repeats the details it was given; the trainer's first progress event is the saved step + 1.
    expect(second[0]).toMatchObject({ step: last.step, checkpoint: last.checkpoint });
    const progressed = second.slice(1).filter((b) => b.pid > 0 && b.step !== last.step);
    expect(Math.min(...progressed.map((b) => b.step))).toBe(saved + 1);
    const { rows } = await stack.pool!.query('select id from checkpoints where run_id = $1 order by step', ['resume']);
    // keep_checkpoints = 2: the rows of checkpoints the trainer pruned are gone too.
    expect(rows.map((r) => r.id)).toEqual(['resume/sft/step-6', 'resume/sft/step-8']);
    // The loss curve holds every step once, the resumed ones included, each with a finite loss.
    const curve = await stack.pool!.query<{ step: number; loss: number }>(
      "select step, loss from train_metrics where run_id = $1 and stage = 'sft' order by step",
      ['resume'],
    );
    expect(curve.rows.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(curve.rows.every((r) => Number.isFinite(r.loss) && r.loss > 0)).toBe(true);
  });

  it('kills the trainer when the activity is cancelled', async () => {
    const beats: TrainingHeartbeat[] = [];
    const a = activity({}, beats);
    a.env.on('heartbeat', (d: TrainingHeartbeat) => d.step >= 1 && d.pid > 0 && a.env.cancel());
    const input = sftInput('cancel', { steps: 5000, saveEvery: 5000 });
    const err = await a.run(() => acts.trainSft(input)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledFailure);
    const pid = beats.find((b) => b.pid > 0)!.pid;
    expect(isAlive(pid)).toBe(false);
    // SIGTERM first: the trainer saved where it stopped, so a later attempt would resume from there.
    expect(completeSteps(join(artifactsDir, 'runs', 'cancel', 'sft'))).toHaveLength(1);
  });

  it('fails non-retryably on input the trainer rejects', async () => {
    const input = sftInput('bad', {}, join(stack.dir, 'missing.jsonl'));
    const err = await activity()
      .run(() => acts.trainSft(input))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('TrainerBadInput');
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).message).toMatch(/sft\.data.*missing\.jsonl/);
  });
});

describe('grpoStep', () => {
  it('writes its checkpoint row once when the activity runs twice', async () => {
    const batchPath = join(stack.dir, 'batch.jsonl');
    const rows = conversations(4)
      .trim()
      .split('\n')
      .map((line, i) => ({
        ...JSON.parse(line),
        advantage: [1, -1, 0.5, -0.5][i],
        masked: false,
        group: `t${i >> 1}`,
      }));
    writeFileSync(batchPath, rows.map((r) => JSON.stringify(r)).join('\n'));
    const rl = RlSchema.parse({ groupSize: 2, lMax: 256, lr: 1e-4 });
    const input = { runId: 'rl', iteration: 1, model: tinyModel, batchPath, outDir: '', rl };
    const a = await activity().run(() => acts.grpoStep(input));
    const created = await stack.pool!.query('select created_at from checkpoints where id = $1', [a.checkpointId]);
    const b = await activity({ attempt: 2 }).run(() => acts.grpoStep(input));
    expect(a.checkpointId).toBe('rl/rl/iter-1/step-1');
    expect(b.checkpointId).toBe(a.checkpointId);
    expect(b.path).toBe(join(artifactsDir, 'runs', 'rl', 'rl', 'iter-1', 'checkpoints', 'step-000001'));
    expect(b.metrics.already_done).toBe(1);
    const after = await stack.pool!.query('select id, created_at from checkpoints where run_id = $1', ['rl']);
    expect(after.rows).toHaveLength(1);
    expect(after.rows[0].created_at).toEqual(created.rows[0].created_at);
  });
});

describe('ensurePolicyServer (llama.cpp on CPU)', () => {
  it('serves a checkpoint over chat completions, reuses it, and restarts for a new checkpoint', async () => {
    const ensure = (checkpoint: string) =>
      activity().run(() => acts.ensurePolicyServer({ checkpoint, servedName: 'policy' }));
    const first = await ensure(tinyModel);
    expect(first.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const res = await fetch(`${first.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'policy', messages: [{ role: 'user', content: 'Fix parse()' }], max_tokens: 8 }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      model: string;
      choices: { message: { role: string; content: string } }[];
      usage: { completion_tokens: number };
    };
    expect(body.model).toBe('policy');
    expect(body.choices[0]!.message.role).toBe('assistant');
    expect(typeof body.choices[0]!.message.content).toBe('string');
    expect(body.usage.completion_tokens).toBeGreaterThan(0);

    expect(first.swap).toBe('restart');
    expect(await ensure(tinyModel)).toEqual({ ...first, swap: 'same' });

    // Another checkpoint dir (a copy of the same weights is enough: the server restarts on a new path).
    const other = (await activity().run(() => acts.makeTinyModel(tinyInput('runs/serve/models/other')))).path;
    const second = await activity().run(() =>
      acts.ensurePolicyServer({ checkpoint: other, servedName: 'policy', modelName: 'serve/sft/step-000002' }),
    );
    expect(second.pid).not.toBe(first.pid);
    expect(isAlive(first.pid)).toBe(false);
    // The engine names the checkpoint it loaded, and says which tokens it sampled with what log-probs.
    expect(second.model).toBe('serve/sft/step-000002');
    const models = (await (await fetch(`${second.baseUrl}/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id)).toEqual(['serve/sft/step-000002']);
    const sampled = (await (
      await fetch(`${second.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'Fix parse()' }], max_tokens: 4, logprobs: true }),
      })
    ).json()) as { model: string; choices: { token_ids: number[]; logprobs: { content: { logprob: number }[] } }[] };
    expect(sampled.model).toBe('serve/sft/step-000002');
    expect(sampled.choices[0]!.token_ids.length).toBe(sampled.choices[0]!.logprobs.content.length);

    await activity().run(() => acts.stopPolicyServer({ servedName: 'policy' }));
    expect(isAlive(second.pid)).toBe(false);
  });
});
