// The report's figures from its data: one SVG each, always present (an empty stage draws a note, so the links in
// the Markdown never break).
import { SFT_RULES } from '../../core/filter.ts';
import { groupCandidates, ttsCurves, type TtsCurves } from '../../core/tts.ts';
import type { ReportData } from './data.ts';
import { barChart, emptyChart, hbarChart, lineChart, PALETTE, type Bar, type Series } from './svg.ts';

export interface Figure {
  name: string;
  title: string;
  svg: string;
}

/** p = 0 and p = 1 get bars of their own: the two spikes of the bimodal shape SWE-Master describes. */
export function difficultyBars(rates: readonly (number | null)[], bins = 10): Bar[] {
  const mixed = Array.from({ length: bins }, () => 0);
  let never = 0;
  let always = 0;
  for (const p of rates) {
    if (p === null) continue;
    if (p === 0) never++;
    else if (p === 1) always++;
    else mixed[Math.min(bins - 1, Math.floor(p * bins))]!++;
  }
  return [
    { label: '0', value: never, color: PALETTE[1] },
    ...mixed.map((value, i) => ({ label: `${(i / bins).toFixed(1)}-${((i + 1) / bins).toFixed(1)}`, value })),
    { label: '1', value: always, color: PALETTE[2] },
  ];
}

/** Tasks -> mixed -> trajectories -> each filter rule -> SFT rows, from whatever the run recorded. */
export function funnelBars(d: ReportData): Bar[] {
  const bars: Bar[] = [];
  if (d.difficulty.length) {
    bars.push({ label: 'tasks (Best-of-N)', value: d.difficulty.length });
    bars.push({
      label: 'mixed (0 < p < 1)',
      value: d.difficulty.filter((t) => t.passRate !== null && t.passRate > 0 && t.passRate < 1).length,
    });
  }
  const f = d.stages.find((s) => s.stage === 'filter')?.summary as
    { candidates?: number; rows?: number; removed?: Record<string, number> } | undefined;
  if (f && typeof f.candidates === 'number') {
    let left = f.candidates;
    bars.push({ label: 'trajectories', value: left, color: PALETTE[3] });
    for (const rule of SFT_RULES) {
      const cut = f.removed?.[rule] ?? 0;
      if (!cut) continue;
      left -= cut;
      bars.push({ label: `- ${rule} (${cut})`, value: left, color: PALETTE[3] });
    }
    if (typeof f.rows === 'number') bars.push({ label: 'SFT rows', value: f.rows, color: PALETTE[2] });
  }
  return bars;
}

export function ttsCurvesOf(d: ReportData): TtsCurves | null {
  const groups = groupCandidates(
    d.tts,
    new Map(d.tts.filter((t) => t.score !== null).map((t) => [t.rolloutId, t.score!])),
  );
  return groups.size ? ttsCurves(groups) : null;
}

export function buildFigures(d: ReportData, curves: TtsCurves | null): Figure[] {
  const figs: Figure[] = [];
  const add = (name: string, title: string, svg: string) => figs.push({ name, title, svg });

  const rates = d.difficulty.map((t) => t.passRate);
  add(
    'difficulty',
    'Difficulty: tasks by Best-of-N pass rate',
    rates.length
      ? barChart({
          title: 'Difficulty: tasks by Best-of-N pass rate',
          xLabel: 'pass rate p = c / n',
          yLabel: 'tasks',
          bars: difficultyBars(rates),
        })
      : emptyChart('Difficulty', 'no difficulty estimate in this run'),
  );
  const funnel = funnelBars(d);
  add(
    'funnel',
    'Filter funnel',
    funnel.length
      ? hbarChart({ title: 'Filter funnel', bars: funnel })
      : emptyChart('Filter funnel', 'no filter stage in this run'),
  );

  const sft = d.loss.sft ?? [];
  add(
    'sft_loss',
    'SFT loss',
    sft.length
      ? lineChart({
          title: 'SFT loss per step',
          xLabel: 'optimizer step',
          yLabel: 'loss',
          series: [{ name: 'train loss', points: sft.map((p) => [p.step, p.loss]) }],
        })
      : emptyChart('SFT loss', 'no SFT loss recorded for this run'),
  );

  const rlSeries: Series[] = [
    { name: 'mean reward', points: d.rl.map((r) => [r.iteration, r.meanReward]) },
    { name: 'resolved rate', points: d.rl.map((r) => [r.iteration, r.resolvedRate]), dashed: true },
  ];
  add(
    'rl',
    'RL reward and resolved rate',
    d.rl.length
      ? lineChart({
          title: 'RL: mean reward and resolved rate per iteration',
          xLabel: 'iteration',
          yLabel: 'rate',
          series: rlSeries,
          yRange: [0, 1],
        })
      : emptyChart('RL', 'no RL iterations in this run'),
  );

  add(
    'masked',
    'Masked rollouts by reason',
    d.maskedByReason.length
      ? barChart({
          title: 'Masked rollouts by reason',
          xLabel: 'stage: reason',
          yLabel: 'rollouts',
          bars: d.maskedByReason.map((m) => ({ label: `${m.stage}: ${m.reason}`, value: m.count, color: PALETTE[4] })),
        })
      : emptyChart('Masked rollouts', 'no rollout was masked'),
  );

  const ks = curves?.k ?? [];
  const pts = (ys: (number | null)[]) => ks.map((k, i) => [k, ys[i] ?? null] as const);
  add(
    'tts',
    'TTS@K vs Pass@K',
    curves && ks.length
      ? lineChart({
          title: 'Test-time scaling: TTS@K vs Pass@K',
          xLabel: 'K (candidates per task)',
          yLabel: 'resolved rate',
          yRange: [0, 1],
          series: [
            { name: 'TTS@K (verifier)', points: pts(curves.tts.verifier), color: PALETTE[0] },
            { name: 'fewest turns', points: pts(curves.tts.fewest_turns), color: PALETTE[4] },
            { name: 'random (= Pass@1)', points: pts(curves.tts.random), color: PALETTE[6], dashed: true },
            { name: 'Pass@K (oracle)', points: pts(curves.passK), color: PALETTE[2], dashed: true },
          ],
        })
      : emptyChart('TTS@K vs Pass@K', 'no test-time scaling candidates in this run'),
  );
  return figs;
}
