// A reply cut at max tokens (finish_reason "length") is marked from the loop to the trainer's rows: the loop stores
// the finish reason on the assistant turn, a GRPO row keeps it with the sampled ids, an SFT row keeps only the
// `length` mark, and the exported formats carry none of it (docs/training.md, turns cut at max tokens).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrajectoryMessage } from '../../../../contracts/rollout.ts';
import { runAgent } from '../../../../activities/agent/loop.ts';
import type { Environment, Model, ModelReply } from '../../../../activities/agent/protocols.ts';
import { grpoConversation } from '../../../../activities/pipeline/grpoRows.ts';
import { sftMessages } from '../../../../activities/pipeline/sftDataset.ts';
import { SFT_FORMATS, sftRow } from '../../../../activities/export/sftFormats.ts';
import { writeTrajectory } from '../../../../activities/trajectory/store.ts';

const limits = {
  maxTurns: 5,
  contextTokens: 131072,
  wallTimeSec: 3600,
  commandTimeoutSec: 30,
  outputCapBytes: 16384,
  loopThreshold: 3,
};

const env: Environment = {
  id: 'fake',
  workdir: '/testbed',
  exec: async () => ({ output: '', exitCode: 0, timedOut: false, truncatedBytes: 0 }),
  readFile: async () => null,
  writeFile: async () => {},
  deleteFile: async () => {},
  diff: async () => '',
};

function scripted(replies: ModelReply[]): Model {
  let n = 0;
  return { name: 'fake', toolFormat: 'native', query: async () => replies[Math.min(n++, replies.length - 1)]! };
}

const cut: ModelReply = { content: 'Let me look at the fi', usage: null, finishReason: 'length' };
const submit: ModelReply = {
  content: '',
  toolCalls: [{ id: 's', type: 'function', function: { name: 'submit', arguments: '{}' } }],
  usage: null,
  finishReason: 'tool_calls',
};

const trajectory = (): TrajectoryMessage[] => [
  { role: 'system', content: 's' },
  { role: 'user', content: 'u' },
  { role: 'assistant', content: 'Let me look at the fi', meta: { turn: 1, finishReason: 'length' } },
  { role: 'user', content: 'No tool call found.', meta: { turn: 1, error: 'no tool call' } },
  {
    role: 'assistant',
    content: '',
    tool_calls: [{ id: 's', type: 'function', function: { name: 'submit', arguments: '{}' } }],
    meta: { turn: 2, finishReason: 'tool_calls', sampled: { tokenIds: [4, 5], logprobs: [-0.1, -0.2] } },
  },
];

describe('a reply cut at max tokens', () => {
  it('the loop records each reply’s finish reason on its assistant turn', async () => {
    const r = await runAgent({ model: scripted([cut, submit]), env, limits, system: 's', user: 'u' });
    expect(r.exitReason).toBe('submitted');
    const turns = r.messages.filter((m) => m.role === 'assistant').map((m) => m.meta?.finishReason);
    expect(turns).toEqual(['length', 'tool_calls']);
  });

  it('a GRPO row keeps the finish reason next to the sampled ids', () => {
    const row = grpoConversation(trajectory(), 'native');
    expect(row.messages[2]).toEqual({
      role: 'assistant',
      content: 'Let me look at the fi',
      meta: { finishReason: 'length' },
    });
    expect(row.messages[4]).toMatchObject({
      meta: { finishReason: 'tool_calls', sampled: { tokenIds: [4, 5], logprobs: [-0.1, -0.2] } },
    });
    expect(row.messages[3]).not.toHaveProperty('meta'); // only assistant turns carry it
  });

  it('an SFT row keeps only the length mark, and no export format carries it', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cut-')), 't.jsonl');
    await writeTrajectory(path, trajectory());
    const messages = sftMessages(path)!;
    expect(messages[2]).toEqual({
      role: 'assistant',
      content: 'Let me look at the fi',
      meta: { finishReason: 'length' },
    });
    expect(messages.filter((m) => 'meta' in m)).toHaveLength(1); // the complete turn and the nudge: no meta
    for (const format of SFT_FORMATS) {
      const exported = JSON.stringify(sftRow(messages, format));
      expect(exported).not.toContain('finishReason');
      expect(exported).not.toContain('"meta"');
    }
  });
});
