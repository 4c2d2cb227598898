// A small error hierarchy: each kind has a name and the exit code the CLI uses for it.

export class SweForgeError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A config file or value is invalid. The message names the dotted path. */
export class ConfigError extends SweForgeError {
  override readonly exitCode = 2;
}

/** A user-supplied input (task file, predictions file, id) is invalid. */
export class InputError extends SweForgeError {
  override readonly exitCode = 2;
}

/** A required service (Docker engine, Temporal, Postgres) is unreachable. */
export class ServiceUnavailableError extends SweForgeError {
  override readonly exitCode = 3;
}

/** Something we depend on failed for reasons outside the model's or task's control: retry, then mask. */
export class InfraError extends SweForgeError {
  override readonly exitCode = 4;
}

/**
 * Every failure type an activity or a workflow raises (ApplicationFailure `type`), with whether a retry can help.
 * The workflows' non-retryable list is derived from it, so a new permanent failure is one entry here.
 */
export const FAILURE_TYPES = {
  // A user's input, config or task is wrong: the same call fails the same way.
  InputError: 'permanent',
  ConfigError: 'permanent',
  TaskError: 'permanent',
  // Infrastructure (an engine, a container, a connection) or a model endpoint that is down: retry, then mask.
  InfraError: 'retry',
  ModelUnavailable: 'retry',
  // The trainer process (activities/training/failures.ts): the same batch runs out of memory again, and bad input
  // stays bad; a killed or crashed process resumes from its checkpoint.
  CudaOutOfMemory: 'permanent',
  TrainerBadInput: 'permanent',
  TrainerKilled: 'retry',
  TrainerFailed: 'retry',
  // Workflow failures: a stage with nothing to work on, a fan-out whose rollouts failed (all of them, or more than
  // sandbox.maxFailedShare), or a stage that failed.
  EmptyPool: 'permanent',
  EmptyDataset: 'permanent',
  FanOutFailed: 'permanent',
  FailureThreshold: 'permanent',
  StageFailed: 'permanent',
} as const satisfies Record<string, 'retry' | 'permanent'>;

export type FailureType = keyof typeof FAILURE_TYPES;

/** The failure types no retry can fix: every activity's `nonRetryableErrorTypes`. */
export const NON_RETRYABLE: FailureType[] = (Object.keys(FAILURE_TYPES) as FailureType[]).filter(
  (t) => FAILURE_TYPES[t] === 'permanent',
);
