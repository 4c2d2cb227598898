// buildVerifierDataset: the verifier's training rows from a run's graded rollouts, in the trainer's formats
// (orm: {"text","label"}; swe_world: {"prompt","target"}), one JSONL file plus a `datasets` row.
import { InputError } from '../../core/errors.ts';
import { createRng, hashSeed, shuffle } from '../../core/sampling.ts';
import type { OrmLimits } from '../../core/verifierPrompt.ts';
import type { RolloutStage } from '../../contracts/rollout.ts';
import type { BuildVerifierDatasetInput, DatasetRef } from '../../contracts/scoring.ts';
import type { ActivityDeps } from '../deps.ts';
import { readMessages, taskTexts, trainingCandidates, type CandidateRow } from './candidates.ts';
import { runPaths } from '../../infra/layout.ts';
import { writeJsonl } from '../pipeline/jsonl.ts';
import { ormText, sweWorldPrompt, sweWorldTarget } from './render.ts';

/** Test-time candidates (tts, eval) never become training rows: that would leak the answers TTS is scored on. */
export const VERIFIER_TRAINING_STAGES: readonly RolloutStage[] = ['distill', 'difficulty', 'rl'];

export interface BuildVerifierDatasetOptions extends BuildVerifierDatasetInput {
  stages?: RolloutStage[];
  limits?: Partial<OrmLimits>;
}

/** Downsamples the majority label to the minority's count, reproducibly from the run id. */
export function balanceLabels<T>(rows: readonly T[], label: (r: T) => 0 | 1, seed: number): T[] {
  const pos = rows.filter((r) => label(r) === 1);
  const neg = rows.filter((r) => label(r) === 0);
  const n = Math.min(pos.length, neg.length);
  const rng = createRng(seed);
  const keep = new Set([...shuffle(pos, rng).slice(0, n), ...shuffle(neg, rng).slice(0, n)]);
  return rows.filter((r) => keep.has(r)); // original order: the dataset diff between two builds stays readable
}

export async function buildVerifierDataset(
  { pool, settings }: { pool: ActivityDeps['pool']; settings: Pick<ActivityDeps['settings'], 'artifactsDir'> },
  input: BuildVerifierDatasetOptions,
): Promise<DatasetRef> {
  const stages = input.stages ?? [...VERIFIER_TRAINING_STAGES];
  const all = await trainingCandidates(pool, input.runId, stages);
  const label = (c: CandidateRow): 0 | 1 => (c.outcome === 'resolved' ? 1 : 0);
  if (all.length === 0) {
    throw new InputError(
      `runId: run ${input.runId} has no graded, unmasked rollouts in ${stages.join(', ')} to train a verifier on`,
    );
  }
  const positives = all.filter((c) => label(c) === 1).length;
  if (input.balance && (positives === 0 || positives === all.length)) {
    throw new InputError(
      `balance: run ${input.runId} has ${positives} resolved and ${all.length - positives} unresolved graded rollouts ` +
        `in ${stages.join(', ')}; a balanced verifier dataset needs both (set stages.sweWorld.balance false to skip)`,
    );
  }
  const kept = input.balance ? balanceLabels(all, label, hashSeed(input.runId, input.kind)) : all;
  const tasks = await taskTexts(
    pool,
    kept.map((c) => c.taskId),
  );
  let missingTrajectories = 0;
  const rows = kept.map((c) => {
    const task = tasks.get(c.taskId)!;
    if (input.kind === 'swe_world')
      return { prompt: sweWorldPrompt(c, task, input.limits), target: sweWorldTarget(c, task) };
    const { messages, found } = readMessages(c.trajectoryPath);
    if (!found) missingTrajectories++;
    return { text: ormText(c, task, messages, input.limits), label: label(c) };
  });
  const path = runPaths.dataset(settings.artifactsDir, input.runId, `verifier-${input.kind}`);
  await writeJsonl(path, rows);
  const keptPositives = kept.filter((c) => label(c) === 1).length;
  const stats: Record<string, number> = {
    candidates: all.length,
    rows: rows.length,
    positives: keptPositives,
    negatives: rows.length - keptPositives,
    droppedForBalance: all.length - kept.length,
    missingTrajectories,
  };
  for (const s of stages) stats[`from_${s}`] = kept.filter((c) => c.stage === s).length;
  const datasetId = `${input.runId}/verifier-${input.kind}`;
  await pool.query(
    `insert into datasets (id, run_id, kind, path, rows, stats) values ($1, $2, $3, $4, $5, $6)
     on conflict (id) do update set path = excluded.path, rows = excluded.rows, stats = excluded.stats, created_at = now()`,
    [datasetId, input.runId, `verifier-${input.kind}`, path, rows.length, stats],
  );
  return { datasetId, path, rows: rows.length, stats };
}
