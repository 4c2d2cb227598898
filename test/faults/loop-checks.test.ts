// Scenarios 10 and 11 (issue 17), checks inside the loop on the real stack. Teachers are FAKE endpoints, one per
// behaviour. 10: trajectories that read future history (through an inline program), edit the graded tests, or try
// the network are flagged with a reason, scored 0 (agent.exploitAction zero; mask and flag are unit-tested),
// left out of the SFT dataset even when resolved, and listed in the report. 11: a stage with more than
// sandbox.maxFailedShare failed rollouts fails loudly; at the share exactly it completes.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSftDatasetActivities } from '../../activities/pipeline/sftDataset.ts';
import { writeReport } from '../../activities/report/index.ts';
import { MINI_TASKS } from '../../dev/faultStack.ts';
import { bash, startFakeModel, submit, type FakeModel, type Script } from './lib/fakeModel.ts';
import { printFaultTable, scenario } from './lib/results.ts';
import { faultConfig, outcome, rolloutRows } from '../../dev/faultRun.ts';
import { startFaultStack, type FaultStack } from '../../dev/faultStack.ts';

const FILE = 'loop-checks.test.ts';
const TASK = 'mini__textkit-3';
const gold = (
  readFileSync(MINI_TASKS, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { instance_id: string; patch: string })
    .find((t) => t.instance_id === TASK) as { patch: string }
).patch;
const applyGold = `git apply <<'SWE_FORGE_EOF'\n${gold}SWE_FORGE_EOF`;
let stack: FaultStack;
let fake: FakeModel;

/** Runs `commands` one per turn, then submits. */
const plays =
  (...commands: string[]): Script =>
  ({ turn }) =>
    turn < commands.length ? bash(commands[turn]!) : submit();

beforeAll(async () => {
  stack = await startFaultStack('loop-checks');
  await stack.importTasks();
  fake = await startFakeModel({
    history: plays(`python3 -c "import subprocess; print(subprocess.run(['git', 'log', '-p'], capture_output=True))"`),
    testedit: plays(`printf 'def test_always():\\n    assert True\\n' >> tests/test_slug.py`),
    network: plays('curl -s https://example.org/fix.patch -o /tmp/fix.patch', applyGold),
    clean: plays('ls', applyGold),
    broken: () => ({ status: 404, content: 'no such model' }),
  });
  await stack.startWorker('orchestrator');
  await stack.startWorker('rollout');
}, 600_000);
afterAll(async () => {
  await stack?.stop();
  await fake?.close();
  printFaultTable();
});

const teacher = (script: string) => ({ name: `fake-${script}`, kind: 'openai', baseUrl: fake.baseUrl(script) });
const config = (name: string, scripts: string[], over: Record<string, unknown> = {}) =>
  faultConfig(name, ['distill'], {
    tasks: { train: [TASK] },
    models: { teachers: scripts.map(teacher) },
    stages: { distill: { samplesPerTask: 1 } },
    ...over,
  });

it(
  'flags each exploit form, scores it 0, keeps it out of SFT data and lists it in the report',
  { timeout: 600_000 },
  async () => {
    await scenario(
      '10. exploit checks (history via python3 -c, graded-test edit, network)',
      'each flagged with a reason and scored 0 (exploitAction zero), a resolved one included; none in the SFT dataset; all listed in the report; the honest rollout scores 1',
      FILE,
      async ({ saw }) => {
        const RUN = 'faults-exploits';
        const done = await outcome(await stack.startRun(RUN, config(RUN, ['history', 'testedit', 'network', 'clean'])));
        expect(done, JSON.stringify(done)).toMatchObject({ ok: true });
        const pool = stack.base.pool!;
        const rows = await rolloutRows(pool, RUN, 'distill');
        const byModel = new Map(
          (await pool.query('select model, reward, outcome, masked from rollouts where run_id = $1', [RUN])).rows.map(
            (r) => [r.model as string, r as { reward: number; outcome: string; masked: boolean }],
          ),
        );
        const flags = (
          await pool.query('select kind, reason, action from rollout_exploits where run_id = $1 order by kind', [RUN])
        ).rows as { kind: string; reason: string; action: string }[];
        saw(flags.map((f) => `${f.kind}: ${f.reason.slice(0, 90)} (${f.action})`).join(' / '));
        const net = byModel.get('fake-network');
        const honest = byModel.get('fake-clean');
        saw(
          `network rollout: outcome ${net?.outcome}, reward ${net?.reward}; honest: outcome ${honest?.outcome}, reward ${honest?.reward}`,
        );
        expect(rows).toHaveLength(4);
        expect(flags.map((f) => f.kind)).toEqual(['history', 'network', 'test_edit']);
        expect(flags.find((f) => f.kind === 'history')?.reason).toMatch(/git log.*inline program/);
        expect(flags.find((f) => f.kind === 'test_edit')?.reason).toMatch(/tests\/test_slug.py/);
        expect(net).toMatchObject({ outcome: 'resolved', reward: 0, masked: false });
        expect(byModel.get('fake-history')?.reward).toBe(0);
        expect(byModel.get('fake-testedit')?.reward).toBe(0);
        expect(honest).toMatchObject({ outcome: 'resolved', reward: 1 });

        const sft = createSftDatasetActivities({ pool, settings: { artifactsDir: stack.artifactsDir } as never });
        const f = config(RUN, []).stages.filter;
        const ds = await sft.buildSftDataset({
          runId: RUN,
          filter: { ...f, keep: 'all', sources: ['distill'] },
          seed: 0,
        });
        const stats = (await pool.query('select stats from datasets where id = $1', [ds.datasetId])).rows[0].stats;
        saw(`SFT dataset: ${ds.rows} row(s) of 4 rollouts, removed.exploit ${stats['removed.exploit']}`);
        expect(ds.rows).toBe(1);
        expect(stats['removed.exploit']).toBe(3);

        const report = await writeReport({ pool, settings: { artifactsDir: stack.artifactsDir } }, { runId: RUN });
        const md = readFileSync(report.reportPath, 'utf8');
        const listed = md.split('\n').filter((l) => /^\| distill \| mini__textkit-3 \|.*\| zero \|$/.test(l));
        saw(`report: "## Exploit checks" with ${listed.length} row(s)`);
        expect(md).toContain('## Exploit checks');
        expect(listed).toHaveLength(3);
      },
    );
  },
);

it(
  'fails a stage loudly when more than sandbox.maxFailedShare of its rollouts failed',
  { timeout: 600_000 },
  async () => {
    await scenario(
      '11. failure threshold: 1 of 2 rollouts fails (endpoint answers 404)',
      'with sandbox.maxFailedShare 0.25 the run fails as FailureThreshold naming the share; with 0.5 (not exceeded) it completes',
      FILE,
      async ({ saw }) => {
        const over = (share: number) => ({ sandbox: { maxFailedShare: share } });
        const strict = await outcome(
          await stack.startRun('faults-threshold', config('faults-threshold', ['broken', 'clean'], over(0.25))),
        );
        const lax = await outcome(
          await stack.startRun('faults-threshold-ok', config('faults-threshold-ok', ['broken', 'clean'], over(0.5))),
        );
        const why = strict.ok ? 'completed' : strict.error;
        saw(`0.25: ${why.slice(0, 220)}; 0.5: ${lax.ok ? 'completed' : lax.error.slice(0, 200)}`);
        expect(strict.ok).toBe(false);
        expect(why).toMatch(/1 of 2 distill rollouts failed \(50%, over sandbox.maxFailedShare 25%/);
        expect(lax, JSON.stringify(lax)).toMatchObject({ ok: true });
      },
    );
  },
);
