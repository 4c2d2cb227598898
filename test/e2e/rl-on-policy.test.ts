// On-policy RL on the real stack (Temporal dev server, Postgres, Docker, worker processes, the trainer on CPU with
// the tiny model): two RL iterations, where iteration 2's rollouts must be answered by the checkpoint iteration 1
// produced, as the serving engine itself reports it in every reply, and the rows, the trajectories (sampled token
// ids and log-probs per turn), the GRPO step's figures and `swe-forge status --json` all say so.
import type { TrajectoryMessage } from '../../contracts/rollout.ts';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.ts';
import { lastJson, sweForge } from '../faults/lib/cli.ts';
import { outcome } from '../../dev/faultRun.ts';
import { startFaultStack, type FaultStack } from '../../dev/faultStack.ts';

const RUN = 'e2e-onpolicy';
let stack: FaultStack;

beforeAll(async () => {
  stack = await startFaultStack('e2e-onpolicy');
  await stack.importTasks();
  // The engine of the CPU policy server is the worker's default unless SWE_FORGE_POLICY_SERVER says otherwise.
  for (const role of ['orchestrator', 'rollout', 'gpu'] as const) await stack.startWorker(role);
}, 300_000);
afterAll(async () => stack?.stop());

const q = async <T extends Record<string, unknown>>(sql: string, args: unknown[] = [RUN]) =>
  (await stack.base.pool!.query<T>(sql, args)).rows;

interface Iteration {
  iteration: number;
  servedCheckpoint: string | null;
  producedCheckpoint: string | null;
  clipFraction: number | null;
  ratioMean: number | null;
  samplerKl: number | null;
  sampledTurns: number | null;
  updates: number | null;
}

describe('RL on-policy end to end', () => {
  it('iteration 2 is answered by iteration 1 checkpoint, as the engine reports', { timeout: 1_500_000 }, async () => {
    const config = parseRunConfig({
      preset: 'demo',
      name: RUN,
      tasks: { limit: 2, eval: [] },
      agent: { maxTurns: 8 },
      stages: {
        distill: { samplesPerTask: 3 },
        difficulty: { enabled: false },
        filter: { keep: 'all' },
        sft: { steps: 1, saveEvery: 1, maxSeqLen: 4096 },
        rl: { iterations: 2, batchTasks: 1, groupSize: 2, ppoEpochs: 2 },
        sweWorld: { enabled: false },
        tts: { enabled: false },
        report: { enabled: false },
      },
    });
    const result = await outcome(await stack.startRun(RUN, config));
    expect(result.ok ? 'completed' : result.error).toBe('completed');

    const rows = await q<{ sample: number; policy_version: string | null; trajectory_path: string }>(
      "select sample, policy_version, trajectory_path from rollouts where run_id = $1 and stage = 'rl' order by sample",
    );
    expect(rows).toHaveLength(4);
    const [sft] = await q<{ id: string }>("select id from checkpoints where run_id = $1 and stage = 'sft'");
    const iters = await q<{ iteration: number; checkpoint_id: string; served_checkpoint: string }>(
      'select iteration, checkpoint_id, served_checkpoint from rl_iterations where run_id = $1 order by iteration',
    );
    expect(iters.map((r) => r.iteration)).toEqual([1, 2]);
    const produced1 = iters[0]!.checkpoint_id;
    expect(produced1).toMatch(new RegExp(`^${RUN}/rl/iter-1/step-\\d+$`));
    // Iteration 1 samples the SFT checkpoint; iteration 2 the one iteration 1 produced: rows, as the engine said.
    expect(iters.map((r) => r.served_checkpoint)).toEqual([sft!.id, produced1]);
    expect(rows.slice(0, 2).map((r) => r.policy_version)).toEqual([sft!.id, sft!.id]);
    expect(rows.slice(2).map((r) => r.policy_version)).toEqual([produced1, produced1]);

    for (const r of rows.slice(2)) {
      const turns = readFileSync(r.trajectory_path, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as TrajectoryMessage)
        .filter((m) => m.role === 'assistant');
      expect(turns.length).toBeGreaterThan(0);
      for (const t of turns) {
        expect(t.meta?.model).toBe(produced1); // each reply's `model`: the checkpoint the engine had loaded
        expect(t.meta?.sampled?.tokenIds.length).toBeGreaterThan(0);
        expect(t.meta?.sampled?.logprobs).toHaveLength(t.meta!.sampled!.tokenIds.length);
      }
    }

    const status = await sweForge(['status', RUN, '--json'], stack.workerEnv);
    expect(status.code, status.stderr).toBe(0);
    const its = lastJson<{ rl: { iterations: Iteration[]; offPolicy: boolean } }>(status.stdout).rl;
    expect(its.offPolicy).toBe(false);
    expect(its.iterations.map((i) => [i.servedCheckpoint, i.producedCheckpoint])).toEqual([
      [sft!.id, produced1],
      [produced1, iters[1]!.checkpoint_id],
    ]);
    for (const i of its.iterations) {
      // Trained on the sampler's tokens with its log-probs as pi_old, two epochs: two updates, figures for each.
      expect(i).toMatchObject({ updates: 2, clipFraction: expect.any(Number), ratioMean: expect.any(Number) });
      expect(i.samplerKl).toBeGreaterThanOrEqual(0);
      expect(i.sampledTurns).toBeGreaterThan(0);
    }
    console.log(`[rl-on-policy] ${JSON.stringify(its.iterations)}`);
  });
});
