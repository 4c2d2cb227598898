// Rollouts end to end on real Docker, real Postgres and the scripted policy server (the test stand-in) over real
// HTTP: the reward table (1 / alpha / 0), the history guard, and no container left behind.
import type { RolloutInput, RolloutSummary } from '../../contracts/rollout.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentActivities, createRolloutDeps } from '../../activities/agent/activity.ts';
import type { Model, ModelReply } from '../../activities/agent/protocols.ts';
import { performRollout } from '../../activities/agent/rollout.ts';
import { readTrajectory } from '../../activities/trajectory/store.ts';
import {
  containersOfRun,
  mockActivity,
  rolloutInput,
  rolloutRows,
  seedWhere,
  startRolloutFixture,
  type RolloutFixture,
} from './rolloutFixture.ts';

const TASK = 'mini__textkit-3';
let fx: RolloutFixture;
let run: (input: RolloutInput, attempt?: number) => Promise<RolloutSummary>;

beforeAll(async () => {
  fx = await startRolloutFixture({ prefix: 'rollout' });
  const activities = createAgentActivities(fx.deps);
  run = (input, attempt = 1) => mockActivity(attempt).run(activities.runRollout, input);
});
afterAll(async () => fx?.stop());

describe('rollout activity (real Docker, scripted policy server over HTTP)', () => {
  it('a submitted correct fix is resolved with reward 1', async () => {
    const task = fx.tasks.get(TASK)!;
    const { seed } = seedWhere(task, (p) => p.mode === 'solve');
    const runId = 'it-solve';
    const s = await run(rolloutInput({ runId, taskId: TASK, seed }));
    expect(s).toMatchObject({ exitReason: 'submitted', forced: false, outcome: 'resolved', reward: 1, masked: false });
    const rows = await rolloutRows(fx.deps, runId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      exit_reason: 'submitted',
      outcome: 'resolved',
      reward: 1,
      masked: false,
      attempt: 1,
    });
    expect(rows[0].patch).toContain('rstrip(sep)');
    const statuses = rows[0].test_statuses as Record<string, string>;
    expect(Object.values(statuses)).toHaveLength(task.FAIL_TO_PASS.length + task.PASS_TO_PASS.length);
    expect(new Set(Object.values(statuses))).toEqual(new Set(['PASSED']));
    expect(Number(rows[0].id)).toBe(s.rolloutId);
    const messages = await readTrajectory(s.trajectoryPath);
    expect(messages[0]!.role).toBe('system');
    expect(messages.filter((m) => m.role === 'assistant')).toHaveLength(s.turns);
    expect(messages.at(-1)).toMatchObject({ role: 'tool', name: 'submit' });
    expect(await containersOfRun(fx.docker, runId)).toEqual([]);
  });

  it('a forced submission of the correct fix earns alpha (the configured one, here 0.3)', async () => {
    const task = fx.tasks.get(TASK)!;
    const { seed, plan } = seedWhere(task, (p) => p.mode === 'solve_no_submit');
    const runId = 'it-forced';
    // Enough turns to make the edits, then truncation: the diff is force-submitted.
    const input = rolloutInput({ runId, taskId: TASK, seed });
    const s = await run({ ...input, alpha: 0.3, agent: { ...input.agent, maxTurns: plan.steps.length + 2 } });
    expect(s).toMatchObject({ exitReason: 'max_turns', forced: true, outcome: 'resolved', reward: 0.3, masked: false });
    expect(s.turns).toBe(plan.steps.length + 2);
  });

  it('a wrong fix gets 0', async () => {
    const task = fx.tasks.get(TASK)!;
    const { seed } = seedWhere(task, (p) => p.mode === 'wrong_edit');
    const s = await run(rolloutInput({ runId: 'it-wrong', taskId: TASK, seed }));
    expect(s).toMatchObject({
      exitReason: 'submitted',
      forced: false,
      outcome: 'unresolved',
      reward: 0,
      masked: false,
    });
    const rows = await rolloutRows(fx.deps, 'it-wrong');
    // A plausible wrong fix (issue 14): a mutant of the gold patch, with no marker a verifier could key on.
    expect(rows[0].patch).toMatch(/^\+.*slug\[:max_length - 1\]/m);
    expect(rows[0].patch).not.toMatch(/fixme/i);
    // What execution said is kept with the row: every listed test's status, and the log tail.
    const statuses = rows[0].test_statuses as Record<string, string>;
    expect(Object.keys(statuses).sort()).toEqual([...task.FAIL_TO_PASS, ...task.PASS_TO_PASS].sort());
    expect(Object.values(statuses)).toContain('FAILED'); // (this mutant breaks PASS_TO_PASS tests)
    expect(rows[0].log_tail).toMatch(/passed|failed/);
  });

  it('refuses history commands and counts the attempts', async () => {
    const task = fx.tasks.get(TASK)!;
    const { seed } = seedWhere(task, (p) => p.peeksHistory && p.mode === 'solve');
    const s = await run(rolloutInput({ runId: 'it-history', taskId: TASK, seed }));
    expect(s.historyAttempts).toBe(1);
    const refused = (await readTrajectory(s.trajectoryPath)).filter((m) => m.meta?.refused);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.meta!.refused).toBe('git log');
    expect(refused[0]!.content).toMatch(/refused/);
    const rows = await rolloutRows(fx.deps, 'it-history');
    expect(rows[0].history_attempts).toBe(1);
    // A refused attempt is still an attempt to read the fix (issue 17's exploit checks): flagged, and under the
    // default agent.exploitAction (zero) the resolved answer scores 0; `flag` only records it.
    expect(s.outcome).toBe('resolved');
    expect(s.reward).toBe(0);
    const flagged = await fx.deps.pool.query("select kind from rollout_exploits where run_id = 'it-history'");
    expect(flagged.rows.map((r) => r.kind)).toEqual(['history']);
    const input = rolloutInput({ runId: 'it-history-flag', taskId: TASK, seed });
    const onlyFlagged = await run({ ...input, agent: { ...input.agent, exploitAction: 'flag' } });
    expect(onlyFlagged).toMatchObject({ outcome: 'resolved', reward: 1, historyAttempts: 1 });
  });

  it('the text tool format (how the trained tiny model acts) resolves the same way', async () => {
    const task = fx.tasks.get(TASK)!;
    const { seed } = seedWhere(task, (p) => p.mode === 'solve');
    const input = rolloutInput({ runId: 'it-text', taskId: TASK, seed });
    const s = await run({ ...input, model: { ...input.model, toolFormat: 'text' } });
    expect(s).toMatchObject({ exitReason: 'submitted', outcome: 'resolved', reward: 1 });
    const messages = await readTrajectory(s.trajectoryPath);
    const assistant = messages.filter((m) => m.role === 'assistant');
    expect(assistant.every((m) => m.content.includes('<tool_call>') && !m.tool_calls)).toBe(true);
    expect(messages[0]!.content).toContain('<tools>');
    expect(messages.filter((m) => m.role === 'tool').map((m) => m.tool_call_id)).toEqual(
      assistant.map((_, i) => `call_${i + 1}_0`),
    );
  });

  it('malformed tool calls cost turns, are counted, and end in a forced submission', async () => {
    const task = fx.tasks.get(TASK)!;
    const { seed } = seedWhere(task, (p) => p.mode === 'malformed');
    const s = await run(rolloutInput({ runId: 'it-malformed', taskId: TASK, seed }));
    expect(s).toMatchObject({ exitReason: 'max_turns', forced: true, outcome: 'unresolved', reward: 0 });
    const rows = await rolloutRows(fx.deps, 'it-malformed');
    expect(rows[0].format_errors).toBeGreaterThanOrEqual(s.turns - 2);
  });

  it('an agent that destroys .git gets patch_failed and 0, not a masked result', async () => {
    const replies: ModelReply[] = [
      {
        content: '',
        toolCalls: [
          { id: 'a', type: 'function', function: { name: 'bash', arguments: '{"command": "rm -rf /testbed/.git"}' } },
        ],
        usage: null,
      },
      {
        content: '',
        toolCalls: [{ id: 'b', type: 'function', function: { name: 'submit', arguments: '{}' } }],
        usage: null,
      },
    ];
    let n = 0;
    const vandal: Model = { name: 'vandal', toolFormat: 'native', query: async () => replies[Math.min(n++, 1)]! };
    const { rolloutDeps, models } = createRolloutDeps(fx.deps);
    try {
      const input = rolloutInput({ runId: 'it-vandal', taskId: TASK });
      const s = await performRollout({ ...rolloutDeps, model: async () => vandal }, input, { attempt: 1 });
      expect(s).toMatchObject({ exitReason: 'submitted', outcome: 'patch_failed', reward: 0, masked: false });
      expect((await rolloutRows(fx.deps, 'it-vandal'))[0].error).toMatch(/cannot take the diff/);
    } finally {
      await models.close();
    }
  });
});
