// Worker-process settings (not part of a run): how much each role does at once.
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { ConfigError } from '../core/errors.ts';

const RoleSchema = z
  .object({
    maxConcurrentActivityTaskExecutions: z.number().int().positive().describe('Activities at once.'),
    maxConcurrentWorkflowTaskExecutions: z.number().int().positive().default(20).describe('Workflow tasks at once.'),
  })
  .strict();

export const WorkerConfigSchema = z
  .object({
    orchestrator: RoleSchema.prefault({ maxConcurrentActivityTaskExecutions: 20 }),
    rollout: RoleSchema.prefault({ maxConcurrentActivityTaskExecutions: availableParallelism() }),
    gpu: RoleSchema.prefault({ maxConcurrentActivityTaskExecutions: 1 }),
    shutdownGraceSec: z.number().positive().default(10).describe('Grace period for running activities on shutdown.'),
    reapTtlSec: z
      .number()
      .positive()
      .default(7200)
      .describe(
        'Rollout workers remove our containers older than this (orphans of killed workers); above any wall time.',
      ),
    reapEverySec: z.number().positive().default(600).describe('How often a rollout worker reaps orphaned containers.'),
  })
  .strict();
export type WorkerConfig = z.infer<typeof WorkerConfigSchema>;

/** Defaults, overridden by SWE_FORGE_<ROLE>_CONCURRENCY (e.g. SWE_FORGE_ROLLOUT_CONCURRENCY=8), SWE_FORGE_REAP_TTL_SEC and SWE_FORGE_REAP_EVERY_SEC. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const raw: Record<string, unknown> = {};
  for (const role of ['orchestrator', 'rollout', 'gpu']) {
    const v = env[`SWE_FORGE_${role.toUpperCase()}_CONCURRENCY`];
    if (v !== undefined) raw[role] = { maxConcurrentActivityTaskExecutions: Number(v) };
  }
  if (env.SWE_FORGE_REAP_TTL_SEC !== undefined) raw.reapTtlSec = Number(env.SWE_FORGE_REAP_TTL_SEC);
  if (env.SWE_FORGE_REAP_EVERY_SEC !== undefined) raw.reapEverySec = Number(env.SWE_FORGE_REAP_EVERY_SEC);
  const r = WorkerConfigSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ConfigError(`worker config ${issue.path.join('.')}: ${issue.message}`);
  }
  return r.data;
}
