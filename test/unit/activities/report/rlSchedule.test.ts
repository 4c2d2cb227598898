import { describe, expect, it } from 'vitest';
import type { RlIterationView } from '../../../../activities/pipeline/rlIterations.ts';
import { rlScheduleMarkdown } from '../../../../activities/report/rlSchedule.ts';

const row = (over: Partial<RlIterationView>): RlIterationView =>
  ({ iteration: 1, iterationMs: null, boundMs: null, swapMs: null, rolloutMs: null, trainMs: null, mode: null,
     staleness: null, staleDropped: null, staleRerun: null, extraGroups: null, droppedGroups: null,
     tisTruncated: null, ...over }) as RlIterationView; // prettier-ignore

describe('the report RL schedule', () => {
  it('shows time against the bound and the staleness per iteration', () => {
    const md = rlScheduleMarkdown([
      row({ iteration: 1, mode: 'async', iterationMs: 30_000, boundMs: 15_000, swapMs: 200, rolloutMs: 15_000,
            trainMs: 14_800, staleness: { '0': 16 }, staleDropped: 0, staleRerun: 0, tisTruncated: 0.25 }),
      row({ iteration: 2, mode: 'async', iterationMs: 15_500, boundMs: 15_200, swapMs: 400, rolloutMs: 15_200,
            trainMs: 14_800, staleness: { '1': 14, '2': 2 }, staleDropped: 2, staleRerun: 0, extraGroups: 1,
            droppedGroups: 1 }),
    ]).join('\n'); // prettier-ignore
    expect(md).toContain('## RL schedule');
    expect(md).toContain('Mode async.');
    expect(md).toContain('45.5 s achieved, 30.2 s bound over 2 iterations');
    expect(md).toMatch(/\| 2 \| 0\.4 \| 15\.2 \| 14\.8 \| 15\.5 \| 15\.2 \| 1: 14, 2: 2 \| 2 \/ 0 \| 1 \/ 1 \| — \|/);
    expect(md).toMatch(/\| 1 \| 0\.2 \|.*\| 0: 16 \| 0 \/ 0 \| — \| 25\.0 ?% \|/);
  });

  it('is left out for iterations recorded before it was counted', () => {
    expect(rlScheduleMarkdown([row({ iteration: 1 })])).toEqual([]);
    expect(rlScheduleMarkdown(undefined)).toEqual([]);
  });
});
