// The report's SWE-World section (issue 14): the verifier's accuracy on held-out executions, next to the
// paper's 77.59 % and to the baseline verifier measured on the same split, and which verifier TTS scored with.
import type { SweWorldSummary, TtsSummary } from '../../contracts/pipeline.ts';
import type { HeldOutReport } from '../../contracts/scoring.ts';
import { PAPER_SWE_WORLD_ACCURACY } from '../../core/verifierMetrics.ts';
import type { ReportData } from './data.ts';

export interface SweWorldSection {
  kind: 'orm' | 'swe_world' | null;
  checkpointId: string;
  heldOut: HeldOutReport | null;
  baseline: { kind: string; checkpointId: string; heldOut: HeldOutReport | null } | null;
  paper: { rewardAccuracy: number; source: string };
  tts: { scoredWith: TtsSummary['scoredWith'] | null; ttsAtK: number | null; baseline: TtsSummary['baseline'] | null };
}

export function sweWorldSection(d: Pick<ReportData, 'stages'>): SweWorldSection | null {
  const sw = d.stages.find((s) => s.stage === 'sweWorld')?.summary as SweWorldSummary | undefined;
  if (!sw) return null;
  const tts = d.stages.find((s) => s.stage === 'tts')?.summary as TtsSummary | undefined;
  return {
    kind: sw.kind ?? null,
    checkpointId: sw.checkpointId,
    heldOut: sw.heldOut ?? null,
    baseline: sw.baseline
      ? { kind: sw.baseline.kind, checkpointId: sw.baseline.checkpointId, heldOut: sw.baseline.heldOut ?? null }
      : null,
    paper: { rewardAccuracy: PAPER_SWE_WORLD_ACCURACY, source: 'SWE-Master, SWE-World accuracy (Table 2)' },
    tts: { scoredWith: tts?.scoredWith ?? null, ttsAtK: tts?.ttsAtK ?? null, baseline: tts?.baseline ?? null },
  };
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(100 * x).toFixed(1)} %`);

/** The accuracy of a verifier that always answers the majority outcome: what an accuracy must beat. */
export const majority = (h: Pick<HeldOutReport, 'n' | 'positives'>) =>
  h.n ? Math.max(h.positives, h.n - h.positives) / h.n : null;

function row(label: string, h: HeldOutReport | null): string[] {
  if (!h) return [label, '—', '—', '—', '—', '—', '—', 'not measured (nothing held out)'];
  return [
    label,
    pct(h.rewardAccuracy),
    pct(h.testStatusAccuracy),
    pct(h.precision),
    pct(h.recall),
    h.calibration.brier === null ? '—' : h.calibration.brier.toFixed(3),
    h.calibration.ece === null ? '—' : h.calibration.ece.toFixed(3),
    `${h.n} executions of ${h.tasks} held-out tasks (${h.positives} resolved; always-the-majority scores ${pct(majority(h))})`,
  ];
}

export function sweWorldMarkdown(s: SweWorldSection | null): string[] {
  if (!s) return [];
  const head = ['verifier', 'reward accuracy', 'test status accuracy', 'precision', 'recall', 'Brier', 'ECE', 'n'];
  const rows = [row(`${s.kind ?? 'verifier'} (${s.checkpointId})`, s.heldOut)];
  if (s.baseline) rows.push(row(`${s.baseline.kind} baseline (${s.baseline.checkpointId})`, s.baseline.heldOut));
  rows.push([
    'SWE-Master paper (SWE-World)',
    pct(s.paper.rewardAccuracy),
    '—',
    '—',
    '—',
    '—',
    '—',
    'SWE-bench Verified',
  ]);
  const cell = (x: string) => x.replace(/\|/g, '\\|');
  const lines = [
    '',
    '## Verifier on held-out executions',
    '',
    'Split by task: the verifier never trained on any execution of these tasks. Reward accuracy compares its ' +
      'predicted reward (SWE-World: its simulated report graded by the harness grading function) with the executed one.',
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
  const w = s.tts.scoredWith;
  if (w) {
    lines.push(
      '',
      `TTS scored with ${w.source === 'run' ? "the run's own" : 'the external'} ${w.kind} ${w.name}: TTS@K ${pct(s.tts.ttsAtK)}.`,
    );
    const b = s.tts.baseline;
    if (b) lines.push(`With the ${b.scoredWith.kind} baseline (${b.scoredWith.name}): TTS@K ${pct(b.ttsAtK)}.`);
  }
  return lines;
}
