// Several samples of one instance stay distinct: the predictions file keeps them all, each sample slot is a harness
// run of its own, and the predictions files written for the harness never name an instance twice.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { predictionFiles, readPredictions, sampleRuns } from '../../../../activities/harness/predictions.ts';
import { buildReport } from '../../../../activities/harness/report.ts';

const dir = mkdtempSync(join(tmpdir(), 'preds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const p = (id: string, patch: string | null = 'diff') => ({
  instance_id: id,
  model_name_or_path: 'm',
  model_patch: patch,
});

describe('predictions with several samples', () => {
  it('readPredictions keeps every sample, in file order', () => {
    const file = join(dir, 'preds.jsonl');
    writeFileSync(file, [p('a', '1'), p('b'), p('a', '2')].map((x) => JSON.stringify(x)).join('\n'));
    const { predictions, errors } = readPredictions(file);
    expect(errors).toEqual([]);
    expect(predictions.map((x) => [x.instance_id, x.model_patch])).toEqual([
      ['a', '1'],
      ['b', 'diff'],
      ['a', '2'],
    ]);
  });

  it('sampleRuns: slot k holds the k-th prediction of each instance, with a run id of its own', () => {
    const runs = sampleRuns('r', [p('a', '1'), p('b'), p('a', '2'), p('a', '3')]);
    expect(runs.map((r) => [r.runId, r.predictions.map((x) => `${x.instance_id}${x.model_patch}`)])).toEqual([
      ['r.sample-0', ['a1', 'bdiff']],
      ['r.sample-1', ['a2']],
      ['r.sample-2', ['a3']],
    ]);
    expect(sampleRuns('r', [p('a'), p('b')]).map((r) => r.runId)).toEqual(['r']);
  });

  it('predictionFiles: preds.json when one sample each, else one file per slot', () => {
    expect(
      predictionFiles([
        ['a.0', p('a')],
        ['b.0', p('b')],
      ]).map((f) => [f.name, Object.keys(f.predictions)]),
    ).toEqual([['preds.json', ['a.0', 'b.0']]]);
    const files = predictionFiles([
      ['a.distill.0', p('a')],
      ['a.rl.0', p('a')],
      ['b.rl.0', p('b')],
    ]);
    expect(files.map((f) => [f.name, Object.keys(f.predictions)])).toEqual([
      ['preds.sample-0.json', ['a.distill.0', 'b.rl.0']],
      ['preds.sample-1.json', ['a.rl.0']],
    ]);
  });

  it('buildReport refuses two predictions of one instance in one run', () => {
    expect(() =>
      buildReport({ runId: 'r', datasetIds: ['a'], predictions: [p('a'), p('a')], outcomes: {}, unknownIds: [] }),
    ).toThrow(/two predictions for a/);
  });

  it('buildReport counts as make_run_report: empty is exactly "" or null; not applied and infra errors are errors', () => {
    const r = buildReport({
      runId: 'r',
      datasetIds: ['ok', 'bad', 'nope', 'infra', 'empty', 'none', 'blank', 'idle'],
      predictions: [
        p('ok'),
        p('bad'),
        p('nope'),
        p('infra'),
        p('empty', ''),
        p('none', null),
        p('blank', ' \n'),
        p('x'),
      ],
      outcomes: { ok: 'resolved', bad: 'unresolved', nope: 'patch_failed', infra: 'infra_error' },
      unknownIds: ['x'],
      timedOutIds: ['bad', 'nope'],
    });
    expect(r).toMatchObject({
      total_instances: 8,
      submitted_instances: 8,
      completed_ids: ['bad', 'ok'],
      resolved_ids: ['ok'],
      unresolved_ids: ['bad'],
      empty_patch_ids: ['empty', 'none'],
      error_ids: ['blank', 'infra', 'nope'],
      patch_failed_ids: ['blank', 'nope'],
      infra_error_ids: ['infra'],
      incomplete_ids: ['idle'],
      // A timeout is shown among the unresolved; 'nope' (not applied) is no timeout whatever the list says.
      timed_out_ids: ['bad'],
    });
  });
});
