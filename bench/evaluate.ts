// `npm run bench -- evaluate [rounds]`: every (task, gold patch) pair of tasks/mini through the harness at
// concurrency = cores, against the same pairs as a plain shell loop of `docker run … pytest` at the same
// concurrency (xargs -P). The loop is the floor: a fresh container per pair, patches mounted read-only, git apply,
// pytest, the log to a file, no grading. Rounds alternate (raw, ours, raw, ours, ...) so drift hits both; figures
// are medians. Images are built before timing. Target: ours <= 1.10 x raw.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SandboxSchema } from '../config/schema.ts';
import { DOCKER_LABELS } from '../core/constants.ts';
import { resolveTestSpec, testCommandLine } from '../core/testSpec.ts';
import { evaluateBatch } from '../activities/harness/batch.ts';
import { prepareImport } from '../activities/tasks/importFile.ts';
import { connectDocker } from '../infra/docker.ts';
import { ensureTaskImage } from '../infra/images/taskImage.ts';

const TARGET = 1.1;
const SUITE = join(import.meta.dirname, '..', 'tasks', 'mini', 'tasks.jsonl');
const run = promisify(execFile);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number) => Math.round(x * 100) / 100;

export default async function bench(args: string[]): Promise<void> {
  const rounds = Number(args[0] ?? 3);
  const concurrency = cpus().length;
  const docker = await connectDocker();
  const { rows, errors } = await prepareImport(SUITE);
  if (errors.length) throw new Error(`tasks/mini has bad rows: ${JSON.stringify(errors)}`);
  const images = new Map<string, string>();
  for (const r of rows)
    images.set(r.task.instance_id, await ensureTaskImage(docker, r.task, { repoPath: r.sourcePath! }));
  const items = rows.map((r) => ({ task: { ...r.task, source_path: r.sourcePath }, patch: r.task.patch }));

  // The raw loop's inputs: one dir per pair with the two patches and the test command.
  const dir = mkdtempSync(join(tmpdir(), 'swe-forge-bench-eval-'));
  const jobs: string[] = [];
  for (const { task } of rows) {
    const d = join(dir, task.instance_id);
    mkdirSync(d);
    writeFileSync(join(d, 'gold.patch'), task.patch);
    writeFileSync(join(d, 'test.patch'), task.test_patch);
    writeFileSync(
      join(d, 'test.sh'),
      `cd /testbed && git apply /p/gold.patch && git apply /p/test.patch && ${testCommandLine(task, resolveTestSpec(task))}\n`,
    );
    jobs.push(`${images.get(task.instance_id)} ${d}`);
  }
  writeFileSync(join(dir, 'jobs.txt'), `${jobs.join('\n')}\n`);
  const loop =
    `xargs -P ${concurrency} -L 1 sh -c 'docker run --rm --network none --label ${DOCKER_LABELS.managed}=true ` +
    `--label ${DOCKER_LABELS.run}=bench-evaluate -v "$1":/p:ro "$0" bash /p/test.sh > "$1/log.txt" 2>&1; true' < ${dir}/jobs.txt`;

  const sandbox = SandboxSchema.parse({ testTimeoutSec: 300 });
  const raw: number[] = [];
  const ours: number[] = [];
  let resolved = 0;
  try {
    for (let i = 0; i < rounds; i++) {
      let t0 = performance.now();
      await run('bash', ['-c', loop], { maxBuffer: 1 << 24 });
      raw.push((performance.now() - t0) / 1000);
      t0 = performance.now();
      const results = await evaluateBatch(docker, items, { sandbox, concurrency, labels: { run: 'bench-evaluate' } });
      ours.push((performance.now() - t0) / 1000);
      resolved = results.filter((r) => r.outcome === 'resolved').length;
      console.log(
        `round ${i + 1}: raw loop ${round(raw.at(-1)!)} s, harness ${round(ours.at(-1)!)} s (${resolved}/${items.length} resolved)`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const rawS = median(raw);
  const oursS = median(ours);
  const ratio = round(oursS / rawS);
  console.log(`pairs ${items.length}, concurrency ${concurrency}, rounds ${rounds}`);
  console.log(`raw docker run loop: ${round(rawS)} s (median)`);
  console.log(`swe-forge harness:   ${round(oursS)} s (median; grading, output cap, cleanup included)`);
  console.log(`ratio ${ratio} (target <= ${TARGET})`);
  const ok = ratio <= TARGET && resolved === items.length;
  console.log(
    JSON.stringify({
      bench: 'evaluate',
      pairs: items.length,
      concurrency,
      rounds,
      raw_s: round(rawS),
      ours_s: round(oursS),
      resolved,
      ratio,
      target: TARGET,
      ok,
    }),
  );
}
