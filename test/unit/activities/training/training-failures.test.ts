// How a trainer's exit becomes a Temporal failure: OOM and bad input stop retries, anything killed retries.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { loadSettings } from '../../../../infra/settings.ts';
import { loadTrainingEnv } from '../../../../activities/training/env.ts';
import { classifyExit, FAILURE_TYPES } from '../../../../activities/training/failures.ts';
import { createChildRegistry, type ProcessResult } from '../../../../activities/training/processes.ts';
import { runTrainer } from '../../../../activities/training/runner.ts';

const tmp = mkdtempSync(join(tmpdir(), 'swe-forge-training-failures-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const result = (r: Partial<ProcessResult>): ProcessResult => ({ code: null, signal: null, stderrTail: [], ...r });

function expectFailure(f: ApplicationFailure | undefined, type: string, nonRetryable: boolean): ApplicationFailure {
  expect(f).toBeInstanceOf(ApplicationFailure);
  expect(f!.type).toBe(type);
  expect(f!.nonRetryable).toBe(nonRetryable);
  return f!;
}

describe('classifyExit', () => {
  it('is success only with exit 0 and a done event', () => {
    expect(classifyExit('job', result({ code: 0, done: { event: 'done' } }))).toBeUndefined();
    const f = expectFailure(classifyExit('job', result({ code: 0 })), FAILURE_TYPES.failed, false);
    expect(f.message).toMatch(/without a done event/);
  });

  it('makes CUDA OOM non-retryable, by exit code, by event, or by what vLLM prints', () => {
    expectFailure(classifyExit('job', result({ code: 3 })), FAILURE_TYPES.cudaOom, true);
    const byEvent = classifyExit(
      'job',
      result({ code: 1, error: { event: 'error', kind: 'cuda_oom', message: 'boom' } }),
    );
    expect(expectFailure(byEvent, FAILURE_TYPES.cudaOom, true).message).toMatch(/job: CUDA out of memory: boom/);
    const vllm = result({ code: 1, stderrTail: ['torch.OutOfMemoryError: CUDA out of memory. Tried to allocate'] });
    expectFailure(classifyExit('vLLM', vllm), FAILURE_TYPES.cudaOom, true);
  });

  it('makes bad input non-retryable with the trainer message', () => {
    const r = result({ code: 2, error: { event: 'error', kind: 'bad_input', message: "config field 'sft.data' x" } });
    expect(expectFailure(classifyExit('sft', r), FAILURE_TYPES.badInput, true).message).toMatch(/'sft\.data'/);
  });

  it('retries a process killed by a signal, stopped by SIGTERM, or failing otherwise', () => {
    expect(
      expectFailure(classifyExit('j', result({ signal: 'SIGKILL' })), FAILURE_TYPES.killed, false).message,
    ).toMatch(/killed by SIGKILL/);
    expectFailure(classifyExit('j', result({ code: 143 })), FAILURE_TYPES.killed, false);
    expectFailure(classifyExit('j', result({ code: 1, stderrTail: ['Traceback'] })), FAILURE_TYPES.failed, false);
  });
});

describe('a trainer that runs out of CUDA memory (fake child)', () => {
  it('fails the activity non-retryably with the trainer message and the last 50 stderr lines', async () => {
    // The fake stands in for python: it ignores its argv, prints an error event of kind cuda_oom, exits 3.
    const fake = new URL('../../../fixtures/training/fake-trainer-oom.mjs', import.meta.url).pathname;
    const deps = {
      settings: { ...loadSettings(), pythonBin: fake },
      env: loadTrainingEnv({ SWE_FORGE_GPUS: '0' }),
      children: createChildRegistry(),
      gpus: async () => 0,
    };
    const beats: unknown[] = [];
    // The failure is the assertion; the SDK's own "Activity failed" log line would only be noise here.
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR', () => undefined) });
    env.on('heartbeat', (d) => beats.push(d));
    const job = { command: 'sft' as const, config: { out_dir: tmp }, configDir: tmp, what: 'sft of run oom' };
    const err = await env.run(runTrainer, deps, job).catch((e: unknown) => e);
    const f = expectFailure(err as ApplicationFailure, FAILURE_TYPES.cudaOom, true);
    expect(f.message).toContain('sft of run oom: CUDA out of memory: CUDA out of memory. Tried to allocate 20.00 GiB');
    expect(f.message).toContain('traceback line 80');
    expect(f.message).toContain('traceback line 31');
    expect(f.message).not.toContain('traceback line 30\n');
    expect(beats.length).toBeGreaterThan(0);
    expect(deps.children.size()).toBe(0);
  });
});
