// Mid-episode resume at the loop level (issue 17): a loop handed the completed turns of a dead attempt continues
// from the next turn with the same counters, and reports the turn state a checkpoint needs at every turn start.
import type { TrajectoryMessage } from '../../../../contracts/rollout.ts';
import { describe, expect, it } from 'vitest';
import { runAgent } from '../../../../activities/agent/loop.ts';
import type { LoopState } from '../../../../activities/agent/leaseStore.ts';
import type { AgentLimits, Environment, Model, ModelReply } from '../../../../activities/agent/protocols.ts';

const limits: AgentLimits = {
  maxTurns: 4,
  contextTokens: 131072,
  wallTimeSec: 3600,
  commandTimeoutSec: 30,
  outputCapBytes: 16384,
  loopThreshold: 3,
};
const call = (name: string, args: object): ModelReply => ({
  content: '',
  toolCalls: [{ id: `c-${name}`, type: 'function', function: { name, arguments: JSON.stringify(args) } }],
  usage: null,
});

function model(replies: ModelReply[]): Model & { seen: number[] } {
  const seen: number[] = [];
  return {
    name: 'fake',
    toolFormat: 'native',
    seen,
    async query(messages) {
      seen.push(messages.filter((m) => m.role === 'assistant').length);
      return replies[Math.min(seen.length - 1, replies.length - 1)]!;
    },
  };
}
const env: Environment = {
  id: 'fake',
  workdir: '/testbed',
  exec: async (cmd) => ({ output: `ran ${cmd}`, exitCode: 0, timedOut: false, truncatedBytes: 0 }),
  readFile: async () => null,
  writeFile: async () => undefined,
  deleteFile: async () => undefined,
  diff: async () => '',
};

describe('runAgent resume', () => {
  it('continues after the completed turns with their counters, never redoing them', async () => {
    const done: TrajectoryMessage[] = [
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'task' },
      { role: 'assistant', content: '', meta: { turn: 1 } },
      { role: 'user', content: 'No tool call found', meta: { turn: 1, error: 'no tool call' } },
      { role: 'assistant', content: '', meta: { turn: 2 } },
      { role: 'tool', content: 'ran ls', meta: { turn: 2 } },
    ];
    const state: Partial<LoopState> = { formatErrors: 1, historyAttempts: 2, loopCount: 0 };
    const m = model([call('bash', { command: 'pwd' }), call('submit', {})]);
    const turns: [number, LoopState][] = [];
    const r = await runAgent({
      model: m,
      env,
      limits,
      system: 'ignored on resume',
      user: 'ignored on resume',
      resume: { messages: done, turn: 2, state, elapsedMs: 1000 },
      onTurn: (t, s) => turns.push([t, s]),
    });
    expect(m.seen).toEqual([2, 3]); // the model saw the two completed turns first
    expect(r).toMatchObject({ exitReason: 'submitted', turns: 4, formatErrors: 1, historyAttempts: 2 });
    expect(r.messages.slice(0, done.length)).toEqual(done);
    expect(r.messages.filter((x) => x.content === 'ignored on resume')).toEqual([]);
    expect(turns.map(([t]) => t)).toEqual([3, 4]);
    expect(turns[0]![1]).toMatchObject({ formatErrors: 1, historyAttempts: 2 });
  });

  it("counts the dead attempt's wall time against the limit", async () => {
    const r = await runAgent({
      model: model([call('bash', { command: 'ls' })]),
      env,
      limits: { ...limits, wallTimeSec: 10 },
      system: 's',
      user: 'u',
      resume: { messages: [{ role: 'system', content: 's' }], turn: 1, state: {}, elapsedMs: 11_000 },
    });
    expect(r).toMatchObject({ exitReason: 'timeout', turns: 1 });
  });
});
