// Progress bars per stage, drawn from the pipeline's status query: redrawn in place on a terminal, one line per
// change otherwise (logs, CI).
import { STAGE_ORDER } from '../config/schema.ts';
import type { PipelineStatus, StageProgress } from '../workflows/definitions.ts';

const WIDTH = 24;
const pct = (x: number | null) => (x === null ? '-' : `${Math.round(100 * x)}%`);

export function bar(done: number, total: number, width = WIDTH): string {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const full = Math.round(frac * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

function stageLine(name: string, p: StageProgress): string {
  const label = name.padEnd(10);
  if (p.state === 'skipped') return `${label} ${' '.repeat(WIDTH + 2)} disabled`;
  if (p.reused) return `${label} ${bar(1, 1)} done earlier`;
  const counts = p.total > 0 ? `${p.done}/${p.total}` : p.state === 'completed' ? 'done' : '';
  const extra: string[] = [];
  if (p.scored > 0)
    extra.push(`resolved ${pct(p.resolved / p.scored)}`, `reward ${(p.rewardSum / p.scored).toFixed(2)}`);
  if (p.masked > 0) extra.push(`masked ${p.masked}`);
  if (p.failed > 0) extra.push(`failed ${p.failed}`);
  if (p.note) extra.push(p.note);
  const state = p.state === 'completed' || p.state === 'pending' ? '' : p.state;
  const shown = p.state === 'completed' && p.total === 0 ? bar(1, 1) : bar(p.done, p.total);
  return `${label} ${shown} ${[counts, state, ...extra].filter(Boolean).join('  ')}`.trimEnd();
}

/** The lines the CLI prints for a status: a header, then one bar per stage. */
export function renderProgress(s: PipelineStatus): string[] {
  const head = [
    `run ${s.runId}  ${s.state}${s.paused ? ' (paused: `swe-forge resume ' + s.runId + '`)' : ''}`,
    s.rlIteration !== null ? `rl iteration ${s.rlIteration}` : '',
    s.latestCheckpoint ? `checkpoint ${s.latestCheckpoint}` : '',
    s.rates.scored ? `resolved ${pct(s.rates.resolvedRate)} of ${s.rates.scored}` : '',
  ].filter(Boolean);
  const lines = [head.join('  |  '), ...STAGE_ORDER.map((st) => stageLine(st, s.stages[st]))];
  if (s.lastError) lines.push(`last error: ${s.lastError}`);
  return lines;
}

export interface ProgressView {
  show(s: PipelineStatus): void;
  /** The run ended: on a terminal the bars are already there; in a log, print the whole table once. */
  final(s: PipelineStatus): void;
  note(line: string): void;
}

export function progressView(out: NodeJS.WriteStream = process.stdout): ProgressView {
  let drawn = 0;
  let last = '';
  let lastLine = '';
  return {
    show(s) {
      const lines = renderProgress(s);
      const text = lines.join('\n');
      if (text === last) return;
      last = text;
      if (out.isTTY) {
        if (drawn) out.write(`\x1b[${drawn}A`);
        out.write(lines.map((l) => `\x1b[2K${l}`).join('\n') + '\n');
        drawn = lines.length;
      } else {
        const current =
          s.stage === 'starting' || s.stage === 'done' ? s.stage : `${s.stage} ${s.progress.done}/${s.progress.total}`;
        const line = `[${s.state}] ${current}${s.lastError ? `  last error: ${s.lastError}` : ''}`;
        if (line !== lastLine) out.write(`${line}\n`);
        lastLine = line;
      }
    },
    final(s) {
      if (out.isTTY) return this.show(s);
      out.write(`${renderProgress(s).join('\n')}\n`);
    },
    note(line) {
      out.write(`${line}\n`);
      drawn = 0;
    },
  };
}
