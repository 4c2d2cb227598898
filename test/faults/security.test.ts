// Scenario 7: what a rollout container lets an agent do, checked inside the live container of a real run (held
// open by a FAKE model endpoint at its third turn): no network (no interface but lo, no route out), no commit
// after base_commit, the pid and memory limits in force. And the model API key, passed to the rollout worker by
// environment (apiKeyEnv), reaches the endpoint but appears in no workflow history of the run.
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { historyText, laterCommits, sh, temporalJson } from './lib/inspect.ts';
import { bash, startFakeModel, submit, type FakeModel } from './lib/fakeModel.ts';
import { printFaultTable, scenario } from './lib/results.ts';
import { containersOfRun, faultConfig, outcome, rolloutRows } from '../../dev/faultRun.ts';
import { startFaultStack, type FaultStack } from '../../dev/faultStack.ts';
import { until } from '../../dev/wait.ts';

const FILE = 'security.test.ts';
const RUN = 'faults-security';
const TASK = 'mini__textkit-3';
const KEY_ENV = 'SWE_FORGE_FAULTS_API_KEY';
const KEY = `sk-faults-${process.pid}-${Date.now().toString(36)}-do-not-log`;
const SOCKET = `python3 -c "import socket; socket.create_connection(('1.1.1.1', 53), 2)"`;
let stack: FaultStack;
let fake: FakeModel;
let release: () => void = () => undefined;
const held = new Promise<void>((r) => (release = r));

beforeAll(async () => {
  stack = await startFaultStack('security');
  await stack.importTasks();
  fake = await startFakeModel({
    agent: async ({ turn }) => {
      if (turn === 0) return bash(SOCKET);
      if (turn === 1) return bash('ls /sys/class/net');
      await held; // the test inspects the container now
      return submit();
    },
  });
}, 600_000);
afterAll(async () => {
  release();
  await stack?.stop();
  await fake?.close();
  printFaultTable();
});

it(
  'isolates the rollout container and keeps the API key out of every workflow history',
  { timeout: 600_000 },
  async () => {
    await scenario(
      '7. security: network, history, limits, API key',
      'no interface but lo and no route out; no commit after base_commit readable; pid and memory limits in the cgroup; the API key reaches the endpoint but no workflow history',
      FILE,
      async ({ saw }) => {
        await stack.startWorker('orchestrator');
        await stack.startWorker('rollout', { [KEY_ENV]: KEY });
        const config = faultConfig('security', ['distill'], {
          tasks: { train: [TASK] },
          models: {
            teachers: [
              {
                name: 'fake-teacher',
                kind: 'openai',
                baseUrl: fake.baseUrl('agent'),
                apiKeyEnv: KEY_ENV,
                toolFormat: 'native',
                maxTokens: 64,
              },
            ],
          },
          stages: { distill: { samplesPerTask: 1 } },
        });
        const handle = await stack.startRun(RUN, config);
        await until(
          'the rollout at its third turn',
          () => (fake.requests.some((r) => r.turn === 2) ? true : undefined),
          300_000,
        );
        const info = await until(
          'the rollout container',
          async () => (await containersOfRun(stack.docker, RUN)).find((c) => c.State === 'running'),
          30_000,
        );
        const c = stack.docker.getContainer(info.Id);
        const { HostConfig } = await c.inspect();

        const socket = await sh(c, SOCKET);
        const ifaces = await sh(c, 'ls /sys/class/net');
        const agentSaw =
          fake.requests
            .find((r) => r.turn === 1)
            ?.messages.filter((m) => m.role === 'tool')
            .at(-1)?.content ?? '';
        saw(
          `network: mode ${HostConfig.NetworkMode}, interfaces [${ifaces.out.split(/\s+/).join(', ')}], connect exit ${socket.code} (${socket.out.split('\n').at(-1)})`,
        );
        expect(HostConfig.NetworkMode).toBe('none');
        expect(ifaces.out.split(/\s+/)).toEqual(['lo']);
        expect(socket.code).not.toBe(0);
        expect(socket.out).toMatch(/unreachable|OSError|Errno/i);
        expect(agentSaw).toMatch(/unreachable|OSError|Errno/i);

        const task = (await stack.base.pool!.query('select data from tasks where instance_id = $1', [TASK])).rows[0]
          .data as { base_commit: string };
        const later = laterCommits(resolve('tasks/mini/repos/textkit.bundle'), task.base_commit);
        const visible = (await sh(c, 'git log --all --format=%H')).out.split('\n');
        const readable: string[] = [];
        for (const h of later) if ((await sh(c, `git cat-file -e ${h}`)).code === 0) readable.push(h);
        saw(
          `history: git log --all shows ${visible.length} commit(s), newest base_commit; ${later.length} later commits (fixes included), ${readable.length} readable`,
        );
        expect(later.length).toBeGreaterThan(0);
        expect(visible[0]).toBe(task.base_commit);
        expect(visible.filter((h) => later.includes(h))).toEqual([]);
        expect(readable).toEqual([]);

        const pids = await sh(c, 'cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max');
        const mem = await sh(
          c,
          'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes',
        );
        saw(
          `limits: pids.max ${pids.out}, memory ${Number(mem.out) / 2 ** 20} MiB (config ${config.sandbox.pidsLimit}, ${config.sandbox.memoryMb} MiB)`,
        );
        expect(Number(pids.out)).toBe(config.sandbox.pidsLimit);
        expect(Number(mem.out)).toBe(config.sandbox.memoryMb * 2 ** 20);
        expect(HostConfig).toMatchObject({
          PidsLimit: config.sandbox.pidsLimit,
          Memory: config.sandbox.memoryMb * 2 ** 20,
        });

        release();
        const done = await outcome(handle);
        expect(done, JSON.stringify(done)).toMatchObject({ ok: true });
        expect(await rolloutRows(stack.base.pool!, RUN, 'distill')).toHaveLength(1);
        const auth = new Set(fake.requests.map((r) => r.authorization));
        expect([...auth]).toEqual([`Bearer ${KEY}`]);
        const list = temporalJson(stack.base.temporal!.address, [
          'workflow',
          'list',
          '--query',
          `WorkflowId STARTS_WITH "run-${RUN}"`,
        ]) as {
          execution: { workflowId: string; runId: string };
        }[];
        let namesKey = 0;
        const leaks: string[] = [];
        for (const { execution } of list) {
          const history = historyText(
            temporalJson(stack.base.temporal!.address, [
              'workflow',
              'show',
              '-w',
              execution.workflowId,
              '-r',
              execution.runId,
            ]),
          );
          if (history.includes(KEY)) leaks.push(execution.workflowId);
          if (history.includes(KEY_ENV)) namesKey++;
        }
        saw(
          `API key: sent to the endpoint as Bearer; ${list.length} workflow histories scanned, ${leaks.length} contain it (${namesKey} carry only its variable name)`,
        );
        expect(list.length).toBeGreaterThanOrEqual(2);
        expect(namesKey).toBeGreaterThan(0);
        expect(leaks).toEqual([]);
      },
    );
  },
);
