// prepareVerifierData / measureVerifier: the sweWorld stage's data and its held-out measurement (issue 14).
// The run's executions are split by task (core/verifierMetrics.ts splitByTask); the verifier trains on the
// training tasks' executions only, and is measured with the same scorer TTS uses on the held-out tasks'.
import { InputError } from '../../core/errors.ts';
import { hashSeed } from '../../core/sampling.ts';
import type { ModelEndpoint } from '../../config/schema.ts';
import { renderReport, renderSweWorldReportPrompt, sweWorldTexts } from '../../core/sweWorld.ts';
import { verdicts } from '../../core/testStatuses.ts';
import { heldOutMetrics, splitByTask, type HeldOutItem } from '../../core/verifierMetrics.ts';
import type { ActivityDeps } from '../deps.ts';
import {
  candidatesById,
  readMessages,
  taskTexts,
  trainingCandidates,
  type CandidateRow,
  type TaskText,
} from './candidates.ts';
import { balanceLabels, VERIFIER_TRAINING_STAGES } from './dataset.ts';
import { runPaths } from '../../infra/layout.ts';
import { writeJsonl } from '../pipeline/jsonl.ts';
import { addReverseReasoning } from './reasoning.ts';
import { ormText } from './render.ts';
import { executedRecord, judgeCandidates, sweWorldCase, type TextScorer } from './simulate.ts';
import type {
  HeldOutReport,
  MeasureVerifierInput,
  PrepareVerifierDataInput,
  VerifierData,
} from '../../contracts/scoring.ts';

type Deps = { pool: ActivityDeps['pool']; settings: Pick<ActivityDeps['settings'], 'artifactsDir'> };

export async function prepareVerifierData(
  { pool, settings }: Deps,
  i: PrepareVerifierDataInput,
): Promise<VerifierData> {
  const all = await trainingCandidates(pool, i.runId, VERIFIER_TRAINING_STAGES);
  if (!all.length)
    throw new InputError(`runId: run ${i.runId} has no graded, unmasked rollouts to train a verifier on`);
  const tasks = await taskTexts(
    pool,
    all.map((c) => c.taskId),
  );
  // The split depends on the run and the task set only, so SWE-World and the ORM baseline share it.
  const split = splitByTask(
    all.map((c) => c.taskId),
    i.heldOutFraction,
    i.runId,
  );
  const held = new Set(split.heldOut);
  const train = all.filter((c) => !held.has(c.taskId));
  // Measured on real executions only: an empty diff's result is known without running anything.
  const heldOut = all.filter((c) => held.has(c.taskId) && c.testStatuses !== null);
  const label = (c: CandidateRow): 0 | 1 => (c.outcome === 'resolved' ? 1 : 0);
  let rows: { text: string; label: 0 | 1 }[];
  const stats: Record<string, number> = { candidates: train.length, trainTasks: split.train.length };
  if (i.kind === 'orm') {
    const kept = i.balance ? balanceLabels(train, label, hashSeed(i.runId, 'orm')) : train;
    rows = kept.map((c) => ({
      text: ormText(c, tasks.get(c.taskId)!, readMessages(c.trajectoryPath).messages),
      label: label(c),
    }));
    stats.droppedForBalance = train.length - kept.length;
  } else {
    // One row per recorded test status; the trainer balances PASSED / FAILED rows (stages.sweWorld.balance).
    rows = [];
    let unknown = 0;
    for (const c of train) {
      const task = tasks.get(c.taskId)!;
      const record = executedRecord(c, task);
      if (!record) {
        unknown++;
        continue;
      }
      const actual = verdicts({ failToPass: task.failToPass, passToPass: task.passToPass }, record);
      for (const q of sweWorldTexts(sweWorldCase(c, task)))
        rows.push({ text: q.text, label: actual[q.testId] ? 1 : 0 });
    }
    stats.candidatesWithoutRecord = unknown;
    // The same executions as {prompt,target} report rows, for a generative simulator served by vLLM; with a
    // teacher, SWE-Master's reverse-reasoning chains are added in front of each report, marked (reasoning.ts).
    const reports = await reportRows(train, tasks, i.reasoner);
    await writeJsonl(runPaths.dataset(settings.artifactsDir, i.runId, 'verifier-swe_world-reports'), reports);
    stats.reportRows = reports.length;
    stats.reasoningRows = reports.filter((r) => r.reasoning === 'teacher').length;
  }
  if (!rows.length)
    throw new InputError(`runId: run ${i.runId}: no ${i.kind} training rows outside the held-out tasks`);
  stats.rows = rows.length;
  stats.positives = rows.filter((r) => r.label === 1).length;
  stats.negatives = rows.length - stats.positives;
  const path = runPaths.dataset(settings.artifactsDir, i.runId, `verifier-${i.kind}`);
  await writeJsonl(path, rows);
  const datasetId = `${i.runId}/verifier-${i.kind}`;
  await pool.query(
    `insert into datasets (id, run_id, kind, path, rows, stats) values ($1, $2, $3, $4, $5, $6)
     on conflict (id) do update set path = excluded.path, rows = excluded.rows, stats = excluded.stats, created_at = now()`,
    [datasetId, i.runId, `verifier-${i.kind}`, path, rows.length, stats],
  );
  return {
    train: { datasetId, path, rows: rows.length, stats },
    trainTasks: split.train,
    heldOut: { taskIds: split.heldOut, rolloutIds: heldOut.map((c) => c.rolloutId) },
  };
}

async function reportRows(
  train: readonly CandidateRow[],
  tasks: ReadonlyMap<string, TaskText>,
  reasoner: ModelEndpoint | undefined,
) {
  const rows = train.flatMap((c) => {
    const task = tasks.get(c.taskId)!;
    const record = executedRecord(c, task);
    if (!record) return [];
    const lists = { failToPass: task.failToPass, passToPass: task.passToPass };
    return [{ prompt: renderSweWorldReportPrompt(sweWorldCase(c, task)), target: renderReport(lists, record) }];
  });
  return reasoner ? addReverseReasoning(rows, reasoner) : rows.map((r) => ({ ...r, reasoning: 'none' as const }));
}

/** The held-out metrics of one verifier checkpoint, scored by `scorer` (the same one TTS uses). */
export async function measureVerifier(
  { pool }: Pick<Deps, 'pool'>,
  i: MeasureVerifierInput,
  scorer: TextScorer,
): Promise<HeldOutReport> {
  const cands = await candidatesById(pool, i.rolloutIds);
  const tasks = await taskTexts(
    pool,
    cands.map((c) => c.taskId),
  );
  const judged = await judgeCandidates(i.kind, cands, tasks, scorer);
  const items: HeldOutItem[] = cands.map((c, k) => {
    const task = tasks.get(c.taskId)!;
    const lists = { failToPass: task.failToPass, passToPass: task.passToPass };
    const v = judged[k]!;
    const record = executedRecord(c, task);
    return {
      taskId: c.taskId,
      resolved: c.outcome === 'resolved',
      predicted: v.reward,
      score: v.score,
      tests: v.tests && record ? { actual: verdicts(lists, record), predicted: verdicts(lists, v.tests) } : undefined,
    };
  });
  return { kind: i.kind, checkpointId: i.checkpointId, heldOutTasks: i.heldOutTasks, ...heldOutMetrics(items) };
}
