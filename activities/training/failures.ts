// What a failed trainer process means for Temporal's retry policy. Retrying cannot fix a model that does not fit
// or a config the trainer rejects, so those fail the workflow's call at once with the trainer's own message;
// a process that was killed (node lost, preempted, OOM-killed by the kernel) resumes from its checkpoint on retry.
import { ApplicationFailure } from '@temporalio/common';
import type { FailureType } from '../../core/errors.ts';
import type { ProcessResult } from './processes.ts';

/** The trainer's entries of core/errors.ts FAILURE_TYPES, by what happened to the process. */
export const FAILURE_TYPES = {
  cudaOom: 'CudaOutOfMemory',
  badInput: 'TrainerBadInput',
  killed: 'TrainerKilled',
  failed: 'TrainerFailed',
} as const satisfies Record<string, FailureType>;

/** Exit codes of `python -m swe_forge_trainer` (trainer/swe_forge_trainer/cli.py). */
export const EXIT = { ok: 0, internal: 1, badInput: 2, cudaOom: 3, sigterm: 143 } as const;

const MAX_TAIL_CHARS = 8_000;
/** vLLM and torch print this when the allocator gives up; vLLM has no event protocol, so stderr is all we have. */
const OOM_TEXT = /CUDA out of memory|torch\.(cuda\.)?OutOfMemoryError/;

function tail(r: ProcessResult): string {
  const text = r.stderrTail.join('\n');
  return text.length > MAX_TAIL_CHARS ? `…${text.slice(-MAX_TAIL_CHARS)}` : text;
}

function withTail(message: string, r: ProcessResult): string {
  const t = tail(r);
  return t ? `${message}\n--- last stderr lines ---\n${t}` : message;
}

function errorMessage(r: ProcessResult): string | undefined {
  const m = r.error?.message;
  return typeof m === 'string' && m ? m : undefined;
}

/**
 * The failure for a process that did not finish with a `done` event; undefined when it did (success).
 * `what` names the job in messages, e.g. "trainer sft (run r1)".
 */
export function classifyExit(what: string, r: ProcessResult): ApplicationFailure | undefined {
  if (r.code === EXIT.ok && r.done) return undefined;
  const kind = r.error?.kind;
  const details = [{ code: r.code, signal: r.signal, errorKind: kind ?? null }];
  if (kind === 'cuda_oom' || r.code === EXIT.cudaOom || (r.code !== EXIT.ok && OOM_TEXT.test(tail(r)))) {
    // Non-retryable: the same batch on the same GPU runs out again. Lower max_seq_len / batch or add GPUs.
    const message = `${what}: CUDA out of memory: ${errorMessage(r) ?? 'see stderr'}`;
    return ApplicationFailure.create({
      type: FAILURE_TYPES.cudaOom,
      nonRetryable: true,
      message: withTail(message, r),
      details,
    });
  }
  if (kind === 'bad_input' || r.code === EXIT.badInput) {
    const message = `${what}: bad input: ${errorMessage(r) ?? 'see stderr'}`;
    return ApplicationFailure.create({
      type: FAILURE_TYPES.badInput,
      nonRetryable: true,
      message: withTail(message, r),
      details,
    });
  }
  if (r.signal || r.code === EXIT.sigterm || r.code === null) {
    const how = r.signal ? `killed by ${r.signal}` : 'stopped by SIGTERM (a checkpoint was saved)';
    return ApplicationFailure.create({
      type: FAILURE_TYPES.killed,
      nonRetryable: false,
      message: withTail(`${what}: ${how}`, r),
      details,
    });
  }
  const why =
    r.code === EXIT.ok
      ? 'exited 0 without a done event'
      : `exited with code ${r.code}${errorMessage(r) ? `: ${errorMessage(r)}` : ''}`;
  return ApplicationFailure.create({
    type: FAILURE_TYPES.failed,
    nonRetryable: false,
    message: withTail(`${what}: ${why}`, r),
    details,
  });
}
