// Stand-ins for the activities other workers own (rollout, gpu, scoring). They write what the real ones write
// (rollout rows, trajectory files, checkpoint dirs) so the real pipeline activities run on top of them.
import type { CheckpointRef, GpuActivities } from '../../../contracts/gpu.ts';
import type { CanaryInput, CanaryResult, RolloutInput, RolloutSummary } from '../../../contracts/rollout.ts';
import type { ScoringActivities } from '../../../contracts/scoring.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type pg from 'pg';

export interface Call {
  name: string;
  input: unknown;
}

/** What a stub rollout does for (task, sample): resolved, masked (infrastructure error) or a plain failure. */
export type Outcome = 'resolved' | 'unresolved' | 'masked';
export type OutcomeFn = (taskId: string, sample: number) => Outcome;

/**
 * Task t-0 always resolves, t-1 never, every other task on even samples (mixed); t-3's sample 3 is an
 * infrastructure error. Hand-computed pass rates for n = 4: t-0 1, t-1 0, t-2 0.5, t-3 2/3, t-4 0.5.
 */
export const defaultOutcome: OutcomeFn = (taskId, sample) => {
  if (taskId === 't-3' && sample === 3) return 'masked';
  if (taskId === 't-0') return 'resolved';
  if (taskId === 't-1') return 'unresolved';
  return sample % 2 === 0 ? 'resolved' : 'unresolved';
};

export interface StubOptions {
  pool: pg.Pool;
  artifactsDir: string;
  outcome?: OutcomeFn;
  /** Awaited inside each rollout before it finishes (tests hold rollouts open with it). */
  gate?: (input: RolloutInput) => Promise<void>;
  /** Throws inside the named activity when it returns true (tests make a stage fail). */
  failWhen?: (name: string, input: unknown) => boolean;
  /** Tasks whose canary flips (the stub canary writes the quarantine row the real one writes). */
  flaky?: (taskId: string) => boolean;
  /** Awaited inside each grpoStep before it returns (tests hold a training step open with it). */
  trainGate?: (input: { iteration: number }) => Promise<void>;
  /**
   * The checkpoint the stub engine says answered (each assistant turn's meta.model); default: the model name the
   * rollout was sent to, which for a served trainer policy is the checkpoint id. Tests fake a sampler that lags.
   */
  answeredBy?: (input: RolloutInput) => string;
}

export function createStubs(o: StubOptions) {
  const calls: Call[] = [];
  const live = { inFlight: 0, maxInFlight: 0, cancelled: 0 };
  const record = (name: string, input: unknown) => {
    calls.push({ name, input });
    if (o.failWhen?.(name, input)) throw ApplicationFailure.nonRetryable(`stub ${name} told to fail`, 'TaskError');
  };

  async function runRollout(input: RolloutInput): Promise<RolloutSummary> {
    record('runRollout', input);
    // What the engine said answered the first turn (before the gate) and the last (after it): a partial rollout
    // spans a weight update when they differ.
    const early = o.answeredBy?.(input) ?? input.model.name;
    live.inFlight++;
    live.maxInFlight = Math.max(live.maxInFlight, live.inFlight);
    try {
      if (o.gate) {
        const beat = setInterval(() => Context.current().heartbeat(), 200);
        try {
          await Promise.race([o.gate(input), Context.current().cancelled]);
        } catch (err) {
          live.cancelled++;
          throw err;
        } finally {
          clearInterval(beat);
        }
      }
      return await writeRollout(input, early);
    } finally {
      live.inFlight--;
    }
  }

  async function writeRollout(input: RolloutInput, early?: string): Promise<RolloutSummary> {
    const outcome = (o.outcome ?? defaultOutcome)(input.taskId, input.sample);
    const masked = outcome === 'masked';
    const resolved = outcome === 'resolved';
    const turns = 3 + (input.sample % 4);
    const dir = join(o.artifactsDir, 'runs', input.runId, 'trajectories', input.stage, input.taskId);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${input.sample}.jsonl`);
    const late = o.answeredBy?.(input) ?? input.model.name;
    const spans =
      early !== undefined && early !== late
        ? [
            { role: 'assistant', content: 'looking', meta: { turn: 1, model: early } },
            { role: 'user', content: 'observation' },
          ]
        : [];
    const messages = [
      { role: 'system', content: 'You are a software engineer.' },
      { role: 'user', content: `Fix ${input.taskId}` },
      ...spans,
      {
        role: 'assistant',
        content: `patch for ${input.taskId} #${input.sample}`,
        meta: { turn: spans.length ? 2 : 1, model: late },
      },
    ];
    writeFileSync(path, messages.map((m) => JSON.stringify(m)).join('\n') + '\n');
    const reward = masked ? null : resolved ? 1 : 0;
    const { rows } = await o.pool.query<{ id: string }>(
      `insert into rollouts (run_id, stage, task_id, sample, model, policy_version, turns, prompt_tokens, completion_tokens,
                             exit_reason, forced, outcome, reward, masked, trajectory_path)
       values ($1, $2, $3, $4, $5, $6, $7, 100, 50, $8, false, $9, $10, $11, $12)
       on conflict (run_id, stage, task_id, sample) do update set outcome = excluded.outcome returning id`,
      [
        input.runId,
        input.stage,
        input.taskId,
        input.sample,
        input.model.name,
        input.policyVersion ?? null,
        turns,
        masked ? 'infra_error' : 'submitted',
        masked ? 'infra_error' : resolved ? 'resolved' : 'unresolved',
        reward,
        masked,
        path,
      ],
    );
    return {
      rolloutId: Number(rows[0]!.id),
      taskId: input.taskId,
      sample: input.sample,
      exitReason: masked ? 'infra_error' : 'submitted',
      forced: false,
      outcome: masked ? 'infra_error' : resolved ? 'resolved' : 'unresolved',
      reward,
      masked,
      turns,
      tokens: 150,
      historyAttempts: 0,
      loopCount: 0,
      trajectoryPath: path,
    };
  }

  // Like the gpu worker: an empty outDir means <artifacts>/runs/<run>/<stageKey>, ids are <run>/<stageKey>/step-N.
  const ckpt = (runId: string, stageKey: string, outDir: string, step: number): CheckpointRef => {
    const dir = join(outDir || join(o.artifactsDir, 'runs', runId, stageKey), 'checkpoints', `step-${step}`);
    mkdirSync(dir, { recursive: true });
    return { checkpointId: `${runId}/${stageKey}/step-${step}`, path: dir, step, metrics: { loss: 1 / step } };
  };

  const gpu: GpuActivities = {
    async makeTinyModel(i) {
      record('makeTinyModel', i);
      const dir = i.outDir || join(o.artifactsDir, 'models', `tiny-${i.seed}`);
      mkdirSync(dir, { recursive: true });
      return { path: dir };
    },
    async trainSft(i) {
      record('trainSft', i);
      const key = i.stage !== 'sft' ? 'swe-world-sft' : i.round && i.round > 1 ? `sft/round-${i.round}` : 'sft';
      return ckpt(i.runId, key, i.outDir, i.sft.steps ?? 1);
    },
    async grpoStep(i) {
      record('grpoStep', i);
      if (o.trainGate) await o.trainGate(i);
      return ckpt(i.runId, `rl/iter-${i.iteration}`, i.outDir, i.iteration);
    },
    async trainVerifier(i) {
      record('trainVerifier', i);
      return ckpt(i.runId, 'verifier', i.outDir, i.cfg.steps);
    },
    async exportOnnx(i) {
      record('exportOnnx', i);
      const dir = i.outDir || join(o.artifactsDir, 'runs', i.runId ?? 'none', 'verifier', 'onnx');
      mkdirSync(dir, { recursive: true });
      return { onnxDir: dir };
    },
    async ensurePolicyServer(i) {
      record('ensurePolicyServer', i);
      return { baseUrl: 'http://127.0.0.1:9/v1', pid: 1 };
    },
    async stopPolicyServer(i) {
      record('stopPolicyServer', i);
    },
  };

  const scoring: ScoringActivities = {
    async buildVerifierDataset(i) {
      record('buildVerifierDataset', i);
      const path = join(o.artifactsDir, 'runs', i.runId, 'datasets', `${i.kind}.jsonl`);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, '{"messages":[],"label":1}\n');
      return { datasetId: `${i.runId}:${i.kind}`, path, rows: 1, stats: {} };
    },
    async prepareVerifierData(i) {
      record('prepareVerifierData', i);
      const path = join(o.artifactsDir, 'runs', i.runId, 'datasets', `verifier-${i.kind}.jsonl`);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, '{"text":"t","label":1}\n');
      const train = { datasetId: `${i.runId}/verifier-${i.kind}`, path, rows: 1, stats: {} };
      return { train, trainTasks: ['t-1'], heldOut: { taskIds: ['t-2'], rolloutIds: [1, 2] } };
    },
    async measureVerifier(i) {
      record('measureVerifier', i);
      return {
        kind: i.kind,
        checkpointId: i.checkpointId,
        heldOutTasks: i.heldOutTasks,
        n: i.rolloutIds.length,
        tasks: i.heldOutTasks.length,
        positives: 1,
        rewardAccuracy: 0.5,
        precision: 1,
        recall: 0.5,
        testStatusAccuracy: i.kind === 'swe_world' ? 0.75 : null,
        testsN: i.kind === 'swe_world' ? 4 : 0,
        calibration: { brier: 0.25, ece: 0.1, bins: [] },
      };
    },
    async scoreCandidates(i) {
      record('scoreCandidates', i);
      // The stub verifier prefers later rollouts: deterministic, and not always right.
      return { scores: i.rolloutIds.map((rolloutId) => ({ rolloutId, score: rolloutId / 1e6 })) };
    },
    async writeReport(i) {
      record('writeReport', i);
      const reportPath = join(o.artifactsDir, 'runs', i.runId, 'reports', 'report.md');
      mkdirSync(join(reportPath, '..'), { recursive: true });
      writeFileSync(reportPath, `# ${i.runId}\n`);
      return { reportPath, files: [reportPath] };
    },
  };

  async function canaryCheck(input: CanaryInput): Promise<CanaryResult> {
    record('canaryCheck', input);
    const flipped = input.taskIds.filter((t) => o.flaky?.(t));
    for (const t of flipped)
      await o.pool.query(
        `insert into task_quarantine (run_id, task_id, iteration, reason) values ($1, $2, $3, 'harness_flaky: stub')
         on conflict do nothing`,
        [input.runId, t, input.iteration],
      );
    const q = await o.pool.query('select task_id from task_quarantine where run_id = $1 order by 1', [input.runId]);
    return { checked: input.taskIds, flipped, quarantined: q.rows.map((r) => r.task_id as string) };
  }

  return {
    calls,
    live,
    runRollout,
    canaryCheck,
    gpu,
    scoring,
    named: (name: string) => calls.filter((c) => c.name === name),
  };
}
export type Stubs = ReturnType<typeof createStubs>;
