// The report's GRPO diagnostics: one row per RL iteration with what answered its rollouts, what its step produced,
// how many groups could carry a gradient, and the trainer's own figures for the step. Columns the trainer never
// logged for this run are left out rather than shown empty.
import type { RlIterationView } from '../pipeline/rlIterations.ts';
import type { ReportData } from './data.ts';
import { num, pct, table } from './markdown.ts';

export interface GrpoRow {
  iteration: number;
  served: string | null;
  produced: string | null;
  stepSkipped: boolean;
  meanReward: number | null;
  resolvedRate: number | null;
  groups: number | null;
  /** Groups with >= 2 unmasked members. */
  contributingGroups: number | null;
  /** Contributing groups whose rewards were all equal: advantage 0, no gradient. */
  zeroVarianceGroups: number | null;
  /** The trainer's step figures, only those it logged (loss, clip fraction, ratio, KL, entropy, grad norm). */
  trainer: Partial<Record<TrainerKey, number>>;
}

const TRAINER: [key: TrainerKey, head: string, fmt: (x: number) => string][] = [
  ['loss', 'loss', (x) => num(x, 4)],
  ['clipFraction', 'clip fraction', pct],
  ['ratioMean', 'ratio mean', (x) => num(x, 3)],
  ['ratioMax', 'ratio max', (x) => num(x, 3)],
  ['approxKl', 'KL (old‖new)', (x) => num(x, 5)],
  ['samplerKl', 'KL (sampler‖trainer)', (x) => num(x, 5)],
  ['entropy', 'entropy', (x) => num(x, 3)],
  ['gradNorm', 'grad norm', (x) => num(x, 3)],
];
type TrainerKey = keyof Pick<
  RlIterationView,
  'loss' | 'clipFraction' | 'ratioMean' | 'ratioMax' | 'approxKl' | 'samplerKl' | 'entropy' | 'gradNorm'
>;

/** rl_iterations rows when the run wrote them; else the per-iteration figures counted from the rollouts. */
export function grpoRows(d: Pick<ReportData, 'rl' | 'rlSteps' | 'rlGroups'>): GrpoRow[] {
  const groupsOf = new Map((d.rlGroups ?? []).map((g) => [g.iteration, g]));
  if (d.rlSteps?.length)
    return d.rlSteps.map((s) => {
      const counted = groupsOf.get(s.iteration);
      const trainer: GrpoRow['trainer'] = {};
      for (const [k] of TRAINER) if (s[k] !== null) trainer[k] = s[k];
      return {
        iteration: s.iteration,
        served: s.servedCheckpoint,
        produced: s.producedCheckpoint,
        stepSkipped: s.stepSkipped,
        meanReward: s.meanReward,
        resolvedRate: s.resolvedRate,
        // Runs recorded before the batch counts were stored: counted again from the rollouts.
        groups: s.groups ?? counted?.groups ?? null,
        contributingGroups: s.contributingGroups ?? counted?.groups ?? null,
        zeroVarianceGroups: s.zeroVarianceGroups ?? (counted ? counted.groups - counted.mixed : null),
        trainer,
      };
    });
  return d.rl.map((r) => {
    const counted = groupsOf.get(r.iteration);
    return {
      iteration: r.iteration,
      served: null,
      produced: null,
      stepSkipped: false,
      meanReward: r.meanReward,
      resolvedRate: r.resolvedRate,
      groups: counted?.groups ?? null,
      contributingGroups: counted?.groups ?? null,
      zeroVarianceGroups: counted ? counted.groups - counted.mixed : null,
      trainer: {},
    };
  });
}

export function grpoMarkdown(rows: readonly GrpoRow[]): string[] {
  const out = ['', '## GRPO diagnostics', ''];
  if (!rows.length) return [...out, 'No RL iterations in this run.'];
  const cols = TRAINER.filter(([k]) => rows.some((r) => r.trainer[k] !== undefined));
  const n = (x: number | null) => (x === null ? '—' : String(x));
  out.push(
    'Groups: samples of one task in one iteration. Contributing: >= 2 unmasked members. Zero-variance: contributing ' +
      'groups whose rewards were all equal (advantage 0, no gradient). Step skipped: no member carried an advantage, ' +
      'so the served checkpoint was kept.' +
      (cols.length ? ' Trainer columns are the GRPO step as the trainer logged it.' : ' The trainer logged no step.'),
    '',
    table(
      [
        'iteration',
        'served',
        'produced',
        'mean reward',
        'resolved',
        'groups',
        'contributing',
        'zero-variance',
        'step skipped',
        ...cols.map(([, head]) => head),
      ],
      rows.map((r) => [
        r.iteration,
        r.served ?? '—',
        r.produced ?? '—',
        num(r.meanReward),
        pct(r.resolvedRate),
        n(r.groups),
        n(r.contributingGroups),
        n(r.zeroVarianceGroups),
        r.stepSkipped ? 'yes' : 'no',
        ...cols.map(([k, , fmt]) => (r.trainer[k] === undefined ? '—' : fmt(r.trainer[k]!))),
      ]),
    ),
  );
  if (!cols.some(([k]) => k === 'entropy')) out.push('', 'Entropy: not logged by the trainer for this run.');
  return out;
}
