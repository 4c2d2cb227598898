// Scenarios 8 and 9 (issue 17): a rollout worker is killed with SIGKILL in the middle of a 30-turn rollout whose
// model is a FAKE endpoint (it plays `echo` commands and holds the reply of one turn until the kill). Another
// rollout worker takes the rollout over within the heartbeat timeout (core/heartbeat.ts) and continues in the
// same container from the last completed turn; when the container is gone meanwhile, the rollout restarts from
// turn 0 and says so. Figures: kill -9 -> the next turn's model request from the other worker; turns redone.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rolloutHeartbeatTimeoutSec } from '../../core/heartbeat.ts';
import { bash, startFakeModel, submit, type FakeModel } from './lib/fakeModel.ts';
import { printFaultTable, scenario } from './lib/results.ts';
import { containersOfRun, faultConfig, outcome, rolloutRows } from '../../dev/faultRun.ts';
import { startFaultStack, type FaultStack } from '../../dev/faultStack.ts';
import { until } from '../../dev/wait.ts';
import type { WorkerProcess } from '../../dev/workers.ts';

const FILE = 'resume.test.ts';
const TASK = 'mini__textkit-3';
const TURNS = 30;
let stack: FaultStack;
let fake: FakeModel;

/**
 * One script per run, TURNS turns: `echo` into a log in the sandbox, then count its lines, then submit. The
 * request at `holdAt` (that many turns completed) waits for `hold`. `turn` = assistant messages in the request.
 */
function longScript(holdAt: number) {
  const seen: { turn: number; at: number }[] = [];
  let release: () => void = () => undefined;
  const hold = new Promise<void>((r) => (release = r));
  let held = false;
  const play = async ({ turn }: { turn: number }) => {
    seen.push({ turn, at: Date.now() });
    if (turn === holdAt && !held) {
      held = true;
      await hold;
    }
    if (turn === TURNS - 2) return bash('wc -l < /tmp/turns.log');
    if (turn === TURNS - 1) return submit();
    return bash(`echo turn-${turn} >> /tmp/turns.log`);
  };
  return { seen, release: () => release(), play };
}
const scripts = { resume: longScript(20), gone: longScript(5), term: longScript(10) };

beforeAll(async () => {
  stack = await startFaultStack('resume');
  await stack.importTasks();
  fake = await startFakeModel({ resume: scripts.resume.play, gone: scripts.gone.play, term: scripts.term.play });
  await stack.startWorker('orchestrator');
}, 600_000);
afterAll(async () => {
  scripts.resume.release();
  scripts.gone.release();
  scripts.term.release();
  await stack?.stop();
  await fake?.close();
  printFaultTable();
});

const config = (name: string, script: string) =>
  faultConfig(name, ['distill'], {
    tasks: { train: [TASK] },
    agent: { maxTurns: TURNS + 5, wallTimeSec: 900 },
    models: {
      teachers: [{ name: 'fake-teacher', kind: 'openai', baseUrl: fake.baseUrl(script), maxTokens: 64 }],
    },
    stages: { distill: { samplesPerTask: 1 } },
  });

/** Model requests per turn index beyond the first: the turns done twice. */
const redone = (seen: { turn: number }[]) => seen.length - new Set(seen.map((s) => s.turn)).size;

async function lease(run: string) {
  const { rows } = await stack.base.pool!.query(
    'select attempt, container_id, resumes, resumed_from_turn, restarts, note, finished_at from rollout_leases where run_id = $1',
    [run],
  );
  return rows[0] as {
    attempt: number;
    container_id: string;
    resumes: number;
    resumed_from_turn: number | null;
    restarts: number;
    note: string | null;
    finished_at: Date | null;
  };
}

/** Runs to the held turn on `holder`, starts a second worker, kills the holder; `meanwhile` runs while it is dead. */
async function killMidRollout(
  run: string,
  script: keyof typeof scripts,
  holder: WorkerProcess,
  meanwhile = async () => {},
  how: 'kill9' | 'stop' = 'kill9',
) {
  const s = scripts[script];
  const handle = await stack.startRun(run, config(run, script));
  const holdAt = { resume: 20, gone: 5, term: 10 }[script];
  await until(
    `the rollout at turn ${holdAt}`,
    () => (s.seen.some((x) => x.turn === holdAt) ? true : undefined),
    300_000,
  );
  const container = (await containersOfRun(stack.docker, run)).find((c) => c.State === 'running');
  const other = await stack.startWorker('rollout');
  const killedAt = Date.now();
  await (how === 'kill9' ? holder.kill9() : holder.stop());
  await meanwhile();
  s.release();
  const next = await until('the next turn on the other worker', () => s.seen.find((x) => x.at > killedAt), 180_000, 50);
  const done = await outcome(handle);
  return { done, other, container, failoverSec: (next.at - killedAt) / 1000 };
}

let survivor: WorkerProcess | undefined;

it(
  'resumes a 30-turn rollout killed at turn 20 in the same sandbox, on another worker within 30 s',
  { timeout: 600_000 },
  async () => {
    await scenario(
      '8. kill -9 the rollout worker at turn 20 of 30 (failover, mid-episode resume)',
      `another worker runs the next turn within 30 s (heartbeat timeout ${rolloutHeartbeatTimeoutSec(4)} s); it continues in the same container from the last completed turn: at most 1 turn redone; one row`,
      FILE,
      async ({ saw }) => {
        const RUN = 'faults-resume';
        const first = await stack.startWorker('rollout');
        const r = await killMidRollout(RUN, 'resume', first);
        survivor = r.other;
        expect(r.done, JSON.stringify(r.done)).toMatchObject({ ok: true });
        const rows = await rolloutRows(stack.base.pool!, RUN, 'distill');
        const l = await lease(RUN);
        const traj = readFileSync(rows[0]!.trajectory_path!, 'utf8')
          .trim()
          .split('\n')
          .map((x) => JSON.parse(x) as { role: string; content: string });
        const tools = traj.filter((m) => m.role === 'tool');
        const count = tools.at(-2)?.content.trim();
        saw(
          `kill -9 at turn 20 -> next turn on the other worker after ${r.failoverSec.toFixed(1)} s; ${redone(scripts.resume.seen)} turn(s) redone; ` +
            `lease: attempt ${l.attempt}, ${l.note}; same container ${l.container_id === r.container?.Id}; ` +
            `row: ${rows.length} row, exit ${rows[0]?.exit_reason}, turns ${(rows[0] as { turns?: number }).turns}, attempt ${rows[0]?.attempt}; the sandbox's log holds ${count} echo lines (${TURNS - 2} = none lost, none run twice)`,
        );
        expect(r.failoverSec).toBeLessThan(30);
        expect(redone(scripts.resume.seen)).toBeLessThanOrEqual(1);
        expect(l).toMatchObject({ attempt: 2, resumes: 1, resumed_from_turn: 20, restarts: 0 });
        expect(l.container_id).toBe(r.container?.Id);
        expect(l.finished_at).not.toBeNull();
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ exit_reason: 'submitted', attempt: 2, masked: false });
        expect(traj.filter((m) => m.role === 'assistant')).toHaveLength(TURNS);
        expect(count).toBe(String(TURNS - 2));
        expect(await containersOfRun(stack.docker, RUN)).toEqual([]);
      },
    );
  },
);

it('restarts cleanly from turn 0, and says so, when the sandbox is gone', { timeout: 600_000 }, async () => {
  await scenario(
    '9. kill -9 the rollout worker and remove its container (sandbox gone)',
    'the retry restarts the rollout from turn 0 in a new container and records why; one row',
    FILE,
    async ({ saw }) => {
      const RUN = 'faults-resume-gone';
      const holder = survivor ?? (await stack.startWorker('rollout'));
      const r = await killMidRollout(RUN, 'gone', holder, async () => {
        for (const c of await containersOfRun(stack.docker, RUN))
          await stack.docker.getContainer(c.Id).remove({ force: true });
      });
      survivor = r.other;
      expect(r.done, JSON.stringify(r.done)).toMatchObject({ ok: true });
      const rows = await rolloutRows(stack.base.pool!, RUN, 'distill');
      const l = await lease(RUN);
      saw(
        `lease: attempt ${l.attempt}, restarts ${l.restarts}, note "${l.note}"; ${redone(scripts.gone.seen)} turn(s) redone; ${rows.length} row, exit ${rows[0]?.exit_reason}`,
      );
      expect(l).toMatchObject({ attempt: 2, restarts: 1, resumes: 0 });
      expect(l.note).toMatch(/is gone: restarted from turn 0/);
      expect(l.container_id).not.toBe(r.container?.Id);
      expect(redone(scripts.gone.seen)).toBe(6);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ exit_reason: 'submitted', attempt: 2 });
    },
  );
});

it('resumes in the same sandbox after a graceful stop (SIGTERM) of the worker', { timeout: 600_000 }, async () => {
  await scenario(
    '8b. SIGTERM the rollout worker at turn 10 (graceful stop, as `swe-forge down` does)',
    'the stopping worker leaves the sandbox (WORKER_SHUTDOWN); the retry resumes in it from turn 10: at most 1 turn redone; one row',
    FILE,
    async ({ saw }) => {
      const RUN = 'faults-resume-term';
      const holder = survivor ?? (await stack.startWorker('rollout'));
      const r = await killMidRollout(RUN, 'term', holder, undefined, 'stop');
      expect(r.done, JSON.stringify(r.done)).toMatchObject({ ok: true });
      const rows = await rolloutRows(stack.base.pool!, RUN, 'distill');
      const l = await lease(RUN);
      saw(
        `SIGTERM at turn 10 -> next turn after ${r.failoverSec.toFixed(1)} s; ${redone(scripts.term.seen)} turn(s) redone; lease: attempt ${l.attempt}, ${l.note}; same container ${l.container_id === r.container?.Id}; ${rows.length} row, exit ${rows[0]?.exit_reason}`,
      );
      expect(l).toMatchObject({ attempt: 2, resumes: 1, resumed_from_turn: 10, restarts: 0 });
      expect(l.container_id).toBe(r.container?.Id);
      expect(redone(scripts.term.seen)).toBeLessThanOrEqual(1);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ exit_reason: 'submitted', attempt: 2 });
    },
  );
});
