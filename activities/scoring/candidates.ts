// What the verifiers read about a candidate: its rollout row, its task (from the tasks table) and its trajectory
// file. Loading is shared by dataset building (training rows) and scoring, so both render identical texts.
import { existsSync, readFileSync } from 'node:fs';
import type pg from 'pg';
import { InputError } from '../../core/errors.ts';
import type { TestRecord } from '../../core/testStatuses.ts';
import type { VerifierMessage } from '../../core/verifierPrompt.ts';
import type { RolloutStage } from '../../contracts/rollout.ts';

export interface TaskText {
  problemStatement: string;
  testPatch: string;
  failToPass: string[];
  passToPass: string[];
}

export interface CandidateRow {
  rolloutId: number;
  runId: string;
  stage: string;
  taskId: string;
  sample: number;
  outcome: string | null;
  masked: boolean;
  turns: number;
  patch: string;
  trajectoryPath: string | null;
  /** Every listed test's status from the harness (migration 011); null when nothing was executed. */
  testStatuses: TestRecord | null;
}

type Row = {
  id: string;
  run_id: string;
  stage: string;
  task_id: string;
  sample: number;
  outcome: string | null;
  masked: boolean;
  turns: number;
  patch: string | null;
  trajectory_path: string | null;
  test_statuses: TestRecord | null;
};
const COLUMNS = 'id, run_id, stage, task_id, sample, outcome, masked, turns, patch, trajectory_path, test_statuses';
const toCandidate = (r: Row): CandidateRow => ({
  rolloutId: Number(r.id),
  runId: r.run_id,
  stage: r.stage,
  taskId: r.task_id,
  sample: r.sample,
  outcome: r.outcome,
  masked: r.masked,
  turns: r.turns,
  patch: r.patch ?? '',
  trajectoryPath: r.trajectory_path,
  testStatuses: r.test_statuses,
});

/** The rows for these ids, in the order asked; an unknown id is an input error naming it. */
export async function candidatesById(pool: pg.Pool, ids: readonly number[]): Promise<CandidateRow[]> {
  const { rows } = await pool.query<Row>(`select ${COLUMNS} from rollouts where id = any($1::bigint[])`, [ids]);
  const byId = new Map(rows.map((r) => [Number(r.id), toCandidate(r)]));
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length) throw new InputError(`rolloutIds: no rollout with id ${missing.slice(0, 10).join(', ')}`);
  return ids.map((id) => byId.get(id)!);
}

/** Graded, unmasked rollouts of a run's training-side stages (never tts / eval: those are the test candidates). */
export async function trainingCandidates(
  pool: pg.Pool,
  runId: string,
  stages: readonly RolloutStage[],
): Promise<CandidateRow[]> {
  const { rows } = await pool.query<Row>(
    `select ${COLUMNS} from rollouts
      where run_id = $1 and stage = any($2) and not masked and outcome in ('resolved', 'unresolved', 'patch_failed')
      order by stage, task_id, sample, id`,
    [runId, stages],
  );
  return rows.map(toCandidate);
}

/** SWE-bench stores the test lists as JSON-encoded strings; SWE-Gym as arrays. */
function testList(v: unknown): string[] {
  const parsed = typeof v === 'string' ? (JSON.parse(v) as unknown) : v;
  return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
}

export async function taskTexts(pool: pg.Pool, taskIds: readonly string[]): Promise<Map<string, TaskText>> {
  const unique = [...new Set(taskIds)];
  const { rows } = await pool.query<{ instance_id: string; data: Record<string, unknown> }>(
    'select instance_id, data from tasks where instance_id = any($1)',
    [unique],
  );
  const out = new Map<string, TaskText>();
  for (const r of rows) {
    out.set(r.instance_id, {
      problemStatement: String(r.data.problem_statement ?? ''),
      testPatch: String(r.data.test_patch ?? ''),
      failToPass: testList(r.data.FAIL_TO_PASS),
      passToPass: testList(r.data.PASS_TO_PASS),
    });
  }
  const missing = unique.filter((t) => !out.has(t));
  if (missing.length)
    throw new InputError(
      `tasks: ${missing.slice(0, 10).join(', ')} not in the task store (run \`swe-forge tasks import\`)`,
    );
  return out;
}

/** The trajectory's messages; a missing file yields [] (the verifier still sees the issue and the diff). */
export function readMessages(path: string | null): { messages: VerifierMessage[]; found: boolean } {
  if (!path || !existsSync(path)) return { messages: [], found: false };
  const messages: VerifierMessage[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      try {
        messages.push(JSON.parse(line) as VerifierMessage);
      } catch {
        throw new InputError(`trajectory ${path} line ${i + 1} is not valid JSON`);
      }
    });
  return { messages, found: true };
}
