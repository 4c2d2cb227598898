// What the Temporal UI shows of a run without a query (workflows/details.ts): the current details follow the
// pipeline's status, and the static summary/details describe the run's config.
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../../config/load.ts';
import { currentDetails, runDetails, runSummary, stageSummary } from '../../../workflows/details.ts';
import { applyProgress, newStatus, renderStatus } from '../../../workflows/status.ts';

describe('current details', () => {
  it('names the stage, its progress, the RL iteration, checkpoint and last error', () => {
    const st = newStatus('r1', 'run-r1');
    expect(currentDetails(renderStatus(st, false))).toMatch(/^\*\*Stage:\*\* starting · \*\*State:\*\* running/);
    st.stage = 'rl';
    st.states.rl = 'running';
    applyProgress(st, { kind: 'stage', stage: 'rl', done: 2, total: 5, rlIteration: 2, checkpoint: 'r1/rl/step-2' });
    st.lastError = 'rl: policy server down\nstack…';
    const text = currentDetails(renderStatus(st, true));
    expect(text).toContain('**Stage:** rl · **State:** paused');
    expect(text).toContain('**Progress:** 2/5');
    expect(text).toContain('**RL iteration:** 2');
    expect(text).toContain('**Checkpoint:** r1/rl/step-2');
    expect(text).toContain('**Last error:** rl: policy server down');
    expect(text).not.toContain('stack…');
  });
});

describe('static summary and details', () => {
  it('describe the run from its config', () => {
    const c = parseRunConfig({ preset: 'demo' });
    expect(runSummary('r1', c)).toBe(`swe-forge run r1: ${c.recipe} recipe, policy ${c.models.policy.name}`);
    expect(runDetails(c)).toMatch(/^\*\*Stages:\*\* distill → difficulty → filter/);
    expect(runDetails(c)).toContain(`${c.tasks.eval.length} held out`);
    expect(stageSummary('r1', 'sft')).toBe('sft stage of run r1');
  });
});
