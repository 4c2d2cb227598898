// The pipeline's status model (workflows/status.ts) and the CLI's bars drawn from it (cli/runProgress.ts).
import { describe, expect, it } from 'vitest';
import { bar, renderProgress } from '../../../cli/runProgress.ts';
import type { ProgressReport } from '../../../workflows/definitions.ts';
import { applyProgress, newStatus, renderStatus } from '../../../workflows/status.ts';

const rollouts = (source: string, done: number, over: Partial<ProgressReport> = {}): ProgressReport =>
  ({
    kind: 'rollouts',
    source,
    stage: 'distill',
    done,
    total: 10,
    scored: done,
    resolved: Math.floor(done / 2),
    rewardSum: Math.floor(done / 2),
    masked: 0,
    failed: 0,
    ...over,
  }) as ProgressReport;

describe('pipeline status', () => {
  it('sums fan-outs per stage and ignores a report that overtook a newer one', () => {
    const s = newStatus('r1', 'run-r1');
    s.stage = 'distill';
    s.states.distill = 'running';
    applyProgress(s, rollouts('distill/a', 4));
    applyProgress(s, rollouts('distill/b', 6));
    applyProgress(s, rollouts('distill/a', 2)); // late, older: ignored
    const out = renderStatus(s, false);
    expect(out.stages.distill).toMatchObject({ done: 10, total: 20, scored: 10, resolved: 5 });
    expect(out.progress).toEqual({ done: 10, total: 20 });
    expect(out.rates).toEqual({ resolvedRate: 0.5, meanReward: 0.5, scored: 10 });
    expect(out.state).toBe('running');
    expect(renderStatus(s, true).state).toBe('paused');
  });

  it('lets a stage unit (RL iterations) win over rollout counts and keeps RL fields', () => {
    const s = newStatus('r1', 'run-r1');
    s.stage = 'rl';
    applyProgress(
      s,
      rollouts('rl/iter-1', 4, { stage: 'rl', total: 4, masked: 1, scored: 3 } as Partial<ProgressReport>),
    );
    applyProgress(s, {
      kind: 'stage',
      stage: 'rl',
      done: 1,
      total: 5,
      rlIteration: 2,
      checkpoint: 'r1/rl/iter-1/step-1',
    });
    applyProgress(s, { kind: 'stage', stage: 'rl', done: 0, total: 5, rlIteration: 1 }); // late and older: ignored
    // The end of iteration 1 and the start of iteration 2 both say done = 1 and may arrive in either order.
    applyProgress(s, { kind: 'stage', stage: 'rl', done: 1, total: 5, rlIteration: 1 });
    const out = renderStatus(s, false);
    expect(out.stages.rl).toMatchObject({ done: 1, total: 5, masked: 1 });
    expect(out).toMatchObject({ rlIteration: 2, latestCheckpoint: 'r1/rl/iter-1/step-1', maskedCount: 1 });
  });

  it('records the last error with its stage and shows completed training stages as 1/1', () => {
    const s = newStatus('r1', 'run-r1');
    s.states.sft = 'completed';
    applyProgress(s, rollouts('distill/a', 1, { lastError: 't-2#0: boom' } as Partial<ProgressReport>));
    const out = renderStatus(s, false);
    expect(out.lastError).toBe('distill: t-2#0: boom');
    expect(out.stages.sft).toMatchObject({ done: 1, total: 1 });
    expect(out.completedStages).toEqual(['sft']);
  });
});

describe('CLI progress bars', () => {
  it('draws proportional bars', () => {
    expect(bar(0, 10, 10)).toBe('[..........]');
    expect(bar(5, 10, 10)).toBe('[#####.....]');
    expect(bar(12, 10, 10)).toBe('[##########]');
    expect(bar(0, 0, 4)).toBe('[....]');
  });

  it('renders a header and one line per stage', () => {
    const s = newStatus('r1', 'run-r1');
    s.stage = 'distill';
    s.states.distill = 'running';
    s.states.tts = 'skipped';
    applyProgress(s, rollouts('distill/a', 5));
    const lines = renderProgress(renderStatus(s, true));
    expect(lines[0]).toMatch(/^run r1 {2}paused/);
    expect(lines[1]).toMatch(/^distill +\[#{12}\.{12}\] 5\/10 {2}running {2}resolved 40% {2}reward 0\.40$/);
    expect(lines.find((l) => l.startsWith('tts'))).toMatch(/disabled$/);
    expect(lines).toHaveLength(9);
  });
});
