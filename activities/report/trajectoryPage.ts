// One rollout's viewer page from the database and its trajectory file: what the report links and what
// `swe-forge trajectory html ID` writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type pg from 'pg';
import { InputError } from '../../core/errors.ts';
import { readTrajectory } from '../trajectory/store.ts';
import { renderTrajectoryHtml, type ViewerInput } from './viewer.ts';

export async function loadViewerInput(pool: pg.Pool, rolloutId: number): Promise<ViewerInput> {
  const { rows } = await pool.query<{
    run_id: string;
    stage: string;
    task_id: string;
    sample: number;
    exit_reason: string;
    outcome: string | null;
    reward: number | null;
    masked: boolean;
    mask_reason: string | null;
    forced: boolean;
    turns: number;
    patch: string | null;
    trajectory_path: string | null;
    problem_statement: string | null;
  }>(
    `select r.run_id, r.stage, r.task_id, r.sample, r.exit_reason, r.outcome, r.reward, r.masked, r.mask_reason, r.forced,
            r.turns, r.patch, r.trajectory_path, t.data->>'problem_statement' as problem_statement
       from rollouts r left join tasks t on t.instance_id = r.task_id where r.id = $1`,
    [rolloutId],
  );
  const r = rows[0];
  if (!r) throw new InputError(`rollout id ${rolloutId}: no such rollout`);
  return {
    rolloutId,
    runId: r.run_id,
    stage: r.stage,
    taskId: r.task_id,
    sample: r.sample,
    exitReason: r.exit_reason,
    outcome: r.outcome,
    reward: r.masked ? null : r.reward,
    masked: r.masked,
    maskReason: r.mask_reason,
    forced: r.forced,
    turns: r.turns,
    patch: r.patch ?? '',
    problemStatement: r.problem_statement,
    messages: readTrajectory(r.trajectory_path, 'view'),
  };
}

export async function writeTrajectoryPage(pool: pg.Pool, rolloutId: number, outFile: string): Promise<string> {
  const html = renderTrajectoryHtml(await loadViewerInput(pool, rolloutId));
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, html);
  return outFile;
}
