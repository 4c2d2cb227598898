// `swe-forge compare RUN RUN…`: the runs' config differences, per-stage figures, RL per iteration and TTS side by
// side, one column per run; `--json` prints the comparison as one object.
import type { Command } from 'commander';
import { compareRuns, type RunComparison } from '../../activities/report/compare.ts';
import { num, pct } from '../../activities/report/markdown.ts';
import { loadSettings } from '../../infra/settings.ts';
import { withDatabase } from '../database.ts';
import { action, printJson } from '../output.ts';

const dash = (x: unknown) => (x === null || x === undefined ? '—' : typeof x === 'string' ? x : JSON.stringify(x));

function grid(title: string, head: string[], rows: string[][]): string[] {
  if (!rows.length) return [];
  const all = [head, ...rows];
  const width = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(width[i]!))
      .join('  ')
      .trimEnd();
  return ['', title, line(head), ...rows.map(line)];
}

export function renderComparison(c: RunComparison): string {
  const head = (first: string) => [first, ...c.runs.map((r) => r.runId)];
  const out = [
    ...grid('runs', head(''), [
      ['name', ...c.runs.map((r) => dash(r.name))],
      ['recipe', ...c.runs.map((r) => r.recipe)],
      ['status', ...c.runs.map((r) => r.status)],
    ]),
    ...grid(
      'config differences',
      head('path'),
      c.config.map((r) => [r.path, ...r.values.map(dash)]),
    ),
  ];
  if (!c.config.length) out.push('', 'config differences: none');
  out.push(
    ...grid(
      'stages (resolved rate / mean reward / rollouts, masked)',
      head('stage'),
      c.stages.map((s) => [
        s.stage,
        ...s.values.map((v) =>
          v ? `${pct(v.resolvedRate)} / ${num(v.meanReward)} / ${v.rollouts}, ${v.masked} masked` : '—',
        ),
      ]),
    ),
    ...grid(
      'RL per iteration (resolved rate / mean reward / produced checkpoint)',
      head('iteration'),
      c.rl.map((r) => [
        String(r.iteration),
        ...r.values.map((v) => (v ? `${pct(v.resolvedRate)} / ${num(v.meanReward)} / ${v.produced ?? '—'}` : '—')),
      ]),
    ),
    ...grid(
      'TTS (TTS@K verifier / Pass@K, tasks)',
      head('K'),
      c.tts.map((r) => [
        String(r.k),
        ...r.values.map((v) => (v ? `${pct(v.tts)} / ${pct(v.passK)}, ${v.tasks}` : '—')),
      ]),
    ),
    ...grid(
      'evaluations (latest of each kind)',
      head('kind'),
      c.evaluations.map((e) => [e.kind, ...e.values.map(dash)]),
    ),
  );
  return out.join('\n').replace(/^\n/, '');
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .argument('<runs...>', 'two or more run ids')
    .option('--json', 'print the comparison as one JSON object')
    .description('Runs side by side: config differences, per-stage figures, RL per iteration, TTS')
    .action(
      action(async (runs: string[], opts: { json?: boolean }) => {
        const settings = loadSettings();
        const c = await withDatabase((pool) => compareRuns(pool, runs), { settings });
        if (opts.json) return printJson(c);
        console.log(renderComparison(c));
      }),
    );
}
