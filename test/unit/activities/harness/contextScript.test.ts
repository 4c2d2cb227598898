// SWE-World's view of the code (issue 14): the windows the evaluation container prints around each hunk after the
// model patch, how they come back out of the script's output, and that the simulator's text shows them.
import { describe, expect, it } from 'vitest';
import { contextScript, contextWindows, readContext } from '../../../../activities/harness/contextScript.ts';
import { parseEvalOutput } from '../../../../activities/harness/evalScript.ts';
import { renderSweWorldContext } from '../../../../core/sweWorld.ts';
import { MARKERS_PATCH, SQL_PATCH } from '../../../fixtures/trickyDiffs.ts';

const PATCH = [
  'diff --git a/pkg/a.py b/pkg/a.py',
  '--- a/pkg/a.py',
  '+++ b/pkg/a.py',
  '@@ -10,3 +10,4 @@ def f():',
  ' x',
  '+y',
  ' z',
  ' w',
  '@@ -40,2 +41,2 @@ def g():',
  '-a',
  '+b',
  ' c',
  'diff --git a/pkg/gone.py b/pkg/gone.py',
  'deleted file mode 100644',
  '--- a/pkg/gone.py',
  '+++ /dev/null',
  '@@ -1 +0,0 @@',
  '-X = 1',
  '',
].join('\n');

describe('context windows', () => {
  it('widens each hunk by 20 lines, merges overlaps, skips deleted files', () => {
    expect(contextWindows(PATCH)).toEqual([{ path: 'pkg/a.py', start: 1, end: 62 }]);
    expect(contextWindows(PATCH, 5)).toEqual([
      { path: 'pkg/a.py', start: 5, end: 18 },
      { path: 'pkg/a.py', start: 36, end: 47 },
    ]);
  });

  it('an added `++ x` line (`+++ x`) is content, not the next file', () => {
    expect(contextWindows(MARKERS_PATCH, 2)).toEqual([
      { path: 'notes.txt', start: 1, end: 5 },
      { path: 'notes.txt', start: 18, end: 25 },
    ]);
    expect(contextWindows(SQL_PATCH, 2)).toEqual([{ path: 'db/schema.sql', start: 1, end: 4 }]);
  });

  it('round-trips through the eval script output, and the simulator shows the text', () => {
    const windows = contextWindows(PATCH, 5);
    const script = contextScript(windows);
    expect(script).toContain("mark CONTEXT 0\nsed -n '5,18p' -- pkg/a.py");
    const output = [
      '>>>>> SWE-FORGE CONTEXT 0',
      'line 5',
      'line 6',
      '>>>>> SWE-FORGE CONTEXT 1',
      '',
      '>>>>> SWE-FORGE END',
    ];
    const parsed = parseEvalOutput(output.join('\n'));
    const ctx = readContext(windows, parsed.context);
    expect(ctx).toEqual([{ path: 'pkg/a.py', start: 5, end: 6, text: 'line 5\nline 6' }]);
    const text = renderSweWorldContext({
      problemStatement: 'i',
      patch: PATCH,
      testPatch: '',
      failToPass: [],
      passToPass: [],
      files: ctx,
    });
    expect(text).toContain('### pkg/a.py (lines 5-6, after the patch)\nline 5\nline 6');
  });
});
