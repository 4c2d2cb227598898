// Turning K candidates per evaluation task into numbers: TTS@K (one picked by the verifier), Pass@1 and Pass@K
// over the same candidates. Stored as an evaluations row plus a short Markdown file next to the run's reports.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ttsAtK, type Candidate } from '../../core/passk.ts';
import type { ActivityDeps } from '../deps.ts';
import { fetchRollouts } from './rolloutRows.ts';
import type { EvaluationInput, TtsSummary } from '../../contracts/pipeline.ts';
import { runPaths } from '../../infra/layout.ts';

const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(1)} %`);

export function createEvaluationActivities({ pool, settings }: Pick<ActivityDeps, 'pool' | 'settings'>) {
  return {
    async recordEvaluation(input: EvaluationInput): Promise<TtsSummary> {
      const rows = await fetchRollouts(pool, input.runId, [input.stage]);
      const scores = new Map(input.scores.map((s) => [s.rolloutId, s.score]));
      const groups = new Map<string, Candidate[]>();
      let masked = 0;
      for (const r of rows) {
        // Masked candidates (infrastructure errors) are neither right nor wrong: they are not candidates.
        if (r.masked) {
          masked++;
          continue;
        }
        const c: Candidate = { rolloutId: r.id, resolved: r.resolved, score: scores.get(r.id) ?? null, turns: r.turns };
        groups.set(r.taskId, [...(groups.get(r.taskId) ?? []), c]);
      }
      const res = ttsAtK(groups, input.k, input.selector, input.seed);
      const summary: TtsSummary = {
        evaluationId: input.evaluationId,
        tasks: res.tasks,
        k: input.k,
        ttsAtK: input.kind === 'tts' ? res.ttsAtK : null,
        pass1: res.pass1,
        passK: res.passK,
        ...(input.scoredWith ? { scoredWith: input.scoredWith } : {}),
      };
      const scorer = input.scoredWith
        ? `; scored with ${input.scoredWith.source === 'run' ? "the run's" : 'the external'} ${input.scoredWith.kind} ${input.scoredWith.name}`
        : '';
      const dir = runPaths.reports(settings.artifactsDir, input.runId);
      mkdirSync(dir, { recursive: true });
      const reportPath = join(dir, `${input.kind}-${input.evaluationId.replace(/[^A-Za-z0-9._-]/g, '_')}.md`);
      writeFileSync(
        reportPath,
        [
          `# ${input.kind === 'tts' ? 'Test-time scaling' : 'Evaluation'}: ${input.runId}`,
          '',
          `checkpoint: ${input.checkpoint ?? '(base policy)'}; tasks: ${res.tasks}; K = ${input.k}; masked candidates: ${masked}${scorer}`,
          '',
          '| metric | value |',
          '|---|---|',
          ...(input.kind === 'tts' ? [`| TTS@${input.k} (${input.selector}) | ${pct(summary.ttsAtK)} |`] : []),
          `| Pass@1 | ${pct(res.pass1)} |`,
          `| Pass@${input.k} | ${pct(res.passK)} |`,
          '',
        ].join('\n'),
      );
      await pool.query(
        `insert into evaluations (id, run_id, kind, checkpoint, metrics, report_path) values ($1, $2, $3, $4, $5, $6)
         on conflict (id) do update set metrics = excluded.metrics, report_path = excluded.report_path, checkpoint = excluded.checkpoint`,
        [
          input.evaluationId,
          input.runId,
          input.kind,
          input.checkpoint,
          { ...summary, masked, picks: res.picks.length },
          reportPath,
        ],
      );
      return { ...summary, reportPath };
    },
  };
}
