// Everything the report shows, read from Postgres in one place. Each query tolerates a stage that never ran (an
// empty list), so a report can be written for a partial or failed run as well as a finished one.
import type pg from 'pg';
import { InputError } from '../../core/errors.ts';
import type { CandidateRow } from '../../core/tts.ts';
import { loadTrainingData, type TrainingData } from './training.ts';
import { readRlIterations, type RlIterationView } from '../pipeline/rlIterations.ts';

export interface ReportData extends TrainingData {
  run: {
    runId: string;
    recipe: string;
    status: string;
    name: string | null;
    createdAt: Date;
    updatedAt: Date;
    config: Record<string, unknown>;
  };
  stages: { stage: string; summary: Record<string, unknown>; completedAt: Date }[];
  difficulty: { taskId: string; n: number; c: number; masked: number; passRate: number | null }[];
  datasets: { id: string; kind: string; path: string; rows: number; stats: Record<string, number> }[];
  rollouts: {
    stage: string;
    total: number;
    resolved: number;
    masked: number;
    meanTurns: number | null;
    meanReward: number | null;
  }[];
  maskedByReason: { stage: string; reason: string; count: number }[];
  evaluations: {
    id: string;
    kind: string;
    checkpoint: string | null;
    metrics: Record<string, unknown>;
    reportPath: string | null;
  }[];
  /** TTS candidates with their latest verifier score. */
  tts: (CandidateRow & { score: number | null })[];
  samples: { id: number; stage: string; taskId: string; sample: number; outcome: string | null; masked: boolean }[];
  /** Per RL iteration: checkpoint served (engine-reported) and produced, and the GRPO step's figures. */
  rlSteps?: RlIterationView[];
  /** Per RL iteration: GRPO groups, and how many had mixed rewards (the only ones with a non-zero advantage). */
  rlGroups?: { iteration: number; groups: number; mixed: number }[];
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** RL sample indices are (iteration - 1) * G + member (core/sampling.ts), so a group is (task, sample / G). */
async function rlGroups(pool: pg.Pool, runId: string, config: Record<string, unknown>) {
  const g = Number((config?.stages as { rl?: { groupSize?: number } } | undefined)?.rl?.groupSize ?? 4);
  const { rows } = await pool.query<{ iteration: number; groups: string; mixed: string }>(
    `select g + 1 as iteration, count(*) filter (where n >= 2) as groups, count(*) filter (where mixed) as mixed
       from (select task_id, sample / $2 as g, count(*) filter (where not masked) as n,
                    count(distinct reward) filter (where not masked) > 1 as mixed
               from rollouts where run_id = $1 and stage = 'rl' group by task_id, sample / $2) x
      group by g order by g`,
    [runId, Math.max(1, Math.trunc(g))],
  );
  return rows.map((r) => ({ iteration: Number(r.iteration), groups: Number(r.groups), mixed: Number(r.mixed) }));
}

export async function loadReportData(pool: pg.Pool, runId: string, maxSamples = 12): Promise<ReportData> {
  const q = async <T extends pg.QueryResultRow>(sql: string, extra: unknown[] = []) =>
    (await pool.query<T>(sql, [runId, ...extra])).rows;
  const [run] = await q<{
    recipe: string;
    status: string;
    config: Record<string, unknown>;
    created_at: Date;
    updated_at: Date;
  }>('select recipe, status, config, created_at, updated_at from runs where run_id = $1');
  if (!run) throw new InputError(`runId: no run ${JSON.stringify(runId)} in the database (see \`swe-forge list\`)`);
  return {
    ...(await loadTrainingData(pool, runId, run.config)),
    rlSteps: await readRlIterations(pool, runId),
    rlGroups: await rlGroups(pool, runId, run.config),
    run: {
      runId,
      recipe: run.recipe,
      status: run.status,
      name: (run.config?.name as string) ?? null,
      createdAt: run.created_at,
      updatedAt: run.updated_at,
      config: run.config,
    },
    stages: (
      await q<{ stage: string; summary: Record<string, unknown>; completed_at: Date }>(
        'select stage, summary, completed_at from stage_results where run_id = $1 order by completed_at',
      )
    ).map((r) => ({ stage: r.stage, summary: r.summary, completedAt: r.completed_at })),
    difficulty: (
      await q<{ task_id: string; n: number; c: number; masked: number; pass_rate: number | null }>(
        'select task_id, n, c, masked, pass_rate from difficulty where run_id = $1 order by task_id',
      )
    ).map((r) => ({ taskId: r.task_id, n: r.n, c: r.c, masked: r.masked, passRate: num(r.pass_rate) })),
    datasets: await q('select id, kind, path, rows, stats from datasets where run_id = $1 order by created_at, id'),
    rollouts: (
      await q<{
        stage: string;
        total: string;
        resolved: string;
        masked: string;
        mean_turns: number | null;
        mean_reward: number | null;
      }>(
        `select stage, count(*) as total, count(*) filter (where outcome = 'resolved' and not masked) as resolved,
                count(*) filter (where masked) as masked, avg(turns)::float8 as mean_turns,
                avg(reward) filter (where not masked)::float8 as mean_reward
           from rollouts where run_id = $1 group by stage order by min(id)`,
      )
    ).map((r) => ({
      stage: r.stage,
      total: Number(r.total),
      resolved: Number(r.resolved),
      masked: Number(r.masked),
      meanTurns: num(r.mean_turns),
      meanReward: num(r.mean_reward),
    })),
    maskedByReason: (
      await q<{ stage: string; reason: string; count: string }>(
        `select stage, coalesce(mask_reason, exit_reason, 'unknown') as reason, count(*) as count
           from rollouts where run_id = $1 and masked group by 1, 2 order by 1, 2`,
      )
    ).map((r) => ({ ...r, count: Number(r.count) })),
    evaluations: (
      await q<{
        id: string;
        kind: string;
        checkpoint: string | null;
        metrics: Record<string, unknown>;
        report_path: string | null;
      }>('select id, kind, checkpoint, metrics, report_path from evaluations where run_id = $1 order by created_at, id')
    ).map((r) => ({ id: r.id, kind: r.kind, checkpoint: r.checkpoint, metrics: r.metrics, reportPath: r.report_path })),
    tts: (
      await q<{
        id: string;
        task_id: string;
        outcome: string | null;
        masked: boolean;
        turns: number;
        score: number | null;
      }>(
        `select r.id, r.task_id, r.outcome, r.masked, r.turns,
                (select v.score from verifier_scores v where v.rollout_id = r.id order by v.scored_at desc limit 1) as score
           from rollouts r where r.run_id = $1 and r.stage = 'tts' order by r.task_id, r.sample, r.id`,
      )
    ).map((r) => ({
      rolloutId: Number(r.id),
      taskId: r.task_id,
      resolved: r.outcome === 'resolved' && !r.masked,
      masked: r.masked,
      turns: r.turns,
      score: num(r.score),
    })),
    samples: (
      await q<{ id: string; stage: string; task_id: string; sample: number; outcome: string | null; masked: boolean }>(
        `select * from (select distinct on (stage, outcome = 'resolved') id, stage, task_id, sample, outcome, masked
           from rollouts where run_id = $1 and trajectory_path is not null order by stage, outcome = 'resolved', id) s
         order by id limit $2`,
        [maxSamples],
      )
    ).map((r) => ({
      id: Number(r.id),
      stage: r.stage,
      taskId: r.task_id,
      sample: r.sample,
      outcome: r.outcome,
      masked: r.masked,
    })),
  };
}
