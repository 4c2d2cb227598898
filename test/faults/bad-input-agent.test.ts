// Scenario 6, part 2: bad input reaching the rollout activity (runRollout, as a rollout worker runs it, on real
// Docker and Postgres) from a FAKE model endpoint that misbehaves on purpose: a fork bomb, invalid tool-call
// JSON, an unknown tool, an empty reply, a 1 MB reply, 500s that stop, an endpoint that is down, and an unknown
// task. Model mistakes cost a turn, never the rollout; an endpoint that stays down ends as model_error, masked as
// policy_unavailable, on the last attempt; bad ids fail at once.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities/deps.ts';
import { AgentSchema, SandboxSchema } from '../../config/schema.ts';
import { connectDocker } from '../../infra/docker.ts';
import { freePort } from '../../infra/net.ts';
import { loadSettings } from '../../infra/settings.ts';
import { removeRunContainers } from '../../dev/dockerCleanup.ts';
import { startTestStack, type TestStack } from '../../dev/stack.ts';
import { observations, rolloutDriver, text, trajectory, type RolloutDriver } from './lib/agent.ts';
import { bash, call, startFakeModel, submit, type FakeModel } from './lib/fakeModel.ts';
import { printFaultTable, scenario } from './lib/results.ts';
import { containersOfRun, rolloutRows } from '../../dev/faultRun.ts';
import { MINI_TASKS } from '../../dev/faultStack.ts';
import { prepareImport } from '../../activities/tasks/importFile.ts';
import { createTaskStore } from '../../activities/tasks/store.ts';

const FILE = 'bad-input-agent.test.ts';
const RUN = 'faults-bad-input-agent';
const FORK_BOMB = ':(){ :|:& };:';
const agent = AgentSchema.parse({ maxTurns: 6, commandTimeoutSec: 5, wallTimeSec: 120 });
const sandbox = SandboxSchema.parse({ memoryMb: 512, pidsLimit: 128, testTimeoutSec: 60 });
let stack: TestStack;
let deps: ActivityDeps;
let fake: FakeModel;
let input: RolloutDriver['input'];
let rollout: RolloutDriver['rollout'];

beforeAll(async () => {
  stack = await startTestStack({ temporal: false, prefix: 'faults-bad-input-agent' });
  await createTaskStore(stack.pool!).importRows((await prepareImport(MINI_TASKS)).rows);
  deps = {
    pool: stack.pool!,
    settings: { ...loadSettings(), artifactsDir: join(stack.dir, 'artifacts') },
    docker: await connectDocker(),
  };
  ({ input, rollout } = rolloutDriver({ deps, runId: RUN, agent, sandbox }));
  fake = await startFakeModel({
    forkbomb: ({ turn }) =>
      [bash(FORK_BOMB), bash('echo alive; ps -e --no-headers | wc -l'), submit()][turn] ?? submit(),
    badjson: ({ turn }) => (turn === 0 ? call('bash', '{"command": "ls') : submit()),
    unknowntool: ({ turn }) => (turn === 0 ? call('teleport', { to: '/etc' }) : submit()),
    empty: ({ turn }) => (turn === 0 ? { content: '' } : submit()),
    huge: ({ turn }) => (turn === 0 ? { content: 'x'.repeat(1 << 20) } : submit()),
    flaky: ({ n }) => (n <= 2 ? { status: 500, content: 'fake outage' } : submit()),
  });
}, 600_000);
afterAll(async () => {
  await fake?.close();
  if (deps?.docker) await removeRunContainers(deps.docker, RUN);
  const pgDir = stack?.pg?.dataDir;
  await stack?.stop();
  if (pgDir) rmSync(pgDir, { recursive: true, force: true });
  printFaultTable();
});

const row = async (sample: number) => (await rolloutRows(stack.pool!, RUN, 'distill')).find((r) => r.sample === sample);

it(
  'a fork bomb in an agent command: killed with its group; the container answers the next command',
  { timeout: 180_000 },
  async () => {
    await scenario(
      '6.6 fork bomb in an agent command',
      'its process group is SIGKILLed when the command returns (pid limit and timeout as backstops); the next command runs among few processes; rollout completes, not masked',
      FILE,
      async ({ saw }) => {
        const s = await rollout(input(fake.baseUrl('forkbomb'), 1));
        const obs = observations(s);
        saw(
          `exit ${s.exitReason}, masked ${s.masked}; bomb observation "${text(obs[0]).slice(0, 70)}"; next: "${text(obs[1]).replace(/\s+/g, ' ').slice(0, 40)}"`,
        );
        expect(s).toMatchObject({ exitReason: 'submitted', masked: false, reward: 0 });
        expect(text(obs[1])).toMatch(/alive/);
        const procs = Number(text(obs[1]).match(/alive\s+(\d+)/)?.[1]);
        expect(procs).toBeLessThan(20);
      },
    );
  },
);

it(
  'invalid tool-call JSON: an error observation, a format error, the rollout goes on',
  { timeout: 180_000 },
  async () => {
    await scenario(
      '6.7 invalid tool-call JSON',
      'an Error observation costs the turn; format_errors counted; the rollout completes',
      FILE,
      async ({ saw }) => {
        const s = await rollout(input(fake.baseUrl('badjson'), 2));
        const r = await row(2);
        saw(`exit ${s.exitReason}; format_errors ${r?.format_errors}; "${text(observations(s)[0]).slice(0, 80)}"`);
        expect(s.exitReason).toBe('submitted');
        expect(r?.format_errors).toBeGreaterThanOrEqual(1);
        expect(text(observations(s)[0])).toMatch(/^Error.*JSON/i);
      },
    );
  },
);

it('an unknown tool: an error observation naming it', { timeout: 180_000 }, async () => {
  await scenario(
    '6.8 unknown tool',
    'an Error observation naming the tool; format_errors counted; the rollout completes',
    FILE,
    async ({ saw }) => {
      const s = await rollout(input(fake.baseUrl('unknowntool'), 3));
      const r = await row(3);
      saw(`exit ${s.exitReason}; format_errors ${r?.format_errors}; "${text(observations(s)[0]).slice(0, 80)}"`);
      expect(s.exitReason).toBe('submitted');
      expect(r?.format_errors).toBeGreaterThanOrEqual(1);
      expect(text(observations(s)[0])).toMatch(/teleport/);
    },
  );
});

it('an empty model reply: a format reminder, the rollout goes on', { timeout: 180_000 }, async () => {
  await scenario(
    '6.9 empty model reply',
    'a reminder of the tool format comes back; format_errors counted; the rollout completes',
    FILE,
    async ({ saw }) => {
      const s = await rollout(input(fake.baseUrl('empty'), 4));
      const r = await row(4);
      saw(`exit ${s.exitReason}; format_errors ${r?.format_errors}; "${text(observations(s)[0]).slice(0, 80)}"`);
      expect(s.exitReason).toBe('submitted');
      expect(r?.format_errors).toBeGreaterThanOrEqual(1);
      expect(observations(s)[0]?.meta?.error).toBeTruthy();
    },
  );
});

it('a 1 MB model reply: kept, and the run ends at the context limit', { timeout: 180_000 }, async () => {
  await scenario(
    '6.10 1 MB model reply',
    'kept in the trajectory; the next turn ends the run at the context limit (forced submission, scored 0 here)',
    FILE,
    async ({ saw }) => {
      const s = await rollout(input(fake.baseUrl('huge'), 5));
      const longest = Math.max(...trajectory(s).map((m) => text(m).length));
      saw(`exit ${s.exitReason}, forced ${s.forced}, reward ${s.reward}; longest message ${longest} chars`);
      expect(s).toMatchObject({ exitReason: 'context_limit', forced: true, reward: 0, masked: false });
      expect(longest).toBeGreaterThanOrEqual(1 << 20);
    },
  );
});

it(
  'a model endpoint that answers 500 then recovers: retried by the client, the rollout completes',
  { timeout: 180_000 },
  async () => {
    await scenario(
      '6.11 model endpoint answers 500, then recovers',
      'the client retries with backoff; the rollout completes normally on attempt 1',
      FILE,
      async ({ saw }) => {
        const s = await rollout(input(fake.baseUrl('flaky'), 6));
        const n = fake.requests.filter((r) => r.script === 'flaky').length;
        saw(`exit ${s.exitReason} after ${n} requests (2 answered 500)`);
        expect(s).toMatchObject({ exitReason: 'submitted', masked: false });
        expect(n).toBe(3);
      },
    );
  },
);

it(
  'a model endpoint that is down: retryable, then model_error masked as policy_unavailable on the last attempt',
  { timeout: 180_000 },
  async () => {
    await scenario(
      '6.12 model endpoint down',
      'attempt 1 fails retryably (ModelUnavailable, no row); the last attempt ends as model_error, masked policy_unavailable',
      FILE,
      async ({ saw }) => {
        const down = `http://127.0.0.1:${await freePort()}/v1`;
        const first = await rollout(input(down, 7), 1, 1).catch((e: unknown) => e);
        expect(first).toBeInstanceOf(ApplicationFailure);
        expect(first).toMatchObject({ type: 'ModelUnavailable', nonRetryable: false });
        expect(await row(7)).toBeUndefined();
        const last = await rollout(input(down, 7), sandbox.infraMaxAttempts, 1);
        saw(
          `attempt 1: ${(first as ApplicationFailure).type} (retryable); attempt ${sandbox.infraMaxAttempts}: ${last.exitReason}, reward ${last.reward}, masked ${last.masked}`,
        );
        expect(last).toMatchObject({ exitReason: 'model_error', reward: null, masked: true });
        expect(last).toMatchObject({ maskReason: expect.stringMatching(/^policy_unavailable: /) });
        expect((await row(7))?.error).toMatch(/unreachable/);
      },
    );
  },
);

it('an unknown task id: fails at once, not retried', { timeout: 60_000 }, async () => {
  await scenario(
    '6.13 unknown task id',
    'non-retryable InputError that says how to import tasks; no row, no container',
    FILE,
    async ({ saw }) => {
      const err = await rollout(input(fake.baseUrl('empty'), 8, 'mini__nope-1')).catch((e: unknown) => e);
      saw(
        `${(err as ApplicationFailure).type} (nonRetryable ${(err as ApplicationFailure).nonRetryable}): ${(err as Error).message.slice(0, 80)}`,
      );
      expect(err).toMatchObject({ type: 'InputError', nonRetryable: true });
      expect((err as Error).message).toMatch(/tasks import/);
      expect(await row(8)).toBeUndefined();
      // Every rollout of this file is over: none may have left its container behind.
      expect(await containersOfRun(deps.docker!, RUN)).toEqual([]);
    },
  );
});
