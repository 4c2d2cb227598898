// Output helpers: every reporting command has --json; errors map to exit codes.
import { SweForgeError } from '../core/errors.ts';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function fail(err: unknown): never {
  if (err instanceof SweForgeError) {
    console.error(`error: ${err.message}`);
    process.exit(err.exitCode);
  }
  console.error(err);
  process.exit(1);
}

/** Wraps a command action so errors print cleanly and set the exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      fail(err);
    }
  };
}
