// writeReport: the per-run report (Markdown, SVG + PNG figures, trajectory viewer pages, summary.json) in
// <artifacts>/runs/<runId>/reports, or in outDir. Idempotent: a rerun overwrites the same files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import type { ReportRef, WriteReportInput } from '../../contracts/scoring.ts';
import type { ActivityDeps } from '../deps.ts';
import { runPaths } from '../../infra/layout.ts';
import { loadReportData } from './data.ts';
import { buildFigures, ttsCurvesOf } from './figures.ts';
import { renderMarkdown } from './markdown.ts';
import { svgToPng } from './png.ts';
import { sweWorldMarkdown, sweWorldSection } from './sweWorld.ts';
import { loadReliability, reliabilityMarkdown } from './reliability.ts';
import { writeTrajectoryPage } from './trajectoryPage.ts';
import { breakdownMarkdown, loadBreakdown } from './breakdown.ts';
import { grpoMarkdown, grpoRows } from './grpo.ts';
import { rlScheduleMarkdown } from './rlSchedule.ts';
import { loadToolUsage, toolUsageMarkdown } from './toolUsage.ts';
import { loadIndexRows, renderIndexHtml } from './trajectoryIndex.ts';

export interface WriteReportOptions extends WriteReportInput {
  /** Default: <artifacts>/runs/<runId>/reports. */
  outDir?: string;
  /** Viewer pages written for sample rollouts (a resolved and an unresolved one per stage). */
  maxTrajectories?: number;
  /** Viewer pages written for the trajectory index (every rollout with a trajectory file, up to this many). */
  maxIndexPages?: number;
}

export async function writeReport(
  { pool, settings }: { pool: pg.Pool; settings: Pick<ActivityDeps['settings'], 'artifactsDir'> },
  input: WriteReportOptions,
): Promise<ReportRef & { summary: Record<string, unknown> }> {
  const dir = input.outDir ?? runPaths.reports(settings.artifactsDir, input.runId);
  const data = await loadReportData(pool, input.runId, input.maxTrajectories ?? 12);
  const curves = ttsCurvesOf(data);
  const files: string[] = [];
  const put = (rel: string, body: string | Buffer) => {
    const path = join(dir, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, body);
    files.push(path);
  };
  for (const f of buildFigures(data, curves)) {
    put(`figures/${f.name}.svg`, f.svg);
    put(`figures/${f.name}.png`, svgToPng(f.svg));
  }
  const trajectories = [];
  for (const s of data.samples) {
    const file = `trajectories/rollout-${s.id}.html`;
    files.push(await writeTrajectoryPage(pool, s.id, join(dir, file)));
    const status = s.masked ? 'masked' : (s.outcome ?? 'not graded');
    trajectories.push({ id: s.id, file, label: `rollout ${s.id}: ${s.taskId} #${s.sample} (${s.stage}, ${status})` });
  }
  // The index lists every rollout; pages beyond the samples above are written for the first maxIndexPages.
  const indexRows = await loadIndexRows(pool, input.runId);
  const pages = new Map(trajectories.map((t) => [t.id, t.file.replace(/^trajectories\//, '')]));
  for (const r of indexRows) {
    if (!r.hasTrajectory || pages.has(r.id) || pages.size >= (input.maxIndexPages ?? 500)) continue;
    files.push(await writeTrajectoryPage(pool, r.id, join(dir, 'trajectories', `rollout-${r.id}.html`)));
    pages.set(r.id, `rollout-${r.id}.html`);
  }
  put('trajectories/index.html', renderIndexHtml(input.runId, indexRows, pages));
  const breakdown = await loadBreakdown(pool, input.runId);
  put('per-instance.json', `${JSON.stringify(breakdown.instances, null, 2)}\n`);
  const grpo = grpoRows(data);
  const summary = {
    runId: input.runId,
    status: data.run.status,
    rollouts: data.rollouts,
    difficulty: {
      tasks: data.difficulty.length,
      mixed: data.difficulty.filter((t) => t.passRate !== null && t.passRate > 0 && t.passRate < 1).length,
    },
    rl: data.rl,
    grpo,
    perRepo: breakdown.repos,
    tts: curves,
    sweWorld: sweWorldSection(data),
    masked: data.maskedByReason,
    reliability: await loadReliability(pool, input.runId),
    tools: await loadToolUsage(pool, input.runId),
  };
  put('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
  const reportPath = join(dir, 'report.md');
  const md = renderMarkdown({ data, curves, trajectories });
  const sections = [
    ...grpoMarkdown(grpo),
    ...rlScheduleMarkdown(data.rlSteps),
    ...toolUsageMarkdown(summary.tools),
    ...breakdownMarkdown(breakdown),
    '',
    `Every rollout, filterable by stage, outcome and task: [trajectory index](trajectories/index.html).`,
    ...sweWorldMarkdown(summary.sweWorld),
    ...reliabilityMarkdown(summary.reliability),
  ];
  put('report.md', [md.trimEnd(), ...sections, ''].join('\n'));
  return { reportPath, files: files.sort(), summary };
}
