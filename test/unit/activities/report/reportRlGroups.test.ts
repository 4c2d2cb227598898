import { describe, expect, it } from 'vitest';
import { rlGroupLines } from '../../../../activities/report/markdown.ts';

describe('report: RL groups with mixed rewards', () => {
  it('says plainly when no group had mixed rewards (a flat RL line with no gradient)', () => {
    const flat = rlGroupLines({ rlGroups: [{ iteration: 1, groups: 2, mixed: 0 }] }).join('\n');
    expect(flat).toContain('iteration 1: 0 of 2');
    expect(flat).toContain('No RL group had mixed rewards');
  });

  it('counts mixed groups per iteration and stays quiet without groups', () => {
    const lines = rlGroupLines({
      rlGroups: [
        { iteration: 1, groups: 2, mixed: 0 },
        { iteration: 2, groups: 2, mixed: 1 },
      ],
    }).join('\n');
    expect(lines).toContain('iteration 1: 0 of 2; iteration 2: 1 of 2');
    expect(lines).not.toContain('No RL group');
    expect(rlGroupLines({ rlGroups: [{ iteration: 1, groups: 0, mixed: 0 }] })).toEqual([]);
  });
});
