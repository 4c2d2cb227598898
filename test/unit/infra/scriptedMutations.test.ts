// The stand-in's wrong fixes (issue 14): derived from the gold patch by a plausible mistake, carrying no marker a
// verifier could key on, and applied through the editor exactly as `git apply` applies the mutated patch.
// That each one still FAILS the task's tests is checked against the real harness in
// test/integration/scripted-mutations.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strReplace } from '../../../core/editor.ts';
import { goldEditCalls, parseGoldPatch } from '../../../infra/scripted-policy/goldEdits.ts';
import { mutatePatch, applicableMutations } from '../../../infra/scripted-policy/mutations.ts';
import { planFor, wrongEditKinds, type ScriptedTask } from '../../../infra/scripted-policy/policy.ts';

const tasks = readFileSync('tasks/mini/tasks.jsonl', 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as ScriptedTask & { repo: string; base_commit: string });

const GOLD = [
  'diff --git a/m.py b/m.py',
  '--- a/m.py',
  '+++ b/m.py',
  '@@ -1,3 +1,4 @@ def f(xs, n):',
  ' def f(xs, n):',
  '-    return xs[:n]',
  '+    if n <= 0:',
  '+        return []',
  '+    return xs[: n + 1]',
  '',
].join('\n');

describe('mutatePatch', () => {
  it('makes each kind of mistake on the added lines only', () => {
    expect(mutatePatch(GOLD, 'off_by_one')).toContain('+    if n <= 1:');
    expect(mutatePatch(GOLD, 'wrong_operator')).toContain('+    if n < 0:');
    expect(mutatePatch(GOLD, 'wrong_branch')).toContain('+    if not (n <= 0):');
    const partial = mutatePatch(GOLD, 'partial_fix')!;
    expect(partial).not.toContain('xs[: n + 1]');
    expect(partial).toContain('@@ -1,2 +1,3 @@'); // header counts follow the body
    for (const k of ['off_by_one', 'wrong_operator', 'wrong_branch'] as const)
      expect(
        mutatePatch(GOLD, k)!
          .split('\n')
          .filter((l) => /^-(?!--)/.test(l)),
      ).toEqual(['-    return xs[:n]']);
  });

  it('returns null where a patch offers no place for the mistake', () => {
    const oneLine = GOLD.replace(
      '+    if n <= 0:\n+        return []\n+    return xs[: n + 1]',
      '+    return list(xs)',
    );
    expect(applicableMutations(oneLine)).toEqual([]);
  });
});

describe('wrong edits on every bundled task', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'swe-forge-mut-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('most tasks have a wrong fix to play', () => {
    expect(tasks.filter((t) => wrongEditKinds(t).length).length).toBeGreaterThanOrEqual(15);
  });

  it.each(tasks.filter((t) => wrongEditKinds(t).length).map((t) => [t.instance_id, t] as const))(
    '%s: no marker, differs from gold, editor == git apply',
    (_id, task) => {
      const lib = task.repo.split('/')[1]!;
      const repo = join(dir, task.instance_id);
      const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' });
      execFileSync('git', ['clone', '-q', `tasks/mini/repos/${lib}.bundle`, repo]);
      for (const kind of wrongEditKinds(task)) {
        git('checkout', '-q', '-f', task.base_commit);
        const mutated = mutatePatch(task.patch, kind)!;
        expect(mutated).not.toBe(task.patch);
        expect(mutated).not.toMatch(/fixme|todo|xxx|hack/i);
        // What the stand-in writes is exactly what the episode's edits contain: check those too.
        const plan = Array.from({ length: 400 }, (_, s) => planFor(task, 11, s)).find((p) => p.mutation === kind);
        if (plan) expect(JSON.stringify(plan.steps)).not.toMatch(/fixme/i);
        const edited = new Map<string, string>();
        for (const c of goldEditCalls(parseGoldPatch(mutated), repo)) {
          const path = c.arguments.path as string;
          const r = strReplace(
            path,
            edited.get(path) ?? readFileSync(path, 'utf8'),
            c.arguments.old_str as string,
            c.arguments.new_str as string,
          );
          expect(r.ok, r.ok ? '' : r.error).toBe(true);
          if (r.ok) edited.set(path, r.write!);
        }
        execFileSync('git', ['-C', repo, 'apply', '-'], { input: mutated });
        for (const [path, content] of edited) expect(content).toBe(readFileSync(path, 'utf8'));
      }
    },
  );
});
