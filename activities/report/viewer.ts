// A static HTML page for one rollout: the outcome, the issue, every message (tool calls and observations
// included) and the final diff. Everything from the trajectory is escaped, and the page allows no script at all
// (Content-Security-Policy), since a model's output is untrusted text.
import type { TrajectoryMessage } from '../../contracts/rollout.ts';
import { diffLines, type DiffLineKind } from '../../core/unifiedDiff.ts';

export interface ViewerInput {
  rolloutId: number;
  runId: string;
  stage: string;
  taskId: string;
  sample: number;
  exitReason: string;
  outcome: string | null;
  reward: number | null;
  masked: boolean;
  maskReason: string | null;
  forced: boolean;
  turns: number;
  patch: string;
  problemStatement: string | null;
  messages: readonly TrajectoryMessage[];
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:16px;color:#111827}
h1{font-size:20px}h2{font-size:16px;margin-top:24px}pre{white-space:pre-wrap;word-break:break-word;margin:4px 0;font:12px/1.4 ui-monospace,monospace}
.meta td{padding:2px 12px 2px 0}.msg{border-left:4px solid #9ca3af;margin:10px 0;padding:4px 10px;background:#f9fafb}
.system{border-color:#6b7280}.user{border-color:#2563eb}.assistant{border-color:#16a34a}.tool{border-color:#ea580c;background:#fff7ed}
.role{font-weight:600;font-size:12px;text-transform:uppercase;color:#374151}.call{background:#ecfdf5;padding:4px 8px;margin:4px 0}
.add{color:#166534;background:#f0fdf4}.del{color:#991b1b;background:#fef2f2}.hunk{color:#6b21a8}
.obs summary{cursor:pointer;color:#1d4ed8;font-size:12px}
.resolved{color:#166534;font-weight:700}.unresolved,.patch_failed{color:#991b1b;font-weight:700}.masked{color:#92400e;font-weight:700}`;

function prettyArgs(args: string): string {
  try {
    return JSON.stringify(JSON.parse(args), null, 2);
  } catch {
    return args; // malformed tool-call arguments are shown as the model wrote them
  }
}

export function renderDiffHtml(patch: string): string {
  if (!patch.trim()) return '<p>(no changes)</p>';
  // Classes by the diff reader, not by first characters: a removed `-- x` line reads `--- x`, like a file header.
  const cls: Partial<Record<DiffLineKind, string>> = { add: 'add', del: 'del', hunk: 'hunk' };
  const lines = diffLines(patch).map(({ text, kind }) => {
    const c = cls[kind];
    return c ? `<span class="${c}">${escapeHtml(text)}</span>` : escapeHtml(text);
  });
  return `<pre>${lines.join('\n')}</pre>`;
}

/** Observations longer than this many lines or characters start collapsed (a `<details>`: no script needed). */
export const COLLAPSE = { lines: 25, chars: 2500 };

/** A long observation shows its first lines and its size; the whole text is one click away. */
export function observationHtml(content: string): string {
  const lines = content.split('\n');
  if (lines.length <= COLLAPSE.lines && content.length <= COLLAPSE.chars) return `<pre>${escapeHtml(content)}</pre>`;
  const head = lines.slice(0, 5).join('\n').slice(0, 400);
  return (
    `<pre>${escapeHtml(head)}</pre><details class="obs"><summary>show all ${lines.length} lines ` +
    `(${content.length} characters)</summary><pre>${escapeHtml(content)}</pre></details>`
  );
}

function renderMessage(m: TrajectoryMessage, i: number): string {
  const role = ['system', 'user', 'assistant', 'tool'].includes(m.role) ? m.role : 'user';
  const parts = [
    `<div class="msg ${role}" id="m${i}"><div class="role">${escapeHtml(m.role)}${m.name ? ` · ${escapeHtml(m.name)}` : ''}${m.meta?.turn !== undefined ? ` · turn ${m.meta.turn}` : ''}</div>`,
  ];
  if (m.content) parts.push(m.role === 'tool' ? observationHtml(m.content) : `<pre>${escapeHtml(m.content)}</pre>`);
  for (const c of m.tool_calls ?? []) {
    parts.push(
      `<div class="call">→ <b>${escapeHtml(c.function.name)}</b><pre>${escapeHtml(prettyArgs(c.function.arguments))}</pre></div>`,
    );
  }
  if (m.meta?.refused) parts.push(`<p class="masked">refused: ${escapeHtml(m.meta.refused)}</p>`);
  if (m.meta?.error) parts.push(`<p class="masked">error: ${escapeHtml(m.meta.error)}</p>`);
  parts.push('</div>');
  return parts.join('');
}

export function renderTrajectoryHtml(v: ViewerInput): string {
  const status = v.masked ? 'masked' : (v.outcome ?? 'not graded');
  const rows: [string, string][] = [
    ['run', v.runId],
    ['stage', v.stage],
    ['task', v.taskId],
    ['sample', String(v.sample)],
    ['outcome', status + (v.masked && v.maskReason ? ` (${v.maskReason})` : '')],
    ['reward', v.reward === null ? 'masked' : String(v.reward)],
    ['exit reason', v.exitReason + (v.forced ? ' (forced submission)' : '')],
    ['turns', String(v.turns)],
  ];
  const title = `Rollout ${v.rolloutId}: ${v.taskId} #${v.sample}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body><h1>${escapeHtml(title)} <span class="${escapeHtml(status.replace(/\s+/g, '_'))}">${escapeHtml(status)}</span></h1>
<table class="meta">${rows.map(([k, val]) => `<tr><td>${k}</td><td>${escapeHtml(val)}</td></tr>`).join('')}</table>
<h2>Issue</h2>${v.problemStatement ? `<pre>${escapeHtml(v.problemStatement)}</pre>` : '<p>(task not in the task store)</p>'}
<h2>Trajectory (${v.messages.length} messages)</h2>
${v.messages.length ? v.messages.map(renderMessage).join('\n') : '<p>(trajectory file missing)</p>'}
<h2>Final diff</h2>${renderDiffHtml(v.patch)}
</body></html>
`;
}
