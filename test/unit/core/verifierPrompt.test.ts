import { describe, expect, it } from 'vitest';
import {
  clip,
  diffStat,
  keepEnd,
  ORM_QUESTION,
  parseReward,
  renderOrmText,
  renderSweWorldPrompt,
  renderSweWorldTarget,
  type VerifierMessage,
} from '../../../core/verifierPrompt.ts';
import { MARKERS_PATCH, SQL_PATCH } from '../../fixtures/trickyDiffs.ts';

const PATCH = `diff --git a/pkg/slug.py b/pkg/slug.py
index 45bbe10..4d5c072 100644
--- a/pkg/slug.py
+++ b/pkg/slug.py
@@ -1,3 +1,3 @@
-    slug = slug[:n]
+    slug = slug[:n].rstrip(sep)
+    # keep it short
diff --git a/pkg/new.py b/pkg/new.py
new file mode 100644
--- /dev/null
+++ b/pkg/new.py
@@ -0,0 +1 @@
+X = 1
`;

const messages: VerifierMessage[] = [
  { role: 'system', content: 'SCAFFOLD SYSTEM PROMPT' },
  { role: 'user', content: 'TASK PROMPT restating the issue' },
  {
    role: 'assistant',
    content: 'Let me look at the code.',
    tool_calls: [{ function: { name: 'bash', arguments: '{"command":"cat pkg/slug.py"}' } }],
  },
  { role: 'tool', content: 'def slugify(text): ...' },
  { role: 'assistant', content: null, tool_calls: [{ function: { name: 'submit', arguments: '{}' } }] },
  { role: 'tool', content: 'submitted' },
];

describe('the ORM text', () => {
  const text = renderOrmText({ problemStatement: 'slugify leaves a trailing dash', messages, patch: PATCH });

  it('ends with the question, so the next token is the verdict', () => {
    expect(text.endsWith(ORM_QUESTION)).toBe(true);
    expect(text.endsWith('Answer:')).toBe(true); // the trainer's verdict tokens are " YES" / " NO"
  });

  it('carries the issue, each action with its observation, and the final diff; not the scaffold prompts', () => {
    expect(text.startsWith('## Issue\nslugify leaves a trailing dash')).toBe(true);
    expect(text).toContain('## Agent trajectory (2 steps)');
    expect(text).toContain(
      '### Step 1\nThought: Let me look at the code.\nAction: bash {"command":"cat pkg/slug.py"}\nObservation: def slugify',
    );
    expect(text).toContain('### Step 2\nAction: submit {}\nObservation: submitted');
    expect(text).toContain('```diff\ndiff --git a/pkg/slug.py');
    expect(text).not.toContain('SCAFFOLD SYSTEM PROMPT');
    expect(text).not.toContain('TASK PROMPT');
  });

  it('says so when the candidate changed nothing', () => {
    expect(renderOrmText({ problemStatement: 'x', messages: [], patch: '' })).toContain('## Final diff\n(no changes)');
  });

  it('drops the oldest steps first and keeps the question when over budget', () => {
    const many: VerifierMessage[] = [];
    for (let i = 1; i <= 50; i++) {
      many.push({ role: 'assistant', content: `thought number ${i} ${'x'.repeat(200)}` });
      many.push({ role: 'tool', content: `observation ${i}` });
    }
    const t = renderOrmText({ problemStatement: 'issue', messages: many, patch: PATCH }, { maxChars: 3000 });
    expect(t.length).toBeLessThanOrEqual(3000);
    expect(t).toContain('thought number 50');
    expect(t).not.toContain('thought number 1 ');
    expect(t).toMatch(/\(\d+ earlier steps omitted\)/);
    expect(t.startsWith('## Issue\nissue')).toBe(true);
    expect(t.endsWith(ORM_QUESTION)).toBe(true);
  });

  it('cuts from the left as a last resort, keeping the end', () => {
    const t = renderOrmText({ problemStatement: 'i'.repeat(500), messages: [], patch: PATCH }, { maxChars: 200 });
    expect(t.length).toBe(200);
    expect(t.endsWith(ORM_QUESTION)).toBe(true);
    expect(keepEnd('abcdef', 3)).toBe('def');
  });

  it('is deterministic (training and scoring must see the same text)', () => {
    expect(renderOrmText({ problemStatement: 'slugify leaves a trailing dash', messages, patch: PATCH })).toBe(text);
  });
});

describe('clip', () => {
  it('keeps head and tail and says how much was cut', () => {
    const out = clip('a'.repeat(100) + 'b'.repeat(100), 100);
    expect(out.startsWith('aaaa')).toBe(true);
    expect(out.endsWith('bbbb')).toBe(true);
    expect(out).toContain('[... 140 characters cut ...]');
    expect(clip('short', 100)).toBe('short');
  });
});

describe('SWE-World prompt and target', () => {
  const input = {
    problemStatement: 'slugify leaves a trailing dash',
    patch: PATCH,
    testPatch: 'diff --git a/tests/test_slug.py b/tests/test_slug.py\n+def test_x(): pass\n',
    failToPass: ['tests/test_slug.py::test_x'],
    passToPass: ['tests/test_slug.py::test_old'],
  };

  it('lists modified files with line counts, the patch and the tests', () => {
    const p = renderSweWorldPrompt(input);
    expect(p).toContain('## Modified files\n- pkg/slug.py (+2 -1)\n- pkg/new.py (+1 -0, new)');
    expect(p).toContain('FAIL_TO_PASS:\n- tests/test_slug.py::test_x');
    expect(p).toContain('PASS_TO_PASS:\n- tests/test_slug.py::test_old');
    expect(p).toContain('Test patch:\n```diff\ndiff --git a/tests/test_slug.py');
    expect(p.endsWith('REWARD: 1 if every listed test passes, else REWARD: 0.\n')).toBe(true);
  });

  it('diffStat reads git diffs', () => {
    expect(diffStat(PATCH)).toEqual([
      { path: 'pkg/slug.py', added: 2, removed: 1, status: 'modified' },
      { path: 'pkg/new.py', added: 1, removed: 0, status: 'new' },
    ]);
  });

  it('diffStat counts content lines that read like headers (`--- x` removed, `+++ x` added)', () => {
    expect(diffStat(SQL_PATCH)).toEqual([{ path: 'db/schema.sql', added: 0, removed: 2, status: 'modified' }]);
    expect(diffStat(MARKERS_PATCH)).toEqual([
      { path: 'notes.txt', added: 2, removed: 1, status: 'modified' },
      { path: 'gone.txt', added: 0, removed: 2, status: 'deleted' },
    ]);
  });

  it('targets end in the reward line the outcome implies', () => {
    const base = { failToPass: input.failToPass, passToPass: input.passToPass };
    expect(renderSweWorldTarget({ ...base, outcome: 'resolved' })).toBe(
      'tests/test_slug.py::test_x PASSED\ntests/test_slug.py::test_old PASSED\nREWARD: 1',
    );
    expect(renderSweWorldTarget({ ...base, outcome: 'unresolved' })).toBe(
      'At least one FAIL_TO_PASS or PASS_TO_PASS test FAILED.\nREWARD: 0',
    );
    expect(
      renderSweWorldTarget({
        ...base,
        outcome: 'unresolved',
        tests: { 'tests/test_slug.py::test_x': 'FAILED', 'tests/test_slug.py::test_old': 'PASSED' },
      }),
    ).toBe('tests/test_slug.py::test_x FAILED\ntests/test_slug.py::test_old PASSED\nREWARD: 0');
    expect(renderSweWorldTarget({ ...base, outcome: 'patch_failed' })).toBe(
      'The candidate patch does not apply.\nREWARD: 0',
    );
  });

  it('parseReward reads the last REWARD line and nothing else', () => {
    expect(parseReward('a PASSED\nREWARD: 1')).toBe(1);
    expect(parseReward('REWARD: 1\n...on reflection\nREWARD: 0\n')).toBe(0);
    expect(parseReward('REWARD:0')).toBe(0);
    expect(parseReward('REWARD: 10')).toBeNull();
    expect(parseReward('no verdict here')).toBeNull();
  });
});
