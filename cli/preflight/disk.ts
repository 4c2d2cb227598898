// sandbox.diskBudgetGb before a run starts: `config check` and `run` refuse (exit 2) a budget that cannot hold the
// base image plus one RL batch of task images, each estimated at the largest of the run's images the engine has.
// The pipeline checks the same at start and again before every iteration; this one saves starting a run at all.
// Without a Docker engine here (a CLI on another host than the workers) it says so and leaves it to the run.
import type { ConfigCheck } from './checks.ts';

export const diskCheck: ConfigCheck = {
  name: 'disk',
  async check({ config }) {
    const budgetGb = config.sandbox.diskBudgetGb;
    if (budgetGb === undefined || !config.stages.rl.enabled) return [];
    const [{ connectDocker }, { footprints }, { GB, gb, imageEstimate }] = await Promise.all([
      import('../../infra/docker.ts'),
      import('../../activities/harness/diskBudget.ts'),
      import('../../core/diskBudget.ts'),
    ]);
    let fp: Awaited<ReturnType<typeof footprints>>;
    try {
      const docker = await connectDocker();
      fp = await footprints(docker, new Map(), config.tasks.train?.length ? new Set(config.tasks.train) : null);
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      return { problems: [], details: { checked: false, reason: `${reason}; the run checks when it starts` } };
    }
    const n = config.stages.rl.batchTasks;
    const estimate = imageEstimate(fp.images);
    const needBytes = fp.baseBytes + n * estimate;
    const details = { checked: true, budgetGb, batchTasks: n, needGb: Number((needBytes / GB).toFixed(3)) };
    if (needBytes <= budgetGb * GB) return { problems: [], details };
    return {
      problems: [
        `sandbox.diskBudgetGb: ${budgetGb} GB cannot hold one RL batch: the base image ${gb(fp.baseBytes)} + ` +
          `${n} task image(s) at ~${gb(estimate)} each = ${gb(needBytes)}; raise it or lower stages.rl.batchTasks`,
      ],
      details,
    };
  },
};
