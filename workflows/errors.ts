// Failure messages for status and the CLI: the innermost cause says what went wrong, the wrappers only where.
import { ApplicationFailure } from '@temporalio/workflow';
import type { FailureType } from '../core/errors.ts';

export function errorMessage(err: unknown): string {
  let e: unknown = err;
  let msg = err instanceof Error ? err.message : String(err);
  for (let depth = 0; e instanceof Error && depth < 8; depth++) {
    if (e.message) msg = e.message;
    e = (e as { cause?: unknown }).cause;
  }
  return msg;
}

/** A workflow that throws a plain Error only fails its task (and retries forever); this fails the execution. */
export function failure(type: FailureType, message: string, cause?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: true,
    cause: cause instanceof Error ? cause : undefined,
  });
}
