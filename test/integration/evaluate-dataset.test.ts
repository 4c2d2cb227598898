// `swe-forge evaluate --dataset FILE --predictions P --run-id R` as the SWE-bench harness is run: no import, no
// database (none is reachable here: DATABASE_URL points at a closed port), the harness's report keys in
// <model>.<run_id>.json and its per-instance files. Two rows over one fixture repository: one on our pytest
// grader, one whose repository the swebench package knows (pallets/flask: its parser, its markers, its report).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker } from '../../infra/docker.ts';
import { harnessRunReport } from '../../infra/pybridge/index.ts';
import { makeCalcRepo, type CalcRepo } from '../fixtures/calcRepo.ts';
import { removeTaskImages } from '../../dev/dockerCleanup.ts';

const TAG = `${process.pid}e`;
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'swe-forge.mjs');
let repo: CalcRepo;
let docker: Docker;
let work: string;
let ours: string;
let harness: string;

beforeAll(async () => {
  docker = await connectDocker();
  repo = makeCalcRepo(TAG);
  work = mkdtempSync(join(tmpdir(), 'swe-forge-evalds-'));
  const { calc } = repo.tasks;
  ours = calc.instance_id;
  harness = `pallets__flask-${TAG}`;
  const lists = { FAIL_TO_PASS: ['tests/test_add.py::test_add'], PASS_TO_PASS: ['tests/test_add.py::test_add_zero'] };
  const rows = [
    { ...calc, ...lists },
    { ...calc, ...lists, instance_id: harness, repo: 'pallets/flask', version: '2.3' },
  ];
  writeFileSync(join(work, 'dataset.json'), JSON.stringify(rows));
  const preds = [
    { instance_id: ours, model_name_or_path: 'org/model-x', model_patch: calc.patch },
    { instance_id: harness, model_name_or_path: 'org/model-x', model_patch: calc.patch },
    { instance_id: 'not-in-dataset', model_name_or_path: 'org/model-x', model_patch: calc.patch },
  ];
  writeFileSync(join(work, 'preds.jsonl'), preds.map((p) => JSON.stringify(p)).join('\n'));
});

afterAll(async () => {
  await removeTaskImages(docker, `fixture__calc-${TAG}`);
  await removeTaskImages(docker, harness);
  rmSync(work, { recursive: true, force: true });
  rmSync(repo.root, { recursive: true, force: true });
});

describe('evaluate --dataset', () => {
  it('writes <model>.<run_id>.json and logs/run_evaluation/<run_id>/<model>/<id>/ with no import and no database', () => {
    const run = spawnSync(
      process.execPath,
      [
        BIN,
        'evaluate',
        '--dataset',
        'dataset.json',
        '--predictions',
        'preds.jsonl',
        '--run-id',
        'r1',
        '--repo',
        `fixture/calc=${repo.dir}`,
        '--repo',
        `pallets/flask=${repo.dir}`,
        '--concurrency',
        '2',
      ],
      {
        cwd: work,
        encoding: 'utf8',
        timeout: 600_000,
        env: { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' },
      },
    );
    // Exit 2: the prediction for an id the dataset does not have (reported, the rest evaluated).
    expect([run.status, run.stderr]).toEqual([2, expect.stringContaining('not-in-dataset: not in dataset.json')]);
    const report = JSON.parse(readFileSync(join(work, 'org__model-x.r1.json'), 'utf8'));
    for (const key of ['total_instances', 'submitted_instances', 'completed_instances', 'resolved_instances']) {
      expect(report).toHaveProperty(key);
    }
    expect(report).toMatchObject({
      total_instances: 2,
      resolved_instances: 2,
      resolved_ids: [harness, ours].sort(),
      error_ids: [],
      schema_version: 2,
    });
    for (const id of [ours, harness]) {
      const d = join(work, 'logs', 'run_evaluation', 'r1', 'org__model-x', id);
      for (const f of ['report.json', 'test_output.txt', 'patch.diff', 'eval.sh'])
        expect(existsSync(join(d, f))).toBe(true);
      const rep = JSON.parse(readFileSync(join(d, 'report.json'), 'utf8'))[id];
      expect(rep).toMatchObject({ patch_exists: true, patch_successfully_applied: true, resolved: true });
      expect(rep.tests_status.FAIL_TO_PASS.success).toEqual(['tests/test_add.py::test_add']);
      expect(readFileSync(join(d, 'patch.diff'), 'utf8')).toBe(repo.tasks.calc.patch);
    }
    // The package-graded row ran between the harness's markers and was read by its parser.
    const hd = join(work, 'logs', 'run_evaluation', 'r1', 'org__model-x', harness);
    const out = readFileSync(join(hd, 'test_output.txt'), 'utf8');
    expect(out).toContain('>>>>> Start Test Output');
    expect(out).toMatch(/>>>>> Test Exit Code: 0/);
    expect(readFileSync(join(hd, 'report.json'), 'utf8')).toContain('infra_failure');
  });

  it("two samples of an instance are two harness runs, and the package's make_run_report over the tree agrees", async () => {
    const bad = 'diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -1 +1 @@\n-nothing like this\n+x\n';
    const preds = [
      { instance_id: ours, model_name_or_path: 'org/model-x', model_patch: repo.tasks.calc.patch },
      { instance_id: harness, model_name_or_path: 'org/model-x', model_patch: bad },
      { instance_id: ours, model_name_or_path: 'org/model-x', model_patch: bad },
    ];
    writeFileSync(join(work, 'preds2.jsonl'), preds.map((p) => JSON.stringify(p)).join('\n'));
    const args = ['evaluate', '--dataset', 'dataset.json', '--predictions', 'preds2.jsonl', '--run-id', 'r2', '--json'];
    const repos = ['--repo', `fixture/calc=${repo.dir}`, '--repo', `pallets/flask=${repo.dir}`];
    const run = spawnSync(process.execPath, [BIN, ...args, ...repos], {
      cwd: work,
      encoding: 'utf8',
      timeout: 600_000,
      env: { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' },
    });
    expect([run.status, run.stderr.slice(-2000)]).toEqual([0, expect.any(String)]);
    const reports = ['r2.sample-0', 'r2.sample-1'].map((id) =>
      JSON.parse(readFileSync(join(work, `org__model-x.${id}.json`), 'utf8')),
    );
    expect(reports.map((r) => [r.run_id, r.resolved_ids, r.error_ids, r.patch_failed_ids])).toEqual([
      ['r2.sample-0', [ours], [harness], [harness]],
      ['r2.sample-1', [], [ours], [ours]],
    ]);
    expect(JSON.parse(run.stdout).samples).toHaveLength(2);
    const harnessKeys = [
      ...['total_instances', 'submitted_instances', 'completed_instances', 'resolved_instances'],
      ...['unresolved_instances', 'empty_patch_instances', 'error_instances', 'completed_ids', 'incomplete_ids'],
      ...['empty_patch_ids', 'submitted_ids', 'resolved_ids', 'unresolved_ids', 'error_ids'],
    ];
    const slots = [[preds[0]!, preds[1]!], [preds[2]!]]; // the k-th prediction of each instance
    for (const [k, r] of reports.entries()) {
      const { report: theirs } = await harnessRunReport({
        root: work,
        runId: r.run_id,
        predictions: slots[k]!,
        datasetIds: [ours, harness],
      });
      for (const key of harnessKeys) expect([r.run_id, key, r[key]]).toEqual([r.run_id, key, theirs[key]]);
    }
  }, 600_000);
});
