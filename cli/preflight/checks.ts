// Every check a run config must pass before a run starts, in one list that both `swe-forge run` and
// `swe-forge config check` walk, so `config check` never says ok to a config `run` would refuse. A new check is
// one entry in CONFIG_CHECKS: it returns its problems (each naming the dotted path) and, optionally, details
// that `config check --json` prints under `checks.<name>` (a memory plan, say).
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ConfigError } from '../../core/errors.ts';
import { loadRunConfig, repoRoot } from '../../config/load.ts';
import type { RunConfig } from '../../config/schema.ts';
import { runConfigProblems } from '../../config/stageRules.ts';
import { diskCheck } from './disk.ts';
import { memoryCheck } from './memory.ts';

export interface CheckContext {
  config: RunConfig;
  /** The config file as the user named it (for messages). */
  source: string;
}

export interface CheckOutcome {
  problems: string[];
  details?: unknown;
}

export interface ConfigCheck {
  name: string;
  check(ctx: CheckContext): string[] | CheckOutcome | Promise<string[] | CheckOutcome>;
}

/** tasks.file as the workers read it: relative paths are relative to the repository root (load.ts has made a
 *  path written in a config file relative to that file's folder already). */
export function taskFilePath(config: RunConfig): string {
  return isAbsolute(config.tasks.file) ? config.tasks.file : join(repoRoot, config.tasks.file);
}

export const CONFIG_CHECKS: ConfigCheck[] = [
  { name: 'stages', check: ({ config }) => runConfigProblems(config) },
  // Per training stage, what one GPU holds on training.nodes x gpusPerNode; a stage that does not fit is refused.
  memoryCheck,
  // One RL batch of task images under sandbox.diskBudgetGb (asks the Docker engine, when one answers here).
  diskCheck,
  {
    name: 'tasks.file',
    // Without this a run whose task file is missing silently trains on every stored task.
    check: ({ config }) =>
      existsSync(taskFilePath(config))
        ? []
        : [`tasks.file: ${taskFilePath(config)} does not exist (relative paths resolve against the config's folder)`],
  },
];

export interface CheckedConfig {
  config: RunConfig;
  /** Details by check name, for checks that report some. */
  details: Record<string, unknown>;
}

/** Loads, validates and runs every check; throws one ConfigError listing all problems. */
export async function loadCheckedConfig(file: string): Promise<CheckedConfig> {
  const config = loadRunConfig(file);
  const problems: string[] = [];
  const details: Record<string, unknown> = {};
  for (const c of CONFIG_CHECKS) {
    const r = await c.check({ config, source: file });
    const outcome = Array.isArray(r) ? { problems: r } : r;
    problems.push(...outcome.problems);
    if (outcome.details !== undefined) details[c.name] = outcome.details;
  }
  if (problems.length) throw new ConfigError(`invalid config ${file}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return { config, details };
}
