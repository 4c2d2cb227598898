// Context management rules (core/context.ts), checked by hand on small trajectories: which messages the model
// sees after a condensation, and the training sequences (with the weights) a condensed trajectory gives.
import { describe, expect, it } from 'vitest';
import type { TrajectoryMessage } from '../../../contracts/rollout.ts';
import {
  currentContext,
  planCondensation,
  SUMMARY_REQUEST,
  trainingSegments,
  type ContextConfig,
} from '../../../core/context.ts';

const turn = (t: number, obs: string): TrajectoryMessage[] => [
  { role: 'assistant', content: `reply ${t}`, meta: { turn: t } },
  { role: 'tool', content: obs, tool_call_id: `c${t}`, name: 'bash', meta: { turn: t } },
];
const head: TrajectoryMessage[] = [
  { role: 'system', content: 'sys' },
  { role: 'user', content: 'task' },
];
const three = (): TrajectoryMessage[] => [
  ...head,
  ...turn(1, 'out one'),
  ...turn(2, 'out two'),
  ...turn(3, 'out three'),
];
const cfg = (strategy: ContextConfig['strategy']): ContextConfig => ({ strategy, atTokens: 10, keepLastTurns: 1 });
const contents = (ms: TrajectoryMessage[]) => ms.map((m) => m.content);

describe('truncate', () => {
  it('elides the observations before the kept turns and appends a marker', () => {
    const t = three();
    const plan = planCondensation(t, cfg('truncate'), t.length, 99)!;
    // indices: 0 sys, 1 task, 2/3 turn 1, 4/5 turn 2, 6/7 turn 3 (kept), 8 the marker
    expect(plan).toMatchObject({ strategy: 'truncate', context: [0, 1, 2, 3, 4, 5, 6, 7, 8], elided: [3, 5] });
    t.push({ role: 'user', content: 'MARK', meta: { turn: 3, condensation: { ...plan, tokensAfter: 1 } } });
    expect(contents(currentContext(t))).toEqual([
      'sys',
      'task',
      'reply 1',
      '[output elided: 7 characters]',
      'reply 2',
      '[output elided: 7 characters]',
      'reply 3',
      'out three',
      'MARK',
    ]);
    // Nothing new to elide: no second condensation.
    expect(planCondensation(t, cfg('truncate'), t.length, 99)).toBeNull();
  });

  it('gives two training sequences; the second does not train the carried replies', () => {
    const t = three();
    const plan = planCondensation(t, cfg('truncate'), t.length, 99)!;
    t.push({ role: 'user', content: 'MARK', meta: { turn: 3, condensation: { ...plan, tokensAfter: 1 } } });
    t.push(...turn(4, 'out four'));
    const [first, second, ...rest] = trainingSegments(t);
    expect(rest).toEqual([]);
    expect(contents(first!)).toEqual(contents(three()));
    expect(first!.filter((m) => m.weight === 0)).toEqual([]);
    expect(contents(second!).slice(-3)).toEqual(['MARK', 'reply 4', 'out four']);
    // reply 1..3 were trained in the first sequence: weight 0 here; reply 4 is trained here.
    expect(second!.filter((m) => m.role === 'assistant').map((m) => [m.content, m.weight])).toEqual([
      ['reply 1', 0],
      ['reply 2', 0],
      ['reply 3', 0],
      ['reply 4', undefined],
    ]);
  });
});

describe('summarize', () => {
  function condensed(): TrajectoryMessage[] {
    const t = three();
    t.push({ role: 'user', content: SUMMARY_REQUEST, meta: { turn: 3, condense: 'request' } });
    t.push({ role: 'assistant', content: 'my summary', meta: { turn: 3, condense: 'summary' } });
    const plan = planCondensation(t, cfg('summarize'), t.length, 99)!;
    // the prompts, the marker (index 10), then turn 3 (6, 7); the request and the summary are dropped
    expect(plan).toMatchObject({ strategy: 'summarize', context: [0, 1, 10, 6, 7], elided: [] });
    t.push({
      role: 'user',
      content: 'SUMMARY: my summary',
      meta: { turn: 3, condensation: { ...plan, tokensAfter: 1 } },
    });
    return t;
  }

  it('replaces the turns before the kept ones by the summary after the prompts', () => {
    const t = condensed();
    expect(contents(currentContext(t))).toEqual(['sys', 'task', 'SUMMARY: my summary', 'reply 3', 'out three']);
    t.push(...turn(4, 'out four'));
    expect(contents(currentContext(t)).slice(-2)).toEqual(['reply 4', 'out four']);
  });

  it('trains the summary in the sequence that asked for it and each reply exactly once', () => {
    const t = condensed();
    t.push(...turn(4, 'out four'));
    const [first, second, ...rest] = trainingSegments(t);
    expect(rest).toEqual([]);
    expect(contents(first!).slice(-2)).toEqual([SUMMARY_REQUEST, 'my summary']);
    expect(first!.filter((m) => m.weight === 0)).toEqual([]);
    expect(contents(second!)).toEqual([
      'sys',
      'task',
      'SUMMARY: my summary',
      'reply 3',
      'out three',
      'reply 4',
      'out four',
    ]);
    const trained = [first!, second!].flatMap((s) => s.filter((m) => m.role === 'assistant' && m.weight !== 0));
    expect(contents(trained)).toEqual(['reply 1', 'reply 2', 'reply 3', 'my summary', 'reply 4']);
  });

  it('never trains a summary another endpoint wrote', () => {
    const t = three();
    t.push({ role: 'user', content: SUMMARY_REQUEST, meta: { turn: 3, condense: 'request' } });
    t.push({ role: 'assistant', content: 'theirs', meta: { turn: 3, condense: 'summary', summarizer: 'big' } });
    const plan = planCondensation(t, cfg('summarize'), t.length, 99)!;
    t.push({ role: 'user', content: 'S', meta: { condensation: { ...plan, tokensAfter: 1 } } });
    t.push(...turn(4, 'out four'));
    const summary = trainingSegments(t)[0]!.at(-1)!;
    expect([summary.content, summary.weight]).toEqual(['theirs', 0]);
  });

  it('has nothing to condense while every turn is a kept one', () => {
    const t = [...head, ...turn(1, 'x')];
    expect(planCondensation(t, cfg('summarize'), t.length, 99)).toBeNull();
    expect(planCondensation(t, { ...cfg('summarize'), strategy: 'none' }, t.length, 99)).toBeNull();
  });
});

it('a trajectory without markers is one sequence, unchanged', () => {
  const t = three();
  expect(trainingSegments(t)).toEqual([t]);
  expect(currentContext(t)).toEqual(t);
});
