// Tool usage and condensations per rollout (migration 016) in a real (embedded) Postgres: the rows written from
// trajectories, the report's section and the `status` lines per stage, and a retired row keeping both columns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertRollout, type RolloutRecord } from '../../activities/agent/rolloutStore.ts';
import { createRlActivities } from '../../activities/pipeline/rl.ts';
import { loadToolUsage, toolUsageLines, toolUsageMarkdown } from '../../activities/report/toolUsage.ts';
import { toolUsage } from '../../activities/trajectory/toolUsage.ts';
import type { TrajectoryMessage } from '../../contracts/rollout.ts';
import { startTestStack, type TestStack } from '../../dev/stack.ts';
import { loadSettings } from '../../infra/settings.ts';

const RUN = 'tool-usage-run';
let stack: TestStack;

const obs = (name: string, error?: string): TrajectoryMessage => ({
  role: 'tool',
  name,
  content: error ? `Error: ${error}` : 'ok',
  meta: { turn: 1, ...(error ? { error } : {}) },
});
const row = (
  stage: 'rl' | 'distill',
  sample: number,
  messages: TrajectoryMessage[],
  condensations = 0,
): RolloutRecord => ({
  runId: RUN,
  stage,
  taskId: 't1',
  sample,
  model: 'm',
  seed: 1,
  turns: 3,
  promptTokens: 1,
  completionTokens: 1,
  tokens: 2,
  exitReason: 'submitted',
  forced: false,
  patch: null,
  outcome: 'resolved',
  reward: 1,
  masked: false,
  historyAttempts: 0,
  loopCount: 0,
  formatErrors: 0,
  trajectoryPath: '/nowhere',
  startedAt: new Date(),
  finishedAt: new Date(),
  attempt: 1,
  toolUsage: toolUsage(messages),
  condensations,
});

beforeAll(async () => {
  stack = await startTestStack({ temporal: false, prefix: 'tool-usage' });
  const pool = stack.pool!;
  await upsertRollout(pool, row('distill', 0, [obs('bash'), obs('lsp'), obs('lsp', 'symbol "x" is not on line 3')], 2));
  await upsertRollout(pool, row('distill', 1, [obs('bash'), obs('submit')]));
  await upsertRollout(pool, row('rl', 0, [obs('bash', 'bash: "command" is empty')], 1));
}, 300_000);
afterAll(async () => stack?.stop());

describe('tool usage per stage', () => {
  it('sums calls and errors per tool and counts condensations', async () => {
    const usage = await loadToolUsage(stack.pool!, RUN);
    expect(usage).toEqual([
      {
        stage: 'distill',
        rollouts: 2,
        recorded: 2,
        tools: [
          { tool: 'bash', calls: 2, errors: 0 },
          { tool: 'lsp', calls: 2, errors: 1 },
          { tool: 'submit', calls: 1, errors: 0 },
        ],
        condensations: 2,
        condensedRollouts: 1,
      },
      {
        stage: 'rl',
        rollouts: 1,
        recorded: 1,
        tools: [{ tool: 'bash', calls: 1, errors: 1 }],
        condensations: 1,
        condensedRollouts: 1,
      },
    ]);
    const md = toolUsageMarkdown(usage).join('\n');
    expect(md).toContain('## Tool usage');
    expect(md).toContain('| distill | lsp | 2 | 1 | 1 |');
    expect(md).toContain('| distill | submit | 1 | 0.5 | 0 |');
    expect(toolUsageLines(usage)).toEqual([
      'tools distill: bash 2, lsp 2 (1 err), submit 1 | condensed 2x in 1/2',
      'tools rl: bash 1 (1 err) | condensed 1x in 1/1',
    ]);
  });

  it('a retired row keeps its usage (columns copied by name)', async () => {
    const rl = createRlActivities({ pool: stack.pool!, settings: loadSettings() });
    const r = await rl.retireRollouts({
      runId: RUN,
      stage: 'rl',
      keys: [{ taskId: 't1', sample: 0 }],
      reason: 'stale',
    });
    expect(r.retired).toBe(1);
    const { rows } = await stack.pool!.query(
      'select tool_usage, condensations, retired_reason from rollout_retired where run_id = $1',
      [RUN],
    );
    expect(rows).toEqual([
      { tool_usage: { bash: { calls: 1, errors: 1 } }, condensations: 1, retired_reason: 'stale' },
    ]);
  });
});
