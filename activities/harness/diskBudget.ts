// Task images under sandbox.diskBudgetGb (issue 17), on the rollout queue (it needs the engine). Before an RL
// iteration's rollouts: refuse a batch whose images cannot fit (naming the setting), remove least-recently-used
// task images the batch does not need until it fits, build the batch's missing images, then prefetch the next
// iteration's while room is left. Only images we built (managed task images) are counted and removed; an image
// a container still uses is skipped by the engine (a removal never breaks running work).
import { heartbeat, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type Docker from 'dockerode';
import { batchNeed, GB, gb, imageEstimate, planEviction, type ImageFootprint } from '../../core/diskBudget.ts';
import { DOCKER_LABELS } from '../../core/constants.ts';
import { ensureEnvironmentImage } from '../../infra/images/environment.ts';
import { BASE_IMAGE } from '../../infra/images/taskImage.ts';
import type { ActivityDeps } from '../deps.ts';
import { createTaskStore } from '../tasks/store.ts';
import type { PrepareImagesInput, PrepareImagesResult } from '../../contracts/rollout.ts';

export type { PrepareImagesInput, PrepareImagesResult };

/** The base image's size and each managed task image's own layers (of `scope`'s tasks; every one when null). */
export async function footprints(docker: Docker, usage: Map<string, number>, scope: ReadonlySet<string> | null) {
  const base = await docker.getImage(BASE_IMAGE).inspect();
  const list = await docker.listImages({
    filters: JSON.stringify({ label: [`${DOCKER_LABELS.kind}=task-image`, `${DOCKER_LABELS.managed}=true`] }),
  } as Docker.ListImagesOptions);
  const images: ImageFootprint[] = list.flatMap((i) => {
    const taskId = i.Labels?.[DOCKER_LABELS.task];
    const tag = i.RepoTags?.find((t) => t !== '<none>:<none>');
    if (!taskId || !tag || (scope && !scope.has(taskId))) return [];
    const built = Date.parse(i.Labels?.[DOCKER_LABELS.createdAt] ?? '') || i.Created * 1000;
    return [{ taskId, image: tag, bytes: Math.max(0, i.Size - base.Size), lastUsed: usage.get(taskId) ?? built }];
  });
  return { baseBytes: base.Size, images };
}

export function createDiskBudgetActivities(deps: ActivityDeps) {
  const store = createTaskStore(deps.pool);
  const usageOf = async () =>
    new Map(
      (
        await deps.pool.query<{ task_id: string; at: number }>(
          'select task_id, extract(epoch from last_used_at) * 1000 as at from image_usage where task_id is not null',
        )
      ).rows.map((r) => [r.task_id, Number(r.at)]),
    );
  const touch = (docker: string, taskId: string, bytes: number) =>
    deps.pool.query(
      `insert into image_usage (image, task_id, size_bytes, last_used_at) values ($1, $2, $3, now())
       on conflict (image) do update set task_id = excluded.task_id, size_bytes = excluded.size_bytes, last_used_at = now()`,
      [docker, taskId, bytes],
    );

  return {
    async prepareTaskImages(input: PrepareImagesInput): Promise<PrepareImagesResult> {
      const docker = deps.docker;
      if (!docker) throw ApplicationFailure.nonRetryable('the disk budget needs a Docker client', 'ConfigError');
      const budgetBytes = input.budgetGb * GB;
      const out: PrepareImagesResult = { removed: [], built: [], prefetched: [], usedBytes: 0, budgetBytes };
      const refuse = (count: number, baseBytes: number, needBytes: number, guessed: number, estimate: number) => {
        if (baseBytes + needBytes <= budgetBytes) return;
        throw ApplicationFailure.nonRetryable(
          `sandbox.diskBudgetGb ${input.budgetGb} cannot hold one batch: its ${count} task image(s) need ` +
            `${gb(baseBytes + needBytes)} (base image ${gb(baseBytes)} + ${gb(needBytes)}` +
            `${guessed ? `, ${guessed} estimated at ~${gb(estimate)} each` : ''}); raise it`,
          'ConfigError',
        );
      };
      if (input.batchOf !== undefined) {
        const all = await footprints(docker, new Map(), input.scope.length ? new Set(input.scope) : null);
        const estimate = imageEstimate(all.images);
        refuse(input.batchOf, all.baseBytes, input.batchOf * estimate, input.batchOf, estimate);
        return out;
      }
      const ids = [...input.now, ...input.next];
      const tasks = new Map((ids.length ? await store.list({ ids }) : []).map((t) => [t.instance_id, t]));
      const scope = new Set([...input.scope, ...ids]);
      let fp = await footprints(docker, await usageOf(), scope);
      const estimate = imageEstimate(fp.images);
      const need = batchNeed(fp.images, input.now, estimate);
      refuse(input.now.length, fp.baseBytes, need.bytes, need.missing.length, estimate);
      const evict = async (keep: Set<string>, incomingBytes: number) => {
        const plan = planEviction({ images: fp.images, keep, baseBytes: fp.baseBytes, incomingBytes, budgetBytes });
        if (!plan.fits) return false;
        for (const victim of plan.remove) {
          try {
            await docker.getImage(victim.image).remove();
            await deps.pool.query('delete from image_usage where image = $1', [victim.image]);
            out.removed.push(victim.taskId);
          } catch (err) {
            // 409: a container (perhaps another run's) still uses it; it stays, and is counted.
            if (
              (err as { statusCode?: number }).statusCode !== 409 &&
              (err as { statusCode?: number }).statusCode !== 404
            )
              throw err;
          }
        }
        return plan.fits;
      };
      const build = async (id: string) => {
        const task = tasks.get(id);
        if (!task) return false;
        heartbeat({ building: id });
        const source = task.source_path && !task.image_name ? { repoPath: task.source_path } : undefined;
        await ensureEnvironmentImage(docker, task, { source });
        return true;
      };
      const now = new Set(input.now);
      await evict(now, need.missing.length * estimate);
      for (const id of need.missing) if (await build(id)) out.built.push(id);
      fp = await footprints(docker, await usageOf(), scope);
      for (const i of fp.images) if (now.has(i.taskId)) await touch(i.image, i.taskId, i.bytes);
      // Prefetch: the next batch's missing images, one at a time, while they fit beside this batch's.
      const keep = new Set([...input.now, ...input.next]);
      for (const id of input.next.filter((t) => !fp.images.some((i) => i.taskId === t))) {
        if (!(await evict(keep, imageEstimate(fp.images)))) break;
        if (await build(id)) out.prefetched.push(id);
        fp = await footprints(docker, await usageOf(), scope);
      }
      out.usedBytes = fp.baseBytes + fp.images.reduce((s, i) => s + i.bytes, 0);
      log.info('disk budget', { runId: input.runId, ...out, used: gb(out.usedBytes), budget: gb(budgetBytes) });
      return out;
    },
  };
}
