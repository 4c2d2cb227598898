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
