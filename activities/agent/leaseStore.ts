// In-flight rollouts in Postgres (migration 013): the lease (attempt, container, last completed turn, loop
// counters) and the messages of the completed turns. Every write is fenced by the attempt: once a retry has
// claimed the lease, a late write of an older attempt (a worker that only looked dead) changes nothing.
import { SweForgeError } from '../../core/errors.ts';
import type pg from 'pg';
import type { TrajectoryMessage } from '../../contracts/rollout.ts';
import type { TrajectoryKey } from '../trajectory/store.ts';

export interface LoopState {
  formatErrors: number;
  historyAttempts: number;
  loopCount: number;
  promptTokens: number;
  completionTokens: number;
  contextTokens: number;
}

export interface Lease {
  attempt: number;
  containerId: string | null;
  turn: number;
  state: Partial<LoopState>;
  startedAt: Date;
  finishedAt: Date | null;
  beatAt: Date;
}

/** This attempt no longer owns the rollout: a later attempt took it over. */
export class LeaseLostError extends SweForgeError {}

const KEY_WHERE = 'run_id = $1 and stage = $2 and task_id = $3 and sample = $4';
const keyValues = (k: TrajectoryKey) => [k.runId, k.stage, k.taskId, k.sample];

interface LeaseRow {
  attempt: number;
  container_id: string | null;
  turn: number;
  state: Partial<LoopState>;
  started_at: Date;
  finished_at: Date | null;
  beat_at: Date;
}
const toLease = (r: LeaseRow): Lease => ({
  attempt: r.attempt,
  containerId: r.container_id,
  turn: r.turn,
  state: r.state ?? {},
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  beatAt: r.beat_at,
});

/**
 * Takes the lease for `attempt` and returns what the previous holder left (undefined for a first start). Refused
 * (LeaseLostError) when a later attempt already holds it.
 */
export async function claimLease(pool: pg.Pool, k: TrajectoryKey, attempt: number): Promise<Lease | undefined> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const { rows } = await client.query<LeaseRow>(`select * from rollout_leases where ${KEY_WHERE} for update`, [
      ...keyValues(k),
    ]);
    const prev = rows[0] ? toLease(rows[0]) : undefined;
    if (prev && prev.attempt > attempt) throw new LeaseLostError(`attempt ${prev.attempt} holds the rollout`);
    await client.query(
      `insert into rollout_leases (run_id, stage, task_id, sample, attempt) values ($1, $2, $3, $4, $5)
       on conflict (run_id, stage, task_id, sample) do update set attempt = excluded.attempt, beat_at = now()`,
      [...keyValues(k), attempt],
    );
    await client.query('commit');
    return prev;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** A fresh start (first attempt, or the sandbox was gone): new container, no turns, clock restarted. */
export async function startFresh(
  pool: pg.Pool,
  k: TrajectoryKey,
  attempt: number,
  containerId: string,
  note?: string,
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const r = await client.query(
      `update rollout_leases set container_id = $6, turn = 0, state = '{}', started_at = now(), beat_at = now(),
         finished_at = null, note = coalesce($7, note), restarts = restarts + (case when $7::text is null then 0 else 1 end)
       where ${KEY_WHERE} and attempt = $5`,
      [...keyValues(k), attempt, containerId, note ?? null],
    );
    if (r.rowCount === 0) throw new LeaseLostError(`attempt ${attempt} lost the rollout before it started`);
    await client.query(`delete from rollout_turn_log where ${KEY_WHERE}`, keyValues(k));
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export async function noteResume(pool: pg.Pool, k: TrajectoryKey, attempt: number, fromTurn: number, note: string) {
  await pool.query(
    `update rollout_leases set resumes = resumes + 1, resumed_from_turn = $6, note = $7, beat_at = now()
     where ${KEY_WHERE} and attempt = $5`,
    [...keyValues(k), attempt, fromTurn, note],
  );
}

/** The completed turns' messages, in order. */
export async function loadTurnLog(pool: pg.Pool, k: TrajectoryKey): Promise<TrajectoryMessage[]> {
  const { rows } = await pool.query<{ message: TrajectoryMessage }>(
    `select message from rollout_turn_log where ${KEY_WHERE} order by seq`,
    keyValues(k),
  );
  return rows.map((r) => r.message);
}

/**
 * Records turns up to `turn` as completed: `messages` are the trajectory's messages from index `fromSeq` on.
 * Throws LeaseLostError when another attempt owns the rollout now.
 */
export async function checkpointTurns(
  pool: pg.Pool,
  k: TrajectoryKey,
  attempt: number,
  o: { fromSeq: number; messages: TrajectoryMessage[]; turn: number; state: LoopState },
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const r = await client.query(
      `update rollout_leases set turn = $6, state = $7, beat_at = now() where ${KEY_WHERE} and attempt = $5`,
      [...keyValues(k), attempt, o.turn, JSON.stringify(o.state)],
    );
    if (r.rowCount === 0) throw new LeaseLostError(`attempt ${attempt} no longer owns the rollout`);
    for (let i = 0; i < o.messages.length; i++) {
      // Postgres jsonb cannot hold NUL: the same scrub the rollout row applies.
      const json = JSON.stringify(o.messages[i]).replace(/\\u0000/g, '');
      await client.query(
        `insert into rollout_turn_log (run_id, stage, task_id, sample, seq, message) values ($1, $2, $3, $4, $5, $6)
         on conflict (run_id, stage, task_id, sample, seq) do update set message = excluded.message`,
        [...keyValues(k), o.fromSeq + i, json],
      );
    }
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Keeps the lease live for the reaper (fenced like every write); false when another attempt owns it. */
export async function beatLease(pool: pg.Pool, k: TrajectoryKey, attempt: number): Promise<boolean> {
  const r = await pool.query(`update rollout_leases set beat_at = now() where ${KEY_WHERE} and attempt = $5`, [
    ...keyValues(k),
    attempt,
  ]);
  return (r.rowCount ?? 0) > 0;
}

/** Whether `attempt` still owns the rollout (a superseded attempt must not remove the container). */
export async function ownsLease(pool: pg.Pool, k: TrajectoryKey, attempt: number): Promise<boolean> {
  const { rows } = await pool.query<{ attempt: number }>(`select attempt from rollout_leases where ${KEY_WHERE}`, [
    ...keyValues(k),
  ]);
  return !rows[0] || rows[0].attempt <= attempt;
}

/** The rollout is over: the trajectory file holds the turns now. */
export async function finishLease(pool: pg.Pool, k: TrajectoryKey, attempt: number): Promise<void> {
  const r = await pool.query(
    `update rollout_leases set finished_at = now(), beat_at = now() where ${KEY_WHERE} and attempt = $5`,
    [...keyValues(k), attempt],
  );
  if (r.rowCount) await pool.query(`delete from rollout_turn_log where ${KEY_WHERE}`, keyValues(k));
}

/** Containers of rollouts that beat within `withinSec` and have not finished: the reaper must leave them. */
export async function liveContainers(pool: pg.Pool, withinSec: number): Promise<Set<string>> {
  const { rows } = await pool.query<{ container_id: string }>(
    `select container_id from rollout_leases
     where finished_at is null and container_id is not null and beat_at > now() - make_interval(secs => $1)`,
    [withinSec],
  );
  return new Set(rows.map((r) => r.container_id));
}
