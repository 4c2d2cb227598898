// The `swe-forge` command as a user runs it: a separate process, its exit code, stdout and stderr.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve('bin/swe-forge.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function sweForge(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 300_000): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env, timeout: timeoutMs, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** The last line of stdout that parses as JSON (`--json` commands print one object per line). */
export function lastJson<T = Record<string, unknown>>(stdout: string): T {
  const lines = stdout.trim().split('\n').reverse();
  for (const l of lines) {
    try {
      return JSON.parse(l) as T;
    } catch {
      // progress or a warning line
    }
  }
  throw new Error(`no JSON line in: ${stdout.slice(-500)}`);
}
