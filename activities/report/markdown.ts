// The report's Markdown: every figure with the numbers behind it, so the text stands on its own (and tests and
// diff tools can read it).
import { STAGE_ORDER } from '../../config/schema.ts';
import type { TtsCurves } from '../../core/tts.ts';
import type { ReportData } from './data.ts';
import { funnelBars } from './figures.ts';

export const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? '—' : `${(100 * x).toFixed(1)} %`;
export const num = (x: number | null | undefined, digits = 3) =>
  x === null || x === undefined ? '—' : Number(x.toFixed(digits)).toString();
const cell = (s: unknown) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
export const table = (head: string[], rows: unknown[][]) =>
  [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
const figure = (name: string, alt: string) => `![${alt}](figures/${name}.png)\n\n([SVG](figures/${name}.svg))`;

function compact(summary: Record<string, unknown>): string {
  return Object.entries(summary)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'string')
    .slice(0, 6)
    .map(([k, v]) => `${k}: ${typeof v === 'number' ? num(v) : v}`)
    .join(', ');
}

export interface MarkdownInput {
  data: ReportData;
  curves: TtsCurves | null;
  trajectories: { id: number; file: string; label: string }[];
}

export function renderMarkdown({ data: d, curves, trajectories }: MarkdownInput): string {
  const out: string[] = [];
  const rates = d.difficulty.map((t) => t.passRate).filter((p): p is number => p !== null);
  const never = rates.filter((p) => p === 0).length;
  const always = rates.filter((p) => p === 1).length;
  out.push(`# Run report: ${d.run.runId}`, '');
  out.push(
    table(
      ['', ''],
      [
        ['config name', d.run.name ?? '—'],
        ['recipe', d.run.recipe],
        ['status', d.run.status],
        ['started', d.run.createdAt.toISOString()],
        ['last update', d.run.updatedAt.toISOString()],
      ],
    ),
  );
  const done = new Map(d.stages.map((s) => [s.stage, s]));
  out.push(
    '',
    '## Stages',
    '',
    table(
      ['stage', 'completed', 'summary'],
      STAGE_ORDER.map((s) => [s, done.has(s) ? 'yes' : 'no', done.has(s) ? compact(done.get(s)!.summary) : '']),
    ),
  );
  out.push(
    '',
    '## Rollouts',
    '',
    table(
      ['stage', 'rollouts', 'resolved', 'masked', 'mean turns', 'mean reward'],
      d.rollouts.map((r) => [r.stage, r.total, r.resolved, r.masked, num(r.meanTurns, 1), num(r.meanReward)]),
    ),
  );

  out.push('', '## Difficulty', '', figure('difficulty', 'tasks by pass rate'), '');
  out.push(
    d.difficulty.length
      ? `${d.difficulty.length} tasks estimated: ${never} never solved (p = 0), ${rates.length - never - always} mixed (0 < p < 1), ${always} always solved (p = 1)` +
          `${d.difficulty.length > rates.length ? `, ${d.difficulty.length - rates.length} with no scored sample` : ''}. ` +
          'Only mixed tasks carry a learning signal; SWE-Master keeps those.'
      : 'No difficulty estimate in this run.',
  );

  const funnel = funnelBars(d);
  out.push('', '## Filter funnel', '', figure('funnel', 'filter funnel'), '');
  out.push(
    funnel.length
      ? table(
          ['step', 'count'],
          funnel.map((b) => [b.label, b.value]),
        )
      : 'No filter stage in this run.',
  );

  const sft = d.loss.sft ?? [];
  out.push('', '## SFT', '', figure('sft_loss', 'SFT loss'), '');
  out.push(
    sft.length
      ? `Loss ${num(sft[0]!.loss)} at step ${sft[0]!.step} → ${num(sft[sft.length - 1]!.loss)} at step ${sft[sft.length - 1]!.step}` +
          ` (${sft.length} points, from ${d.lossSource.sft === 'train_metrics' ? 'every logged step' : 'the checkpoints only'}).`
      : 'No SFT loss recorded.',
  );
  if (d.checkpoints.length) {
    out.push(
      '',
      table(
        ['checkpoint', 'stage', 'step', 'loss'],
        d.checkpoints.map((c) => [c.id, c.stage, c.step, num(c.metrics.loss)]),
      ),
    );
  }

  out.push('', '## RL', '', figure('rl', 'RL reward and resolved rate'), '');
  out.push(
    d.rl.length
      ? table(
          ['iteration', 'mean reward', 'resolved rate', 'masked', 'mean turns'],
          d.rl.map((r) => [r.iteration, num(r.meanReward), pct(r.resolvedRate), r.masked, num(r.meanTurns, 1)]),
        )
      : 'No RL iterations in this run.',
  );
  out.push(...rlStepLines(d), ...rlGroupLines(d));

  out.push('', '## Masked rollouts', '', figure('masked', 'masked rollouts by reason'), '');
  out.push('Masked rollouts are infrastructure errors: left out of every rate and reward, never scored as 0.', '');
  out.push(
    d.maskedByReason.length
      ? table(
          ['stage', 'reason', 'rollouts'],
          d.maskedByReason.map((m) => [m.stage, m.reason, m.count]),
        )
      : 'None.',
  );

  out.push('', '## Test-time scaling', '', figure('tts', 'TTS@K vs Pass@K'), '');
  if (curves) {
    out.push(
      "Every point is the exact average over all K-subsets of each task's candidates (core/tts.ts); Pass@K is the unbiased " +
        "estimator, which equals the oracle selector's average. Tasks with fewer than K candidates are left out of that point.",
      '',
      table(
        ['K', 'tasks', 'TTS@K (verifier)', 'fewest turns', 'random', 'Pass@1', 'Pass@K', 'oracle'],
        curves.k.map((k, i) => [
          k,
          curves.tasks[i],
          pct(curves.tts.verifier[i]),
          pct(curves.tts.fewest_turns[i]),
          pct(curves.tts.random[i]),
          pct(curves.pass1[i]),
          pct(curves.passK[i]),
          pct(curves.oracle[i]),
        ]),
      ),
    );
    const unscored = d.tts.filter((t) => !t.masked && t.score === null).length;
    if (unscored) out.push('', `${unscored} candidates have no verifier score (ranked last by the verifier selector).`);
  } else out.push('No test-time scaling candidates in this run.');
  if (d.evaluations.length) {
    out.push(
      '',
      table(
        ['evaluation', 'kind', 'checkpoint', 'metrics'],
        d.evaluations.map((e) => [e.id, e.kind, e.checkpoint ?? '—', compact(e.metrics)]),
      ),
    );
  }

  if (d.datasets.length) {
    out.push(
      '',
      '## Datasets',
      '',
      table(
        ['dataset', 'kind', 'rows', 'stats'],
        d.datasets.map((x) => [x.id, x.kind, x.rows, compact(x.stats ?? {})]),
      ),
    );
  }
  out.push('', '## Trajectories', '');
  out.push(
    trajectories.length
      ? trajectories.map((t) => `- [${t.label}](${t.file})`).join('\n')
      : 'No trajectory files recorded.',
  );
  out.push('', '---', 'Written by `swe-forge report`. Figures are SVG with a PNG rendering beside each.', '');
  return out.join('\n');
}

/** Per GRPO step: which checkpoint answered the rollouts (as the engine said) and what the step did to the ratio. */
/** Says plainly when RL could not learn: a group whose rewards are all equal has zero advantage, so no gradient. */
export function rlGroupLines(d: Pick<ReportData, 'rlGroups'>): string[] {
  const groups = d.rlGroups ?? [];
  if (!groups.some((g) => g.groups > 0)) return []; // no group with two unmasked members: nothing to say
  const per = groups.map((g) => `iteration ${g.iteration}: ${g.mixed} of ${g.groups}`).join('; ');
  const out = ['', `GRPO groups with mixed rewards (the only ones that move the policy): ${per}.`];
  if (groups.every((g) => g.mixed === 0))
    out.push(
      '',
      '**No RL group had mixed rewards**: within every group all samples got the same reward (typically all 0: ' +
        'the policy resolved none of its tasks), so every advantage was 0 and GRPO had no gradient. A flat RL ' +
        'curve here means that, not a bug; a policy that can act on the tasks (SFT first, or the `smol` preset) ' +
        'is needed for RL to learn.',
    );
  return out;
}

function rlStepLines(d: ReportData): string[] {
  const rl = (d.run.config?.stages as { rl?: { offPolicy?: boolean } } | undefined)?.rl;
  const policy = (d.run.config?.models as { policy?: { kind?: string } } | undefined)?.policy;
  const out: string[] = [];
  if (rl?.offPolicy && policy?.kind !== 'trainer')
    out.push(
      '',
      `**Off-policy RL** (stages.rl.offPolicy): the rollouts came from the fixed "${policy?.kind ?? 'openai'}" ` +
        'endpoint, not from the checkpoints GRPO produced.',
    );
  const steps = d.rlSteps ?? [];
  if (!steps.length) return out;
  out.push(
    '',
    "Served: the checkpoint the serving engine reported answering the iteration's rollouts; produced: the step's " +
      'output. Clip low / high: tokens whose ratio the clip bound (no gradient); KL: sampler vs trainer.',
    '',
    table(
      [
        'iteration',
        'served',
        'produced',
        'clip low',
        'clip high',
        'ratio mean',
        'ratio max',
        'sampler KL',
        'grad norm',
        'mismatched turns',
      ],
      steps.map((s) => [
        s.iteration,
        s.servedCheckpoint ?? '—',
        s.stepSkipped ? `${s.producedCheckpoint ?? '—'} (no update)` : (s.producedCheckpoint ?? '—'),
        pct(s.clipFractionLow),
        pct(s.clipFractionHigh),
        num(s.ratioMean),
        num(s.ratioMax),
        num(s.samplerKl, 4),
        num(s.gradNorm),
        s.tokenMismatchTurns === null ? '—' : `${s.tokenMismatchTurns} / ${s.sampledTurns ?? '—'}`,
      ]),
    ),
  );
  return out;
}
