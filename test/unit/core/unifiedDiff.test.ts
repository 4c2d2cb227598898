// The one unified-diff reader (issue 21): hunk bodies end where their @@ counts say, so `--- x` / `+++ x` content
// lines stay content; everything else survives verbatim.
import { describe, expect, it } from 'vitest';
import { formatDiff, lineCounts, newPath, parseDiff, reverseDiff } from '../../../core/unifiedDiff.ts';
import {
  MARKERS_PATCH,
  MARKERS_PATCH_REVERSED,
  MARKERS_PLAIN,
  SQL_PATCH,
  SQL_PATCH_REVERSED,
} from '../../fixtures/trickyDiffs.ts';

describe('parseDiff', () => {
  it('reads header-like content lines as content, by the hunk counts', () => {
    const files = parseDiff(MARKERS_PATCH).files;
    expect(files.map((f) => [newPath(f), lineCounts(f)])).toEqual([
      ['notes.txt', { added: 2, removed: 1 }],
      [undefined, { added: 0, removed: 2 }],
    ]);
    expect(files[0]!.hunks.map((h) => h.lines)).toEqual([
      [' a', '--- x', '+++ x', ' b'],
      [' s', ' t', '+++ y', ' u'],
    ]);
  });

  it('without `diff --git` lines, a `--- `/`+++ ` pair after a hunk starts the next file', () => {
    const files = parseDiff(MARKERS_PLAIN).files;
    expect(files.map((f) => f.header)).toEqual([
      ['--- a/notes.txt', '+++ b/notes.txt'],
      ['--- a/gone.txt', '+++ /dev/null'],
    ]);
    expect(files[0]!.hunks[0]!.lines).toContain('+++ x');
  });

  it('formats back to the very same text', () => {
    for (const p of [SQL_PATCH, MARKERS_PATCH, MARKERS_PLAIN, GIT_EXTRAS, 'no diff at all\n', ''])
      expect(formatDiff(parseDiff(p))).toBe(p);
  });

  it('a blank context line stripped to "" counts; a short hunk ends at the next header', () => {
    const p = ['--- a/f', '+++ b/f', '@@ -1,3 +1,4 @@', ' a', '', '+b', 'diff --git a/g b/g', ''].join('\n');
    const [f, g] = parseDiff(p).files;
    expect(f!.hunks[0]!.lines).toEqual([' a', '', '+b']);
    expect(g!.header[0]).toBe('diff --git a/g b/g');
  });
});

/** A rename with an edit, a mode change, a file without its last newline, a binary file. */
const GIT_EXTRAS = [
  'diff --git a/old.py b/new.py',
  'similarity index 90%',
  'rename from old.py',
  'rename to new.py',
  'index 1111111..2222222 100644',
  '--- a/old.py',
  '+++ b/new.py',
  '@@ -1,2 +1,2 @@ def f():',
  ' a',
  '-b',
  '\\ No newline at end of file',
  '+c',
  '\\ No newline at end of file',
  'diff --git a/run.sh b/run.sh',
  'old mode 100644',
  'new mode 100755',
  'diff --git a/img.png b/img.png',
  'index 4444444..5555555 100644',
  'GIT binary patch',
  'literal 5',
  'Mcmb=p$;izC0024b0RR91',
  '',
  'literal 3',
  'KcmZ?wbN>JWCjff@',
  '',
  '',
].join('\n');

describe('reverseDiff', () => {
  it('undoes the removal of SQL comments and the `-- x` -> `++ x` edit (as written by hand)', () => {
    expect(reverseDiff(SQL_PATCH)).toBe(SQL_PATCH_REVERSED);
    expect(reverseDiff(MARKERS_PATCH)).toBe(MARKERS_PATCH_REVERSED);
  });

  it('reversing twice gives the patch back', () => {
    for (const p of [SQL_PATCH, MARKERS_PATCH, GIT_EXTRAS]) expect(reverseDiff(reverseDiff(p))).toBe(p);
  });

  it('renames and modes swap, `\\ No newline` stays with its line, binary payloads pass through as before', () => {
    const r = reverseDiff(GIT_EXTRAS).split('\n');
    expect(r.slice(0, 7)).toEqual([
      'diff --git a/new.py b/old.py',
      'similarity index 90%',
      'rename from new.py',
      'rename to old.py',
      'index 2222222..1111111 100644',
      '--- a/new.py',
      '+++ b/old.py',
    ]);
    expect(r.slice(7, 13)).toEqual([
      '@@ -1,2 +1,2 @@ def f():',
      ' a',
      '+b',
      '\\ No newline at end of file',
      '-c',
      '\\ No newline at end of file',
    ]);
    expect(r.slice(13, 16)).toEqual(['diff --git a/run.sh b/run.sh', 'old mode 100755', 'new mode 100644']);
    expect(r.slice(16)).toEqual([
      'diff --git a/img.png b/img.png',
      'index 5555555..4444444 100644',
      ...GIT_EXTRAS.split('\n').slice(18),
    ]);
  });
});
