// writeReport: the per-run report (Markdown, SVG + PNG figures, trajectory viewer pages, summary.json) in
// <artifacts>/runs/<runId>/reports, or in outDir. Idempotent: a rerun overwrites the same files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import type { ReportRef, WriteReportInput } from '../contracts.ts';
import type { ActivityDeps } from '../deps.ts';
import { runArtifactsDir } from '../scoring/files.ts';
import { loadReportData } from './data.ts';
import { buildFigures, ttsCurvesOf } from './figures.ts';
import { renderMarkdown } from './markdown.ts';
import { svgToPng } from './png.ts';
import { sweWorldMarkdown, sweWorldSection } from './sweWorld.ts';
import { loadReliability, reliabilityMarkdown } from './reliability.ts';
import { writeTrajectoryPage } from './trajectoryPage.ts';

export interface WriteReportOptions extends WriteReportInput {
  /** Default: <artifacts>/runs/<runId>/reports. */
  outDir?: string;
  /** Viewer pages written for sample rollouts (a resolved and an unresolved one per stage). */
  maxTrajectories?: number;
}

export async function writeReport(
  { pool, settings }: { pool: pg.Pool; settings: Pick<ActivityDeps['settings'], 'artifactsDir'> },
  input: WriteReportOptions,
): Promise<ReportRef & { summary: Record<string, unknown> }> {
  const dir = input.outDir ?? join(runArtifactsDir(settings.artifactsDir, input.runId), 'reports');
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
  const summary = {
    runId: input.runId,
    status: data.run.status,
    rollouts: data.rollouts,
    difficulty: {
      tasks: data.difficulty.length,
      mixed: data.difficulty.filter((t) => t.passRate !== null && t.passRate > 0 && t.passRate < 1).length,
    },
    rl: data.rl,
    tts: curves,
    sweWorld: sweWorldSection(data),
    masked: data.maskedByReason,
    reliability: await loadReliability(pool, input.runId),
  };
  put('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
  const reportPath = join(dir, 'report.md');
  const md = renderMarkdown({ data, curves, trajectories });
  const sections = [...sweWorldMarkdown(summary.sweWorld), ...reliabilityMarkdown(summary.reliability)];
  put('report.md', [md.trimEnd(), ...sections, ''].join('\n'));
  return { reportPath, files: files.sort(), summary };
}
