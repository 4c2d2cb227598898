// trajectories/index.html: every rollout of the run in one table, filtered by stage, outcome and task. The viewer
// pages allow no script (their Content-Security-Policy), and neither does this one: each filter is a <select> and a
// CSS rule `body:has(option:checked) tr:not(...) {display:none}` per value hides the other rows (CSS :has, in
// Chromium 105+, Safari 15.4+, Firefox 121+).
import type pg from 'pg';
import { escapeHtml } from './viewer.ts';

export interface IndexRow {
  id: number;
  stage: string;
  taskId: string;
  sample: number;
  /** resolved / unresolved / patch_failed …, `masked`, or `not graded`. */
  status: string;
  reward: number | null;
  turns: number;
  exitReason: string;
  hasTrajectory: boolean;
}

export async function loadIndexRows(pool: pg.Pool, runId: string): Promise<IndexRow[]> {
  const { rows } = await pool.query<{
    id: string;
    stage: string;
    task_id: string;
    sample: number;
    outcome: string | null;
    masked: boolean;
    reward: number | null;
    turns: number;
    exit_reason: string;
    has: boolean;
  }>(
    `select id, stage, task_id, sample, outcome, masked, reward, turns, exit_reason, trajectory_path is not null as has
       from rollouts where run_id = $1 order by id`,
    [runId],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    stage: r.stage,
    taskId: r.task_id,
    sample: r.sample,
    status: r.masked ? 'masked' : (r.outcome ?? 'not graded'),
    reward: r.masked ? null : r.reward,
    turns: r.turns,
    exitReason: r.exit_reason,
    hasTrajectory: r.has,
  }));
}

type Dim = { key: 'stage' | 'status' | 'taskId'; attr: string; label: string };
const DIMS: Dim[] = [
  { key: 'stage', attr: 's', label: 'stage' },
  { key: 'status', attr: 'o', label: 'outcome' },
  { key: 'taskId', attr: 't', label: 'task' },
];

/** `pages` maps a rollout id to its viewer page (relative to the index); rows without one are listed unlinked. */
export function renderIndexHtml(runId: string, rows: readonly IndexRow[], pages: ReadonlyMap<number, string>): string {
  // Values become small integers in the markup, so a task id never has to be escaped inside a CSS selector.
  const values = DIMS.map((d) => [...new Set(rows.map((r) => r[d.key]))].sort());
  const rules: string[] = [];
  const selects = DIMS.map((d, di) => {
    const opts = values[di]!.map((v, vi) => {
      rules.push(`body:has(#f-${d.attr} option[value="${vi}"]:checked) tbody tr:not([data-${d.attr}="${vi}"])`);
      const n = rows.filter((r) => r[d.key] === v).length;
      return `<option value="${vi}">${escapeHtml(v)} (${n})</option>`;
    });
    return `<label>${d.label} <select id="f-${d.attr}"><option value="">all</option>${opts.join('')}</select></label>`;
  });
  const body = rows.map((r) => {
    const data = DIMS.map((d, di) => `data-${d.attr}="${values[di]!.indexOf(r[d.key])}"`).join(' ');
    const page = pages.get(r.id);
    const id = page ? `<a href="${escapeHtml(page)}">${r.id}</a>` : String(r.id);
    const cells = [r.stage, r.taskId, String(r.sample), r.status, r.reward === null ? '—' : String(r.reward)];
    return (
      `<tr ${data}><td>${id}</td>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}` +
      `<td>${r.turns}</td><td>${escapeHtml(r.exitReason)}</td></tr>`
    );
  });
  const title = `Trajectories of ${runId}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title><style>
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:16px;color:#111827}
table{border-collapse:collapse}td,th{padding:2px 10px;border-bottom:1px solid #e5e7eb;text-align:left}
.filters label{margin-right:16px}
${rules.length ? `${rules.join(',\n')}{display:none}` : ''}
</style></head>
<body><h1>${escapeHtml(title)}</h1>
<p>${rows.length} rollouts; ${pages.size} with a viewer page (the id links to it).</p>
<form class="filters">${selects.join('\n')}</form>
<table><thead><tr><th>rollout</th><th>stage</th><th>task</th><th>sample</th><th>outcome</th><th>reward</th><th>turns</th><th>exit reason</th></tr></thead>
<tbody>
${body.join('\n')}
</tbody></table>
</body></html>
`;
}
