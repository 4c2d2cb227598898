// Per stage: calls and errors per tool (the rows' tool_usage, migration 016) and context condensations per
// rollout (agent.context), for the report and `swe-forge status`. Rows from before migration 016 carry no usage
// and are not counted in the calls (they are in `rollouts`, so a partial figure says so).
import type pg from 'pg';
import { num, table } from './markdown.ts';

export interface StageToolUsage {
  stage: string;
  rollouts: number;
  /** Rollouts whose row recorded tool usage. */
  recorded: number;
  tools: { tool: string; calls: number; errors: number }[];
  condensations: number;
  /** Rollouts that condensed their context at least once. */
  condensedRollouts: number;
}

export async function loadToolUsage(pool: pg.Pool, runId: string): Promise<StageToolUsage[]> {
  const stages = await pool.query<{ stage: string; rollouts: string; recorded: string; c: string; cr: string }>(
    `select stage, count(*) as rollouts, count(tool_usage) as recorded, coalesce(sum(condensations), 0) as c,
            count(*) filter (where condensations > 0) as cr
       from rollouts where run_id = $1 group by stage order by min(id)`,
    [runId],
  );
  const tools = await pool.query<{ stage: string; tool: string; calls: string; errors: string }>(
    `select r.stage, u.key as tool, sum((u.value->>'calls')::int) as calls, sum((u.value->>'errors')::int) as errors
       from rollouts r, jsonb_each(r.tool_usage) u
      where r.run_id = $1 and r.tool_usage is not null group by r.stage, u.key order by r.stage, calls desc, u.key`,
    [runId],
  );
  return stages.rows.map((s) => ({
    stage: s.stage,
    rollouts: Number(s.rollouts),
    recorded: Number(s.recorded),
    tools: tools.rows
      .filter((t) => t.stage === s.stage)
      .map((t) => ({ tool: t.tool, calls: Number(t.calls), errors: Number(t.errors) })),
    condensations: Number(s.c),
    condensedRollouts: Number(s.cr),
  }));
}

const perRollout = (n: number, s: StageToolUsage) => (s.recorded ? n / s.recorded : null);

export function toolUsageMarkdown(usage: readonly StageToolUsage[]): string[] {
  const rows = usage.filter((s) => s.recorded);
  if (!rows.length) return [];
  return [
    '',
    '## Tool usage',
    '',
    'Per stage: calls per tool (and per rollout), calls the tool refused or failed (errors), and context ' +
      'condensations (agent.context).',
    '',
    table(
      ['stage', 'tool', 'calls', 'per rollout', 'errors'],
      rows.flatMap((s) => s.tools.map((t) => [s.stage, t.tool, t.calls, num(perRollout(t.calls, s), 2), t.errors])),
    ),
    '',
    table(
      ['stage', 'rollouts', 'condensations', 'per rollout', 'rollouts condensed'],
      rows.map((s) => [
        s.stage,
        s.recorded,
        s.condensations,
        num(perRollout(s.condensations, s), 2),
        s.condensedRollouts,
      ]),
    ),
  ];
}

/** One line per stage for `swe-forge status`: `tools distill: bash 40 (2 err), lsp 12, ... | condensed 3 in 2/8`. */
export function toolUsageLines(usage: readonly StageToolUsage[]): string[] {
  return usage
    .filter((s) => s.recorded)
    .map((s) => {
      const tools = s.tools.map((t) => `${t.tool} ${t.calls}${t.errors ? ` (${t.errors} err)` : ''}`).join(', ');
      const condensed = s.condensations
        ? ` | condensed ${s.condensations}x in ${s.condensedRollouts}/${s.recorded}`
        : '';
      return `tools ${s.stage}: ${tools || 'none'}${condensed}`;
    });
}
