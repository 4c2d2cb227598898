// `swe-forge tasks import|list|build|validate`: the task suite, its environment images and their validation.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Command } from 'commander';
import type Docker from 'dockerode';
import { InfraError, InputError, SweForgeError } from '../../core/errors.ts';
import { formatRowError } from '../../core/task.ts';
import { SandboxSchema } from '../../config/schema.ts';
import { prepareImport } from '../../activities/tasks/importFile.ts';
import { checkDatasetName, createTaskStore, type StoredTask } from '../../activities/tasks/store.ts';
import { familyImage, IMAGE_FAMILIES, isImageFamily } from '../../core/imageFamilies.ts';
import { validateTasks } from '../../activities/harness/validate.ts';
import { connectDocker } from '../../infra/docker.ts';
import { ensureEnvironmentImage } from '../../infra/images/environment.ts';
import { BASE_IMAGE, taskImageName } from '../../infra/images/taskImage.ts';
import { loadSettings } from '../../infra/settings.ts';
import { withDatabase } from '../database.ts';
import { progressBar } from '../progress.ts';
import { action, printJson } from '../output.ts';
import { intFlag, secondsFlag } from '../flags.ts';

const collect = (v: string, prev: string[]) => [...prev, v];
const idList = (v?: string) =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;

function parseRepoFlags(flags: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags) {
    const eq = f.indexOf('=');
    if (eq <= 0 || !f.slice(0, eq).includes('/')) throw new InputError(`--repo ${f}: expected owner/name=PATH`);
    out[f.slice(0, eq)] = f.slice(eq + 1);
  }
  return out;
}

/** The base image is built from a debootstrap rootfs (cached) by infra/images/build-base.sh when missing. */
async function ensureBaseImage(docker: Docker): Promise<void> {
  if (
    await docker
      .getImage(BASE_IMAGE)
      .inspect()
      .then(
        () => true,
        () => false,
      )
  )
    return;
  console.error(`base image ${BASE_IMAGE} is missing: building it (debootstrap, a few minutes the first time) ...`);
  const script = join(loadSettings().repoRoot, 'infra', 'images', 'build-base.sh');
  const r = spawnSync('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0)
    throw new InfraError(`${script} failed (exit ${r.status}): the base image is needed to build task images`);
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

export function registerTasks(program: Command): void {
  const tasks = program.command('tasks').description('Task instances, their environment images and validation');

  tasks
    .command('import')
    .argument(
      '<file>',
      'SWE-bench / SWE-Gym / SWE-rebench / SWE-smith rows: JSONL, JSON, parquet, or a folder of task folders',
    )
    .option(
      '--repo <owner/name=PATH>',
      'local git repository or bundle to build owner/name from (repeatable)',
      collect,
      [],
    )
    .option(
      '--dataset <name>',
      'store the rows as <name>/<instance_id> (default: the default dataset, ids as they are)',
    )
    .option(
      '--image-family <family>',
      `rows without image_name use this family's published image: ${Object.keys(IMAGE_FAMILIES).join(', ')}`,
    )
    .option('--json', 'print the result as JSON')
    .description('Validate every row and store the good ones; bad rows are reported by line and field')
    .action(
      action(async (file: string, opts: { repo: string[]; dataset?: string; imageFamily?: string; json?: boolean }) => {
        const dataset = opts.dataset === undefined ? undefined : checkDatasetName(opts.dataset);
        const family = opts.imageFamily;
        if (family !== undefined && !isImageFamily(family)) {
          throw new InputError(`--image-family ${family}: expected one of ${Object.keys(IMAGE_FAMILIES).join(', ')}`);
        }
        const prepared = await prepareImport(file, parseRepoFlags(opts.repo), {
          imageFamily: family && isImageFamily(family) ? (id: string) => familyImage(family, id) : undefined,
        });
        const result = await withDatabase((p) => createTaskStore(p).importRows(prepared.rows, { dataset }), {
          create: true,
        });
        if (prepared.graderWarning) console.error(`warning: ${prepared.graderWarning}`);
        const graders = prepared.rows.reduce<Record<string, number>>((acc, r) => {
          acc[r.task.grader ?? 'pytest'] = (acc[r.task.grader ?? 'pytest'] ?? 0) + 1;
          return acc;
        }, {});
        if (opts.json) {
          printJson({
            file,
            format: prepared.format,
            dataset: dataset ?? 'default',
            imported: prepared.rows.length,
            graders,
            ...result,
            errors: prepared.errors,
          });
        } else {
          for (const e of prepared.errors) console.error(formatRowError(e, file));
          console.log(
            `imported ${prepared.rows.length} task(s) from ${file} (${result.inserted.length} new, ` +
              `${result.updated.length} updated); ${prepared.errors.length ? `${new Set(prepared.errors.map((e) => e.line)).size} bad row(s) skipped` : 'no bad rows'}`,
          );
        }
        // The good rows are stored either way; the exit code says the file was not clean. (Thrown, not
        // process.exitCode: embedded Postgres's exit hook would reset that to 0.)
        const bad = new Set(prepared.errors.map((e) => e.line)).size;
        if (bad) throw new InputError(`${bad} bad row(s) in ${file} were not imported (the good ones were)`);
      }),
    );

  tasks
    .command('list')
    .option('--repo <owner/name>', 'only this repository')
    .option('--dataset <name>', 'only this dataset (`default` holds rows imported without --dataset)')
    .option('--json', 'one JSON object per task')
    .description('List imported tasks')
    .action(
      action(async (opts: { repo?: string; dataset?: string; json?: boolean }) => {
        const list = await withDatabase((p) => createTaskStore(p).list({ repo: opts.repo, dataset: opts.dataset }), {
          create: true,
        });
        for (const t of list) {
          const row = {
            instance_id: t.instance_id,
            dataset: t.dataset,
            source_instance_id: t.source_instance_id ?? t.instance_id,
            grader: t.grader ?? 'pytest',
            repo: t.repo,
            base_commit: t.base_commit,
            image: taskImageName(t),
            source_path: t.source_path ?? null,
            fail_to_pass: t.FAIL_TO_PASS.length,
            pass_to_pass: t.PASS_TO_PASS.length,
          };
          if (opts.json) printJson(row);
          else
            console.log(
              `${t.instance_id.padEnd(28)} ${t.repo.padEnd(18)} ${t.base_commit.slice(0, 10)}  F2P ${row.fail_to_pass}  P2P ${row.pass_to_pass}`,
            );
        }
        if (!opts.json) console.log(`${list.length} task(s)`);
      }),
    );

  tasks
    .command('build')
    .option('--ids <ids>', 'comma-separated instance ids (default: all imported)')
    .option('--concurrency <n>', 'images built at once', intFlag(1), 2)
    .option('--json', 'one JSON object per task')
    .description('Build the environment image of each task (cached; labelled)')
    .action(
      action(async (opts: { ids?: string; concurrency: number; json?: boolean }) => {
        const list = await withDatabase((p) => createTaskStore(p).list({ ids: idList(opts.ids) }), { create: true });
        const docker = await connectDocker();
        await ensureBaseImage(docker);
        const bar = progressBar(list.length, 'build', { quiet: false });
        let failed = 0;
        await pool(list, opts.concurrency, async (t: StoredTask) => {
          const t0 = Date.now();
          const row = {
            instance_id: t.instance_id,
            image: taskImageName(t),
            status: 'ok',
            seconds: 0,
            error: undefined as string | undefined,
          };
          try {
            const source = t.source_path && !t.image_name ? { repoPath: t.source_path } : undefined;
            row.image = await ensureEnvironmentImage(docker, t, { source });
          } catch (err) {
            failed++;
            row.status = 'failed';
            row.error = (err as Error).message;
          }
          row.seconds = Math.round((Date.now() - t0) / 100) / 10;
          bar.tick(`${t.instance_id} ${row.status}`);
          if (opts.json) printJson(row);
          else if (row.error) console.error(`\n${t.instance_id}: ${row.error}`);
        });
        bar.done();
        if (!opts.json) console.log(`${list.length - failed}/${list.length} image(s) ready`);
        if (failed) throw new InfraError(`${failed} of ${list.length} image(s) failed to build`);
      }),
    );

  tasks
    .command('validate')
    .option('--ids <ids>', 'comma-separated instance ids (default: all imported)')
    .option('--concurrency <n>', 'evaluations at once', intFlag(1), 2)
    .option('--timeout <sec>', 'test timeout per evaluation: seconds, or 15m / 1h', secondsFlag(1), 900)
    .option('--json', 'one JSON object per task')
    .description('Check each task: the gold patch must resolve it and the empty patch must not')
    .action(
      action(async (opts: { ids?: string; concurrency: number; timeout: number; json?: boolean }) => {
        const list = await withDatabase((p) => createTaskStore(p).list({ ids: idList(opts.ids) }), { create: true });
        const docker = await connectDocker();
        const sandbox = SandboxSchema.parse({ testTimeoutSec: opts.timeout });
        const bar = progressBar(list.length, 'validate', { quiet: !!opts.json });
        const results = await validateTasks(docker, list, {
          sandbox,
          concurrency: opts.concurrency,
          attempts: sandbox.infraMaxAttempts,
          onDone: (v) => {
            bar.tick(`${v.instance_id} ${v.valid ? 'ok' : 'INVALID'}`);
            if (opts.json) {
              const { instance_id, repo, gold_resolved, empty_resolved, seconds } = v;
              printJson({ instance_id, repo, gold_resolved, empty_resolved, seconds });
            }
          },
        });
        bar.done();
        const invalid = results.filter((v) => !v.valid);
        if (!opts.json) {
          for (const v of invalid) {
            console.log(
              `INVALID ${v.instance_id}: gold ${v.gold.outcome} (${v.gold.message}); empty ${v.empty.outcome} (${v.empty.message})`,
            );
          }
          console.log(`${results.length - invalid.length}/${results.length} task(s) valid`);
        }
        if (invalid.length) throw new SweForgeError(`${invalid.length} of ${results.length} task(s) invalid`);
      }),
    );
}
