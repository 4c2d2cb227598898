// The one trajectory reader and its two policies: training and exports refuse a damaged file (naming the file
// and line), the viewer shows what is there.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTrajectory } from '../../../../activities/trajectory/store.ts';

const dir = mkdtempSync(join(tmpdir(), 'swe-forge-traj-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const good = [
  { role: 'system', content: 'sys' },
  { role: 'assistant', content: 'hi', meta: { turn: 1 } },
];
const file = (name: string, lines: string[]) => {
  const p = join(dir, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
};

describe('readTrajectory', () => {
  it('reads every message, meta included', () => {
    const p = file(
      'ok.jsonl',
      good.map((m) => JSON.stringify(m)),
    );
    expect(readTrajectory(p)).toEqual(good);
  });

  it('strict: a missing file, a half-written line and a line that is not a message each name what is wrong', () => {
    expect(() => readTrajectory(join(dir, 'gone.jsonl'))).toThrow(/trajectory file missing: .*gone\.jsonl/);
    expect(() => readTrajectory(null)).toThrow(/missing/);
    const half = file('half.jsonl', [JSON.stringify(good[0]), '{"role": "assist']);
    expect(() => readTrajectory(half)).toThrow(/half\.jsonl line 2: not valid JSON/);
    const odd = file('odd.jsonl', [JSON.stringify({ role: 'robot', content: 'x' })]);
    expect(() => readTrajectory(odd)).toThrow(/odd\.jsonl line 1: not a message/);
  });

  it('view: a missing file is empty and a bad line is shown as such, the rest kept', () => {
    expect(readTrajectory(join(dir, 'gone.jsonl'), 'view')).toEqual([]);
    const half = file('half2.jsonl', [JSON.stringify(good[0]), '{"role": "assist', JSON.stringify(good[1])]);
    const got = readTrajectory(half, 'view');
    expect(got).toHaveLength(3);
    expect(got[0]).toEqual(good[0]);
    expect(got[1]).toMatchObject({ role: 'system', content: expect.stringMatching(/line 2 .* not valid JSON/) });
    expect(got[2]).toEqual(good[1]);
  });
});
