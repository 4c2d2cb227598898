// The report's SWE-World section (issue 14): summary.json's sweWorld object and the Markdown table put the
// held-out accuracy next to the paper's 77.59 %, the majority-class rate, the baseline, and the TTS scorer's name.
import { describe, expect, it } from 'vitest';
import { majority, sweWorldMarkdown, sweWorldSection } from '../../../../activities/report/sweWorld.ts';
import { heldOutMetrics } from '../../../../core/verifierMetrics.ts';

const heldOut = (kind: 'orm' | 'swe_world') => ({
  kind,
  checkpointId: `r/${kind}`,
  heldOutTasks: ['a', 'b'],
  ...heldOutMetrics([
    { taskId: 'a', resolved: true, predicted: 1, score: 0.9 },
    { taskId: 'a', resolved: true, predicted: 1, score: 0.8 },
    { taskId: 'b', resolved: false, predicted: 1, score: 0.6 },
  ]),
});
const stages = [
  {
    stage: 'sweWorld',
    completedAt: new Date(0),
    summary: {
      datasetId: 'd',
      rows: 1,
      checkpointId: 'r/verifier/step-6',
      path: '/p',
      onnxDir: '/o',
      kind: 'swe_world',
      heldOut: heldOut('swe_world'),
      baseline: {
        kind: 'orm',
        checkpointId: 'r/verifier-orm/step-6',
        path: '/q',
        onnxDir: '/o2',
        heldOut: heldOut('orm'),
      },
    },
  },
  {
    stage: 'tts',
    completedAt: new Date(0),
    summary: {
      evaluationId: 'r:tts',
      tasks: 3,
      k: 4,
      ttsAtK: 0.5,
      pass1: 0.4,
      passK: 0.9,
      scoredWith: { source: 'run', kind: 'swe_world', name: 'r/verifier/step-6' },
      baseline: { scoredWith: { source: 'run', kind: 'orm', name: 'r/verifier-orm/step-6' }, ttsAtK: 0.25 },
    },
  },
];

describe('the SWE-World report section', () => {
  it('summary.sweWorld carries heldOut, the baseline, the paper figure and what TTS scored with', () => {
    const s = sweWorldSection({ stages })!;
    expect(s.heldOut).toMatchObject({ rewardAccuracy: 2 / 3, precision: 2 / 3, recall: 1, n: 3 });
    expect(s.baseline).toMatchObject({ kind: 'orm', checkpointId: 'r/verifier-orm/step-6' });
    expect(s.paper.rewardAccuracy).toBe(0.7759);
    expect(s.tts).toMatchObject({ ttsAtK: 0.5, scoredWith: { name: 'r/verifier/step-6' }, baseline: { ttsAtK: 0.25 } });
    expect(majority(s.heldOut!)).toBeCloseTo(2 / 3);
    expect(sweWorldSection({ stages: [] })).toBeNull();
  });

  it('the Markdown table puts ours next to the paper and names the TTS checkpoint', () => {
    const md = sweWorldMarkdown(sweWorldSection({ stages })).join('\n');
    expect(md).toContain('| swe_world (r/verifier/step-6) | 66.7 % |');
    expect(md).toContain('| orm baseline (r/verifier-orm/step-6) | 66.7 % |');
    expect(md).toContain('| SWE-Master paper (SWE-World) | 77.6 % |');
    expect(md).toContain("TTS scored with the run's own swe_world r/verifier/step-6: TTS@K 50.0 %.");
    expect(md).toContain('With the orm baseline (r/verifier-orm/step-6): TTS@K 25.0 %.');
  });
});
