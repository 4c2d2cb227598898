// Scenario 13 (issue 17): sandbox.diskBudgetGb on the real stack. Four copies of mini tasks (their images are
// this scenario's own) in an RL run of 3 iterations x 2 tasks, with a budget that holds the base image and three
// task images: the loop removes least-recently-used images the current batch does not need, rebuilds removed
// ones when a later batch needs them, and the run completes with every rollout scored. A budget below one batch
// (here below the base image alone) fails the run before its first rollout, naming the setting. What the
// engine did is read from its own event stream (image delete / tag), not from our logs.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BASE_IMAGE, taskImageName } from '../../infra/images/taskImage.ts';
import type { StageName } from '../../config/schema.ts';
import { printFaultTable, scenario } from './lib/results.ts';
import { faultConfig, outcome, rolloutRows } from '../../dev/faultRun.ts';
import { startFaultStack, type FaultStack } from '../../dev/faultStack.ts';
import { tinyModelFor } from '../../dev/tinyModel.ts';
import { writeTaskCopies } from './lib/taskCopies.ts';

const FILE = 'disk-budget.test.ts';
const ITERATIONS = 3;
let stack: FaultStack;
let tasks: { file: string; ids: string[] };
let tinyModel: string;
const imageOf = (id: string) => taskImageName({ instance_id: id, image_name: undefined });

beforeAll(async () => {
  stack = await startFaultStack('disk-budget');
  tasks = writeTaskCopies(
    join(stack.dir, 'disk-tasks'),
    ['mini__textkit-3', 'mini__intervals-2', 'mini__semverx-4', 'mini__csvlite-3'],
    '-disk',
  );
  await stack.importTasks(tasks.file);
  tinyModel = await tinyModelFor(stack);
  await stack.startWorker('orchestrator');
  await stack.startWorker('rollout');
  await stack.startWorker('gpu');
}, 600_000);
afterAll(async () => {
  // Leave the copies' images as the suite found them: gone (a later run imports and builds them again).
  for (const id of tasks?.ids ?? [])
    await stack?.docker
      .getImage(imageOf(id))
      .remove()
      .catch(() => undefined);
  await stack?.stop();
  printFaultTable();
});

const config = (run: string, budgetGb: number, stages: StageName[] = ['rl']) =>
  faultConfig(run, stages, {
    models: { policy: { name: 'scripted-policy', kind: 'scripted', toolFormat: 'native' }, baseModelDir: tinyModel },
    tasks: { file: tasks.file, train: tasks.ids },
    sandbox: { diskBudgetGb: budgetGb },
    stages: {
      rl: { iterations: ITERATIONS, batchTasks: 2, groupSize: 2, offPolicy: true, canaries: { sample: 0 } },
    },
  });

/** The engine's image events for our images while `fn` runs. */
async function watchImages(fn: () => Promise<void>): Promise<{ action: string; image: string }[]> {
  // Every image event carries the image's labels; an untag names the image by id, so match on the task label.
  const ids = new Set(tasks.ids);
  const seen: { action: string; image: string }[] = [];
  const stream = (await stack.docker.getEvents({
    filters: JSON.stringify({ type: ['image'] }),
  })) as NodeJS.ReadableStream & { destroy(): void };
  let buf = '';
  stream.on('data', (c: Buffer) => {
    buf += c.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const e = JSON.parse(buf.slice(0, i)) as { Action: string; Actor?: { Attributes?: Record<string, string> } };
      buf = buf.slice(i + 1);
      const image = e.Actor?.Attributes?.['org.swe-forge.task'] ?? '';
      if (ids.has(image)) seen.push({ action: e.Action, image });
    }
  });
  try {
    await fn();
  } finally {
    stream.destroy();
  }
  return seen;
}

it(
  'removes least-recently-used images and rebuilds them as needed; the run completes',
  { timeout: 600_000 },
  async () => {
    await scenario(
      '13. disk budget smaller than the working set (4 task images, room for 3)',
      'least-recently-used images the batch does not need removed, rebuilt when a later batch needs them; never more than 3 of the run images at a step; run completes with every rollout scored',
      FILE,
      async ({ saw }) => {
        const RUN = 'faults-disk-gc';
        const base = (await stack.docker.getImage(BASE_IMAGE).inspect()).Size;
        const sizes = await Promise.all(
          tasks.ids.map(async (id) => (await stack.docker.getImage(imageOf(id)).inspect()).Size),
        );
        const unit = Math.max(...sizes) - base;
        const budgetGb = (base + 3.5 * unit) / 1e9;
        saw(
          `base image ${(base / 1e9).toFixed(3)} GB, task image own layers <= ${(unit / 1e3).toFixed(0)} kB; budget ${budgetGb.toFixed(6)} GB`,
        );
        let done: Awaited<ReturnType<typeof outcome>> | undefined;
        const events = await watchImages(async () => {
          done = await outcome(await stack.startRun(RUN, config(RUN, budgetGb)));
        });
        expect(done, JSON.stringify(done)).toMatchObject({ ok: true });
        const deleted = events.filter((e) => e.action === 'untag');
        const removedImages = new Set(deleted.map((e) => e.image));
        const rebuilt = events.filter(
          (e, i) => e.action === 'tag' && events.slice(0, i).some((d) => d.action === 'untag' && d.image === e.image),
        );
        saw(
          `engine events: ${deleted.length} removal(s) of ${removedImages.size} image(s), ${rebuilt.length} rebuild(s) of removed images`,
        );
        expect(removedImages.size).toBeGreaterThan(0);
        expect(rebuilt.length).toBeGreaterThan(0);
        const rows = await rolloutRows(stack.base.pool!, RUN, 'rl');
        expect(rows).toHaveLength(ITERATIONS * 2 * 2);
        expect(rows.filter((r) => r.masked || r.error)).toEqual([]);
        const left = await Promise.all(
          tasks.ids.map((id) =>
            stack.docker
              .getImage(imageOf(id))
              .inspect()
              .then(
                () => 1,
                () => 0,
              ),
          ),
        );
        const present = left.reduce<number>((s, x) => s + x, 0);
        saw(`${rows.length} rollouts, none masked or failed; ${present} of 4 images present at the end`);
        expect(present).toBeLessThanOrEqual(3);
      },
    );
  },
);

it('refuses a run whose one batch cannot fit the budget before its first rollout', { timeout: 300_000 }, async () => {
  await scenario(
    '13b. disk budget smaller than one batch (distill and RL on)',
    'the run fails at its start, before any stage or rollout, with an error naming sandbox.diskBudgetGb',
    FILE,
    async ({ saw }) => {
      const RUN = 'faults-disk-refused';
      const done = await outcome(await stack.startRun(RUN, config(RUN, 0.1, ['distill', 'rl'])));
      expect(done.ok).toBe(false);
      const error = done.ok ? '' : done.error;
      expect(error).toMatch(/sandbox\.diskBudgetGb 0\.1 cannot hold one batch/);
      const pool = stack.base.pool!;
      expect((await rolloutRows(pool, RUN, 'rl')).concat(await rolloutRows(pool, RUN, 'distill'))).toEqual([]);
      // Refused before the run registered: no stage ran, not even distill, which comes before RL.
      expect((await pool.query('select 1 from runs where run_id = $1', [RUN])).rows).toEqual([]);
      saw(`failed with "${error.match(/sandbox\.diskBudgetGb[^<]*/)?.[0]?.trim()}"; no stage started, 0 rollouts`);
    },
  );
});
