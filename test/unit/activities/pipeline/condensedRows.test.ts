// A trajectory that condensed its context (agent.context) becomes one trainer row per context in both SFT and
// GRPO rows, with the carried replies at weight 0 and the rollout's tool list on every row's system message.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrajectoryMessage } from '../../../../contracts/rollout.ts';
import { SUMMARY_REQUEST, planCondensation } from '../../../../core/context.ts';
import { grpoConversations } from '../../../../activities/pipeline/grpoRows.ts';
import { sftSequences } from '../../../../activities/pipeline/sftDataset.ts';
import { writeTrajectory } from '../../../../activities/trajectory/store.ts';

const sampled = { tokenIds: [1, 2], logprobs: [-0.5, -0.5] };
function condensed(): TrajectoryMessage[] {
  const t: TrajectoryMessage[] = [
    { role: 'system', content: 'sys', meta: { tools: ['bash', 'submit'] } },
    { role: 'user', content: 'task' },
  ];
  for (const k of [1, 2]) {
    t.push({ role: 'assistant', content: `reply ${k}`, meta: { turn: k, sampled, ms: 5 } });
    t.push({ role: 'tool', content: `out ${k}`, name: 'bash', tool_call_id: `c${k}`, meta: { turn: k } });
  }
  t.push({ role: 'user', content: SUMMARY_REQUEST, meta: { turn: 2, condense: 'request' } });
  t.push({ role: 'assistant', content: 'summary', meta: { turn: 2, condense: 'summary', sampled } });
  const plan = planCondensation(t, { strategy: 'summarize', atTokens: 1, keepLastTurns: 1 }, t.length, 9)!;
  t.push({ role: 'user', content: 'S: summary', meta: { turn: 2, condensation: { ...plan, tokensAfter: 3 } } });
  t.push({ role: 'assistant', content: 'reply 3', meta: { turn: 3, sampled } });
  return t;
}
const trained = (rows: { role?: unknown; content?: unknown; weight?: unknown }[][]) =>
  rows.map((r) => r.filter((m) => m.role === 'assistant' && m.weight !== 0).map((m) => m.content));

describe('rows of a condensed trajectory', () => {
  it('SFT: two sequences, each reply trained once, per-turn extras stripped, the tools kept', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'condensed-')), 't.jsonl');
    await writeTrajectory(path, condensed());
    const seqs = sftSequences(path)!;
    expect(seqs).toHaveLength(2);
    expect(trained(seqs)).toEqual([['reply 1', 'reply 2', 'summary'], ['reply 3']]);
    expect(seqs[1]!.map((m) => m.content)).toEqual(['sys', 'task', 'S: summary', 'reply 2', 'out 2', 'reply 3']);
    expect(seqs.map((s) => s[0]!.meta)).toEqual([{ tools: ['bash', 'submit'] }, { tools: ['bash', 'submit'] }]);
    expect(seqs.flat().filter((m) => m.meta?.condensation || m.meta?.turn)).toEqual([]);
  });

  it('GRPO: the carried reply is weight 0 in the later context (the trainer renders it untrained)', () => {
    const [first, second, ...rest] = grpoConversations(condensed(), 'native');
    expect(rest).toEqual([]);
    expect(trained([first!.messages, second!.messages])).toEqual([['reply 1', 'reply 2', 'summary'], ['reply 3']]);
    const carried = second!.messages.find((m) => m.content === 'reply 2')!;
    expect(carried.weight).toBe(0);
    expect(second!.tools!.map((t) => (t as { function: { name: string } }).function.name)).toEqual(['bash', 'submit']);
  });
});
