// Parsers for numeric flags. Commander calls them while parsing, so a bad value stops the command before any
// work starts, with a message naming the flag ("option '--concurrency <n>' argument 'abc' is invalid") and
// exit 2 (a usage error, see main.ts). Defaults are given as numbers: commander does not parse those.
import { InvalidArgumentError } from 'commander';

/** An integer >= min (and <= max when given). */
export function intFlag(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = /^[+-]?\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(
        `expected an integer ${max < Number.MAX_SAFE_INTEGER ? `from ${min} to ${max}` : `>= ${min}`}.`,
      );
    return n;
  };
}

const UNIT_SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600 };

/** A duration in whole seconds: `900`, `900s`, `15m` or `1h`; at least min seconds. */
export function secondsFlag(min = 1): (value: string) => number {
  return (value) => {
    const m = /^(\d+)\s*(s|m|h)?$/i.exec(value.trim());
    const n = m ? Number(m[1]) * UNIT_SECONDS[(m[2] ?? '').toLowerCase()]! : NaN;
    if (!Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`expected seconds (e.g. 900) or a duration like 15m or 1h, at least ${min}s.`);
    return n;
  };
}
