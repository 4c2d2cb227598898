// `swe-forge export trajectories RUN --format F` and `swe-forge import trajectories FILE… --format F --run RUN`.
// Imported files become rollout rows (stage distill by default) with trajectory files in the artifact store, so
// the filter stage of that run takes them as SFT candidates like its own; their outcome comes from a SWE-bench
// report (--report, resolved_ids) or --resolved, since a foreign file does not say whether its patch passes.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Option, type Command } from 'commander';
import { InputError } from '../../core/errors.ts';
import type { RolloutStage, TrajectoryMessage } from '../../contracts/rollout.ts';
import { TRAJECTORY_FORMATS, trajectoryFileName, type TrajectoryFormat } from '../../activities/export/formats.ts';
import { loadSettings } from '../../infra/settings.ts';
import { action, printJson } from '../output.ts';

const STAGES: RolloutStage[] = ['distill', 'difficulty', 'rl', 'tts', 'eval'];
const formatOption = () =>
  new Option('--format <format>', 'trajectory file format').choices(TRAJECTORY_FORMATS).makeOptionMandatory();

interface ExportOpts {
  format: TrajectoryFormat;
  out?: string;
  stage?: string;
  resolved?: boolean;
  json?: boolean;
}

async function exportRun(run: string, o: ExportOpts): Promise<void> {
  const { withDatabase } = await import('../database.ts');
  const { exportTrajectory } = await import('../../activities/export/trajectoryFormats.ts');
  const { readTrajectory } = await import('../../activities/trajectory/store.ts');
  const out = resolve(o.out ?? `${run}.trajectories.${o.format}`);
  const rows = await withDatabase(async (pool) => {
    const r = await pool.query(
      `select id, stage, task_id, sample, model, patch, outcome, exit_reason, trajectory_path from rollouts
        where run_id = $1 and ($2::text is null or stage = $2) and (not $3 or outcome = 'resolved')
          and trajectory_path is not null order by stage, task_id, sample`,
      [run, o.stage ?? null, !!o.resolved],
    );
    return r.rows;
  });
  if (!rows.length) throw new InputError(`RUN: no rollouts with trajectories for run ${run}`);
  mkdirSync(out, { recursive: true });
  const preds: [string, { instance_id: string; model_name_or_path: string; model_patch: string }][] = [];
  let written = 0;
  for (const r of rows) {
    if (!existsSync(r.trajectory_path)) continue;
    const messages = await readTrajectory(r.trajectory_path);
    const id = `${r.task_id}.${r.stage}.${r.sample}`;
    const info = { instanceId: r.task_id, model: r.model, patch: r.patch, exitStatus: r.exit_reason };
    // SWE-agent and mini-swe-agent keep one folder per instance (<id>/<id>.traj); OpenHands files sit side by side.
    const dir = o.format === 'openhands' ? out : join(out, id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, trajectoryFileName(id, o.format)),
      JSON.stringify(exportTrajectory(messages, info, o.format), null, 1),
    );
    preds.push([id, { instance_id: r.task_id, model_name_or_path: r.model, model_patch: r.patch ?? '' }]);
    written++;
  }
  // Several rollouts of one instance would collapse in one harness predictions file: one file per sample slot.
  const { predictionFiles } = await import('../../activities/harness/predictions.ts');
  const files = predictionFiles(preds);
  for (const f of files) writeFileSync(join(out, f.name), JSON.stringify(f.predictions, null, 1));
  const predictions = files.map((f) => f.name);
  if (o.json) printJson({ run, format: o.format, dir: out, trajectories: written, predictions });
  else console.log(`${written} trajectories (${o.format}) -> ${out} (predictions: ${predictions.join(', ')})`);
}

interface ImportOpts {
  format: TrajectoryFormat;
  run: string;
  stage: string;
  model: string;
  task?: string;
  report?: string;
  resolved?: boolean;
  json?: boolean;
}

/** The instance id a file is for, from its name as each tool writes it (<id>.traj, <id>.traj.json). */
const taskOf = (file: string) =>
  basename(file)
    .replace(/\.gz$/, '')
    .replace(/(\.openhands)?\.json$|\.traj(\.json)?$/, '');

async function importFiles(files: string[], o: ImportOpts): Promise<void> {
  if (!STAGES.includes(o.stage as RolloutStage)) throw new InputError(`--stage: one of ${STAGES.join(', ')}`);
  const { importTrajectories } = await import('../../activities/export/trajectoryImport.ts');
  const { trajectoryPath, writeTrajectory } = await import('../../activities/trajectory/store.ts');
  const { upsertRollout } = await import('../../activities/agent/rolloutStore.ts');
  const { withDatabase } = await import('../database.ts');
  const resolvedIds = o.report
    ? new Set((JSON.parse(readFileSync(o.report, 'utf8')) as { resolved_ids?: string[] }).resolved_ids ?? [])
    : null;
  // Every file is read before anything is stored: one that fails (no action found, a call without its
  // observation) stops the import with its name. An OpenHands output.jsonl holds one instance a line.
  const parsed = files.flatMap((f) => {
    const raw = readFileSync(f);
    const content = (f.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    return importTrajectories(content, f, o.format).map((t) => ({
      file: f,
      task: o.task ?? t.instanceId ?? taskOf(f),
      ...t,
    }));
  });
  const settings = loadSettings();
  const rows = await withDatabase(
    async (pool) => {
      const out = [];
      for (const [i, p] of parsed.entries()) {
        const resolved = o.resolved || !!resolvedIds?.has(p.task);
        const path = trajectoryPath(settings.artifactsDir, {
          runId: o.run,
          stage: o.stage as RolloutStage,
          taskId: p.task,
          sample: i,
        });
        await writeTrajectory(path, p.messages as TrajectoryMessage[]);
        const now = new Date();
        const id = await upsertRollout(pool, {
          runId: o.run,
          stage: o.stage as RolloutStage,
          taskId: p.task,
          sample: i,
          model: o.model,
          seed: 0,
          turns: p.messages.filter((m) => m.role === 'assistant').length,
          promptTokens: 0,
          completionTokens: 0,
          tokens: 0,
          exitReason: p.patch !== null ? 'submitted' : 'max_turns',
          forced: false,
          patch: p.patch,
          outcome: resolved ? 'resolved' : 'unresolved',
          reward: resolved ? 1 : 0,
          masked: false,
          historyAttempts: 0,
          loopCount: 0,
          formatErrors: 0,
          trajectoryPath: path,
          startedAt: now,
          finishedAt: now,
          attempt: 1,
        });
        out.push({
          file: p.file,
          task: p.task,
          rolloutId: id,
          outcome: resolved ? 'resolved' : 'unresolved',
          messages: p.messages.length,
        });
      }
      return out;
    },
    { settings, create: true },
  );
  if (o.json) rows.forEach((r) => printJson(r));
  else
    for (const r of rows)
      console.log(`${r.file} -> rollout ${r.rolloutId} (${r.task}, ${r.outcome}, ${r.messages} messages)`);
}

export function registerTrajectoryIo(exp: Command, program: Command): void {
  exp
    .command('trajectories')
    .argument('<run>', 'run id')
    .addOption(formatOption())
    .option('--out <dir>', 'output folder (default: <run>.trajectories.<format>)')
    .option('--stage <stage>', `only this stage (${STAGES.join(', ')})`)
    .option('--resolved', 'only rollouts whose patch resolved the task')
    .option('--json', 'print { dir, trajectories } as JSON')
    .description('Rollout trajectories as SWE-agent, OpenHands or mini-swe-agent files (plus preds.json)')
    .action(action((run: string, opts: ExportOpts) => exportRun(run, opts)));

  const imp =
    program.commands.find((c) => c.name() === 'import') ??
    program.command('import').description('Import trajectories of other agents');
  imp
    .command('trajectories')
    .argument(
      '<files...>',
      'trajectory files (<id>.traj, <id>.traj.json, OpenHands event lists or output.jsonl; .gz read as well)',
    )
    .addOption(formatOption())
    .requiredOption('--run <run>', 'run id the rollouts are recorded under (its filter stage can use them)')
    .option('--stage <stage>', 'stage recorded on the rows', 'distill')
    .option('--model <name>', 'model name recorded on the rows', 'imported')
    .option('--task <id>', 'instance id (default: the one the file names, else its file name)')
    .option('--report <file>', 'SWE-bench report whose resolved_ids marks rollouts resolved')
    .option('--resolved', 'mark every imported rollout resolved (its patch is known to pass)')
    .option('--json', 'one JSON object per imported file')
    .description('Store trajectories of SWE-agent, OpenHands or mini-swe-agent as rollouts (SFT candidates)')
    .action(action((files: string[], opts: ImportOpts) => importFiles(files, opts)));
}
