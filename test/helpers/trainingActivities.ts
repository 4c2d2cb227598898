// The gpu worker's training activities for integration tests: a Postgres stack, the activities on this CPU with the
// tiny model, and a MockActivityEnvironment per call (a cancelled one stays cancelled).
import type { TrainSftInput } from '../../contracts/gpu.ts';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Info } from '@temporalio/activity';
import { DefaultLogger } from '@temporalio/worker';
import { SftSchema } from '../../config/schema.ts';
import { TrainingSchema } from '../../config/trainingSchema.ts';
import { loadSettings } from '../../infra/settings.ts';
import { loadTrainingEnv } from '../../activities/training/env.ts';
import { createGpuTrainingActivities } from '../../activities/training/index.ts';
import type { TrainingHeartbeat } from '../../activities/training/runner.ts';
import { startTestStack, type TestStack } from '../../dev/stack.ts';

export function activity(info: Partial<Info> = {}, beats: TrainingHeartbeat[] = []) {
  const env = new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR', () => undefined) });
  env.on('heartbeat', (d: TrainingHeartbeat) => beats.push(d));
  return { env, run: <R>(fn: () => Promise<R>) => env.run(fn) as Promise<R> };
}

export function conversations(n: number): string {
  const rows = Array.from({ length: n }, (_, i) => ({
    messages: [
      { role: 'user', content: `Issue ${i}: parse() fails on empty input in textkit.` },
      { role: 'assistant', content: `Return an empty list for empty input in src/${i}.py.` },
    ],
  }));
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

export const completeSteps = (outDir: string): number[] =>
  readdirSync(join(outDir, 'checkpoints'))
    .filter((d) => /^step-\d+$/.test(d) && existsSync(join(outDir, 'checkpoints', d, 'trainer_state.json')))
    .map((d) => Number(d.slice(5)));

export interface TrainingFixture {
  stack: TestStack;
  acts: ReturnType<typeof createGpuTrainingActivities>;
  artifactsDir: string;
  tinyModel: string;
  sftData: string;
  sftInput(runId: string, training: Record<string, unknown>, sft?: Record<string, unknown>): TrainSftInput;
}

export async function startTrainingFixture(prefix: string, envOver: NodeJS.ProcessEnv = {}): Promise<TrainingFixture> {
  const stack = await startTestStack({ temporal: false, prefix });
  const artifactsDir = join(stack.dir, 'artifacts');
  const settings = { ...loadSettings(), artifactsDir, cacheDir: join(stack.dir, 'cache') };
  const env = loadTrainingEnv({ SWE_FORGE_GPUS: '0', SWE_FORGE_HEARTBEAT_S: '1', ...envOver });
  const acts = createGpuTrainingActivities({ pool: stack.pool!, settings }, { env });
  const sftData = join(stack.dir, 'sft.jsonl');
  writeFileSync(sftData, conversations(8));
  const tiny = { outDir: '', corpusFiles: ['tasks/mini/tasks.jsonl'], seed: 0 };
  const tinyModel = (await activity().run(() => acts.makeTinyModel(tiny))).path;
  return {
    stack,
    acts,
    artifactsDir,
    tinyModel,
    sftData,
    sftInput: (runId, training, sft = {}) => ({
      runId,
      stage: 'sft',
      baseModel: tinyModel,
      datasetPath: sftData,
      outDir: '',
      sft: SftSchema.parse({ steps: 6, saveEvery: 2, batchSize: 2, maxSeqLen: 128, lr: 1e-3, ...sft }),
      training: TrainingSchema.parse(training),
    }),
  };
}

/** A port nothing listens on now (for a torchrun rendezvous). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolvePort(port));
    });
  });
}
