// Bounded fan-out of rollouts. At most `window` activities are in flight (Temporal allows 2,000 pending per
// execution; we stay far below), and a fan-out larger than `partitionSize` runs as child workflows of that many
// rollouts each, so no single history grows without bound.
import type { RolloutTally } from '../contracts/pipeline.ts';
import type { AgentConfig, RolloutStage, SandboxConfig } from '../contracts/rollout.ts';
import { isCancellation, workflowInfo } from '@temporalio/workflow';
import type { StageName } from '../config/schema.ts';
import type { ModelEndpoint } from '../config/schema.ts';
import { chunk, hashSeed } from '../core/sampling.ts';
import { rolloutActivities } from './activities.ts';
import type { Control } from './control.ts';
import { errorMessage, failure } from './errors.ts';
// A cycle (the partition workflow runs this module's runWindowed), safe because both are used only in functions.
import { rolloutBatchWorkflow } from './rolloutBatch.ts';

/** Hard ceilings whatever the config says: far below Temporal's 2,000 pending activities per execution. */
export const MAX_WINDOW = 1000;
export const MAX_PARTITION = 1000;
const REPORTS_PER_FANOUT = 20;
const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

export interface RolloutBatchSpec {
  runId: string;
  stage: RolloutStage;
  /** The pipeline stage whose progress these rollouts count towards (none for standalone evaluations). */
  progressStage: StageName | null;
  /** Progress source key: one per fan-out (or partition), so reports are absolute and idempotent. */
  source: string;
  /** Items refer to a model by index: distillation fans out over several teachers at once. */
  models: { model: ModelEndpoint; policyVersion?: string }[];
  items: { taskId: string; sample: number; model?: number }[];
  agent: AgentConfig;
  sandbox: SandboxConfig;
  alpha: number;
  seed: number;
  window: number;
  partitionSize: number;
  /** Return the rollout ids (TTS scores them); otherwise only counts come back. */
  keepIds: boolean;
}

export function emptyTally(total: number): RolloutTally {
  return {
    total,
    done: 0,
    failed: 0,
    resolved: 0,
    masked: 0,
    scored: 0,
    rewardSum: 0,
    turnsSum: 0,
    rolloutIds: [],
    errors: [],
  };
}

export function addTally(a: RolloutTally, b: RolloutTally): RolloutTally {
  return {
    total: a.total + b.total,
    done: a.done + b.done,
    failed: a.failed + b.failed,
    resolved: a.resolved + b.resolved,
    masked: a.masked + b.masked,
    scored: a.scored + b.scored,
    rewardSum: a.rewardSum + b.rewardSum,
    turnsSum: a.turnsSum + b.turnsSum,
    rolloutIds: [...a.rolloutIds, ...b.rolloutIds],
    errors: [...a.errors, ...b.errors].slice(0, 5),
  };
}

function report(control: Control, spec: RolloutBatchSpec, t: RolloutTally): void {
  if (!spec.progressStage) return;
  const { done, total, scored, resolved, rewardSum, masked, failed } = t;
  control.report({
    kind: 'rollouts',
    source: spec.source,
    stage: spec.progressStage,
    done,
    total,
    scored,
    resolved,
    rewardSum,
    masked,
    failed,
    lastError: t.errors.at(-1),
  });
}

/** Runs every item in this execution with at most `window` in flight; pauses between activities. */
export async function runWindowed(spec: RolloutBatchSpec, control: Control): Promise<RolloutTally> {
  const { runRollout } = rolloutActivities(spec);
  const tally = emptyTally(spec.items.length);
  const step = Math.max(1, Math.ceil(spec.items.length / REPORTS_PER_FANOUT));
  let next = 0;
  const lane = async () => {
    for (;;) {
      await control.waitIfPaused();
      const item = spec.items[next++];
      if (!item) return;
      const m = spec.models[item.model ?? 0];
      if (!m) throw failure('InputError', `fan-out item ${item.taskId}/${item.sample}: no model #${item.model}`);
      try {
        // The summary names the rollout in the UI's event history (the input alone is a JSON blob there).
        const summary = `${spec.stage} rollout ${item.taskId} #${item.sample} (${m.model.name})`;
        const s = await runRollout.executeWithOptions({ summary }, [
          {
            runId: spec.runId,
            stage: spec.stage,
            taskId: item.taskId,
            sample: item.sample,
            model: m.model,
            policyVersion: m.policyVersion,
            agent: spec.agent,
            sandbox: spec.sandbox,
            alpha: spec.alpha,
            seed: hashSeed(spec.seed, spec.stage, item.taskId, item.sample),
          },
        ]);
        if (s.masked) tally.masked++;
        else {
          tally.scored++;
          tally.rewardSum += s.reward ?? 0;
          if (s.outcome === 'resolved') tally.resolved++;
        }
        tally.turnsSum += s.turns;
        if (spec.keepIds) tally.rolloutIds.push(s.rolloutId);
      } catch (err) {
        if (isCancellation(err)) throw err;
        // One broken task must not sink ten thousand rollouts: count it, keep going, report it.
        tally.failed++;
        if (tally.errors.length < 5) tally.errors.push(`${item.taskId}#${item.sample}: ${errorMessage(err)}`);
      }
      tally.done++;
      if (tally.done % step === 0 || tally.done === tally.total) report(control, spec, tally);
    }
  };
  const window = Math.max(1, Math.min(spec.window, MAX_WINDOW, spec.items.length));
  await Promise.all(Array.from({ length: window }, lane));
  return tally;
}

/**
 * The fan-out every stage uses. Small ones run here; large ones as `rolloutBatchWorkflow` children (ids
 * `<this workflow>/<label>/part-N`), two at a time, each with half the window.
 */
export async function fanOutRollouts(spec: RolloutBatchSpec, control: Control, label: string): Promise<RolloutTally> {
  const size = Math.max(1, Math.min(spec.partitionSize, MAX_PARTITION));
  let tally: RolloutTally;
  if (spec.items.length <= size) tally = await runWindowed(spec, control);
  else {
    const parts = chunk(spec.items, size);
    const lanes = spec.window >= 2 ? 2 : 1;
    const partSpec = (i: number): RolloutBatchSpec => ({
      ...spec,
      items: parts[i]!,
      source: `${spec.source}/part-${i}`,
      window: Math.max(1, Math.floor(Math.min(spec.window, MAX_WINDOW) / lanes)),
    });
    // Announce every part up front so the stage's total is right before the last part starts.
    parts.forEach((p, i) => report(control, partSpec(i), emptyTally(p.length)));
    const results: RolloutTally[] = [];
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < parts.length; i = next++) {
        await control.waitIfPaused();
        results[i] = await control.runChild(rolloutBatchWorkflow, {
          workflowId: `${workflowInfo().workflowId}/${label}/part-${i}`,
          args: [partSpec(i)],
        });
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    tally = results.reduce(addTally, emptyTally(0));
  }
  if (tally.total > 0 && tally.failed === tally.total) {
    throw failure('FanOutFailed', `all ${tally.total} ${spec.stage} rollouts failed; first: ${tally.errors[0] ?? '?'}`);
  }
  // Runs started before the setting existed keep their old rule (only all-failed fails): replays stay the same.
  const share = spec.sandbox.maxFailedShare ?? 1;
  if (tally.total > 0 && tally.failed / tally.total > share) {
    throw failure(
      'FailureThreshold',
      `${tally.failed} of ${tally.total} ${spec.stage} rollouts failed (${pct(tally.failed / tally.total)}, over ` +
        `sandbox.maxFailedShare ${pct(share)}; masked ones do not count); first: ${tally.errors[0] ?? '?'}`,
    );
  }
  return tally;
}
