// Context management in the loop (agent.context): the model is asked for a summary once the context passes
// atTokens and is shown the condensed context afterwards; truncate elides old observations; a rollout resumed
// after a condensation continues from the condensed context. Removing condense() from the loop fails each test.
import { describe, expect, it } from 'vitest';
import { runAgent } from '../../../../activities/agent/loop.ts';
import type { AgentLimits, Environment, Model, ModelReply } from '../../../../activities/agent/protocols.ts';
import type { TrajectoryMessage } from '../../../../contracts/rollout.ts';
import { SUMMARY_REQUEST, trainingSegments } from '../../../../core/context.ts';
import { answeringModels } from '../../../../activities/trajectory/answered.ts';

const limits = (strategy: 'summarize' | 'truncate'): AgentLimits => ({
  maxTurns: 6,
  contextTokens: 100000,
  wallTimeSec: 3600,
  commandTimeoutSec: 30,
  outputCapBytes: 16384,
  loopThreshold: 99,
  context: { strategy, atTokens: 300, keepLastTurns: 1 },
});
const bash = (k: number): ModelReply => ({
  content: `step ${k}`,
  toolCalls: [{ id: `c${k}`, type: 'function', function: { name: 'bash', arguments: `{"command":"echo ${k}"}` } }],
  usage: null,
});
const submit: ModelReply = {
  content: '',
  toolCalls: [{ id: 'cs', type: 'function', function: { name: 'submit', arguments: '{}' } }],
  usage: null,
};

/** A model that answers the summary request with a summary and otherwise runs bash 4 times, then submits. */
function model(): Model & { seen: TrajectoryMessage[][] } {
  const seen: TrajectoryMessage[][] = [];
  let k = 0;
  return {
    name: 'fake',
    toolFormat: 'native',
    seen,
    async query(messages) {
      seen.push(messages.map((m) => ({ ...m })));
      if (messages.at(-1)?.content === SUMMARY_REQUEST) return { content: `summary after ${k}`, usage: null };
      return ++k <= 4 ? bash(k) : submit;
    },
  };
}
// Each observation is 400 characters (about 100 tokens): the context passes 300 tokens after a few turns.
const env: Environment = {
  id: 'fake',
  workdir: '/testbed',
  exec: async (cmd) => ({ output: `${cmd} `.padEnd(400, '.'), exitCode: 0, timedOut: false, truncatedBytes: 0 }),
  readFile: async () => null,
  writeFile: async () => undefined,
  deleteFile: async () => undefined,
  diff: async () => '',
};

describe('agent.context in the loop', () => {
  it('summarize: asks the policy, then shows the prompts, the summary and the last turn', async () => {
    const m = model();
    const r = await runAgent({ model: m, env, limits: limits('summarize'), system: 'sys', user: 'task' });
    expect(r.exitReason).toBe('submitted');
    expect(r.condensations).toBeGreaterThanOrEqual(1);
    const asked = m.seen.findIndex((s) => s.at(-1)?.content === SUMMARY_REQUEST);
    expect(asked).toBeGreaterThan(0);
    const next = m.seen[asked + 1]!;
    expect(next.slice(0, 2).map((x) => x.content)).toEqual(['sys', 'task']);
    expect(next[2]!.content).toContain('summary after');
    // only the last turn before the summary survives: one assistant reply
    expect(next.filter((x) => x.role === 'assistant')).toHaveLength(1);
    // the file holds everything: every bash step, the request, the summary and the marker
    expect(r.messages.filter((x) => x.meta?.condense === 'request')).toHaveLength(r.condensations);
    expect(r.messages.filter((x) => x.role === 'assistant' && /^step \d$/.test(x.content))).toHaveLength(4);
    // each reply is trained once across the sequences, the summaries included
    const trained = trainingSegments(r.messages).flatMap((s) =>
      s.filter((x) => x.role === 'assistant' && x.weight !== 0),
    );
    const replies = r.messages.filter((x) => x.role === 'assistant');
    expect(trained.map((x) => x.content).sort()).toEqual(replies.map((x) => x.content).sort());
  });

  it('truncate: later queries see old observations elided, the kept turn whole', async () => {
    const m = model();
    const r = await runAgent({ model: m, env, limits: limits('truncate'), system: 'sys', user: 'task' });
    expect(r.condensations).toBeGreaterThanOrEqual(1);
    const last = m.seen.at(-1)!;
    const tools = last.filter((x) => x.role === 'tool');
    expect(tools.at(-1)!.content).toMatch(/^echo 4 \.+$/);
    expect(tools[0]!.content).toBe('[output elided: 400 characters]');
    expect(m.seen.some((s) => s.at(-1)?.content === SUMMARY_REQUEST)).toBe(false);
  });

  it('a rollout resumed after a condensation continues from the condensed context', async () => {
    const first = await runAgent({ model: model(), env, limits: limits('summarize'), system: 'sys', user: 'task' });
    const marker = first.messages.findIndex((x) => x.meta?.condensation);
    const done = first.messages.slice(0, marker + 1);
    const turn = Math.max(...done.map((x) => x.meta?.turn ?? 0));
    const m = model();
    await runAgent({
      model: m,
      env,
      limits: limits('summarize'),
      system: 'x',
      user: 'x',
      resume: { messages: done, turn, state: {}, elapsedMs: 0 },
    });
    expect(m.seen[0]![2]!.content).toContain('summary after');
    expect(m.seen[0]!.filter((x) => x.role === 'assistant')).toHaveLength(1);
  });
});

it('a configured summarizer writes the summary, marked so it is never trained as the policy', async () => {
  const policy = model();
  const asked: number[] = [];
  const summarizer: Model = {
    name: 'big-summarizer',
    toolFormat: 'native',
    async query(messages) {
      asked.push(messages.length);
      return { content: 'their summary', usage: null, model: 'big-v1' };
    },
  };
  const r = await runAgent({ model: policy, summarizer, env, limits: limits('summarize'), system: 's', user: 't' });
  expect(asked.length).toBe(r.condensations);
  expect(policy.seen.some((s) => s.at(-1)?.content === SUMMARY_REQUEST)).toBe(false);
  const summary = r.messages.find((x) => x.meta?.condense === 'summary')!;
  expect(summary.meta).toMatchObject({ summarizer: 'big-summarizer', model: 'big-v1' });
  expect(answeringModels(r.messages)).not.toContain('big-v1');
  const trainedSummaries = trainingSegments(r.messages)
    .flat()
    .filter((x) => x.meta?.condense === 'summary' && x.weight !== 0);
  expect(trainedSummaries).toEqual([]);
});
