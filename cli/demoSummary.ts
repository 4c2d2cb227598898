// The table `swe-forge demo` ends with, read from the report's summary.json.
import type { TtsCurves } from '../core/tts.ts';
import { majority, type SweWorldSection } from '../activities/report/sweWorld.ts';

export interface ReportSummary {
  runId: string;
  status: string;
  rollouts: { stage: string; total: number; resolved: number; masked: number; meanTurns: number; meanReward: number }[];
  difficulty: { tasks: number; mixed: number };
  rl: { iteration: number; meanReward: number; resolvedRate: number; masked: number; meanTurns: number }[];
  tts: TtsCurves | null;
  sweWorld?: SweWorldSection | null;
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(100 * x).toFixed(1)}%`);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

export function printSummary(s: ReportSummary): void {
  console.log(`\nrun ${s.runId}: ${s.status}`);
  console.log(
    table([
      ['stage', 'rollouts', 'resolved', 'masked', 'mean turns', 'mean reward'],
      ...s.rollouts.map((r) => [
        r.stage,
        String(r.total),
        pct(r.total - r.masked ? r.resolved / (r.total - r.masked) : null),
        String(r.masked),
        r.meanTurns.toFixed(1),
        r.meanReward.toFixed(3),
      ]),
    ]),
  );
  console.log(`difficulty: ${s.difficulty.tasks} tasks, ${s.difficulty.mixed} with mixed results kept for training`);
  for (const it of s.rl) {
    console.log(
      `rl iteration ${it.iteration}: mean reward ${it.meanReward.toFixed(3)}, resolved ${pct(it.resolvedRate)}`,
    );
  }
  if (s.tts && s.tts.k.length) {
    const last = s.tts.k.length - 1;
    console.log(
      `TTS@${s.tts.k[last]}: ${pct(s.tts.tts.verifier[last])} (verifier)  Pass@1: ${pct(s.tts.pass1[last])}  ` +
        `Pass@${s.tts.k[last]}: ${pct(s.tts.passK[last])}`,
    );
  }
  // The verifier's accuracy on held-out executions, beside TTS@K (what the pick is worth), and the paper's figure.
  const sw = s.sweWorld;
  for (const [label, h] of [
    [sw?.kind ?? 'verifier', sw?.heldOut],
    [`${sw?.baseline?.kind ?? ''} baseline`, sw?.baseline?.heldOut],
  ] as const) {
    if (!h) continue;
    console.log(
      `held-out ${label}: reward accuracy ${pct(h.rewardAccuracy)}, test status accuracy ${pct(h.testStatusAccuracy)}, ` +
        `precision ${pct(h.precision)}, recall ${pct(h.recall)} (n ${h.n}, ${h.tasks} tasks, majority class ` +
        `${pct(majority(h))}; paper 77.6%)`,
    );
  }
  const b = sw?.tts.baseline;
  if (sw?.tts.scoredWith) console.log(`TTS scored with ${sw.tts.scoredWith.kind} ${sw.tts.scoredWith.name}`);
  if (b) console.log(`TTS@K with the ${b.scoredWith.kind} baseline: ${pct(b.ttsAtK)}`);
}
