// Scenario 3: 20 % of container creations fail (the sandbox's fault hook, SWE_FORGE_FAULT_CREATE_RATE on the
// rollout worker) during one RL iteration of 10 tasks x G = 4. Failed attempts are retried; a rollout still
// failing on its last attempt is masked (reward null, never 0) and counted; the GRPO batch the orchestrator
// built gives masked members no advantage and computes the others' over the unmasked rewards only.
import { readFileSync } from 'node:fs';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGpuTrainingActivities } from '../../activities/training/index.ts';
import { leaveOneOutAdvantages } from '../../core/advantage.ts';
import { loadSettings } from '../../infra/settings.ts';
import { printFaultTable, scenario } from './lib/results.ts';
import { duplicates, faultConfig, outcome, rolloutRows } from '../../dev/faultRun.ts';
import { startFaultStack, type FaultStack } from '../../dev/faultStack.ts';

const RUN = 'faults-create-faults';
const TASKS = 10;
const G = 4;
const ATTEMPTS = 2;
const FAULTS = { SWE_FORGE_FAULT_CREATE_RATE: '0.2', SWE_FORGE_FAULT_SEED: '11', SWE_FORGE_ROLLOUT_CONCURRENCY: '4' };
let stack: FaultStack;
let tinyModel: string;

beforeAll(async () => {
  stack = await startFaultStack('create-faults');
  await stack.importTasks();
  // The policy's starting weights: the trainer's tiny model (built once, cached by content hash).
  const gpu = createGpuTrainingActivities({ pool: stack.base.pool!, settings: loadSettings(stack.workerEnv) });
  const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR', () => undefined) });
  const made: { path: string } = await env.run(() =>
    gpu.makeTinyModel({ outDir: '', corpusFiles: ['tasks/mini/tasks.jsonl'], seed: 0 }),
  );
  tinyModel = made.path;
}, 600_000);
afterAll(async () => {
  await stack?.stop();
  printFaultTable();
});

interface BatchLine {
  group: string;
  rolloutId: string | number;
  reward: number | null;
  masked: boolean;
  advantage: number;
}

it(
  'retries injected create failures, masks what exhausts the budget, and keeps it out of the advantages',
  { timeout: 600_000 },
  async () => {
    await scenario(
      '3. 20 % of container creations fail during an RL iteration',
      'failed attempts retried; rollouts failing past the budget masked (reward null, never 0) and counted; masked members get no advantage, the rest match leave-one-out over unmasked rewards',
      'create-faults.test.ts',
      async ({ saw }) => {
        await stack.startWorker('orchestrator');
        await stack.startWorker('gpu');
        const rollout = await stack.startWorker('rollout', FAULTS);
        const config = faultConfig('create-faults', ['rl'], {
          models: {
            policy: { name: 'scripted-policy', kind: 'scripted', toolFormat: 'native' },
            baseModelDir: tinyModel,
          },
          tasks: { limit: TASKS },
          sandbox: { infraMaxAttempts: ATTEMPTS },
          // The scripted policy (a fixed endpoint) gives groups mixed rewards, which is what this scenario needs:
          // it checks masking and advantages, not on-policy learning, so it opts in to off-policy RL.
          stages: { rl: { iterations: 1, batchTasks: TASKS, groupSize: G, offPolicy: true } },
        });
        const t0 = Date.now();
        const done = await outcome(await stack.startRun(RUN, config));
        const span = await stack.base.pool!.query(
          'select extract(epoch from max(finished_at) - min(started_at))::int as s from rollouts where run_id = $1',
          [RUN],
        );
        saw(`run took ${Math.round((Date.now() - t0) / 1000)} s (rollouts ${span.rows[0]?.s} s)`);
        expect(done, JSON.stringify(done)).toMatchObject({ ok: true });
        const pool = stack.base.pool!;
        const rows = await rolloutRows(pool, RUN, 'rl');
        const injected = (rollout.log().match(/injected fault: Sandbox\.create failed/g) ?? []).length;
        const masked = rows.filter((r) => r.masked);
        const retried = rows.filter((r) => r.attempt > 1 && !r.masked);
        saw(
          `${rows.length} rows; ${injected} attempts failed on an injected create fault and were retried; ${retried.length} rollouts succeeded on a retry; ${masked.length} masked`,
        );
        expect(rows).toHaveLength(TASKS * G);
        expect(duplicates(rows)).toEqual([]);
        expect(injected).toBeGreaterThan(0);
        expect(retried.length).toBeGreaterThan(0);
        expect(masked.length).toBeGreaterThan(0);
        // Masked on the last attempt, whether the fault hit the rollout's container or the grading one.
        for (const r of masked) {
          expect(r).toMatchObject({ reward: null, attempt: ATTEMPTS });
          expect(r.exit_reason === 'infra_error' || r.outcome === 'infra_error').toBe(true);
          expect(r.mask_reason).toMatch(/injected fault/);
        }
        const inGrading = masked.filter((r) => r.outcome === 'infra_error').length;
        saw(`masked: ${masked.length - inGrading} in the rollout, ${inGrading} in grading`);
        // Never scored as a model failure: no scored row carries the injected error.
        expect(rows.filter((r) => !r.masked && /injected fault/.test(`${r.error ?? ''}`))).toEqual([]);
        const { rows: its } = await pool.query('select masked from rl_iterations where run_id = $1 and iteration = 1', [
          RUN,
        ]);
        expect(its).toEqual([{ masked: masked.length }]);

        const { rows: ds } = await pool.query("select path, stats from datasets where run_id = $1 and kind = 'grpo'", [
          RUN,
        ]);
        expect(ds).toHaveLength(1);
        const batch = readFileSync(ds[0].path, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as BatchLine);
        expect(batch).toHaveLength(rows.length);
        const byId = new Map(rows.map((r) => [String(r.id), r]));
        let mixedGroups = 0;
        for (const group of new Set(batch.map((b) => b.group))) {
          const members = batch.filter((b) => b.group === group);
          const live = members.filter((b) => !byId.get(String(b.rolloutId))!.masked);
          if (live.length < members.length && live.length >= 2) mixedGroups++;
          const expected = leaveOneOutAdvantages(live.map((b) => b.reward));
          for (const b of members) {
            if (byId.get(String(b.rolloutId))!.masked)
              expect(b).toMatchObject({ masked: true, advantage: 0, reward: null });
          }
          live.forEach((b, i) => {
            expect(b.masked).toBe(expected[i] === null);
            expect(b.advantage).toBeCloseTo(expected[i] ?? 0, 12);
          });
        }
        saw(
          `GRPO batch: ${ds[0].stats.maskedMembers} masked members, ${ds[0].stats.activeMembers} active; ${mixedGroups} groups with masked and unmasked members match leave-one-out over the unmasked rewards`,
        );
        expect(ds[0].stats.maskedMembers).toBe(masked.length);
      },
    );
  },
);
