// The reverse of a real `git diff` applies with real `git apply` (issue 21): SWE-smith's gold patch is the reverse
// of the bug's diff, and a diff whose content lines read like headers (`--- x` for a removed `-- x`, `+++ x` for an
// added `++ x`) must still reverse into a patch git takes. Also renames, deletions, new files, a missing newline.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reversePatch } from '../../core/taskFormats.ts';

const dir = mkdtempSync(join(tmpdir(), 'swe-forge-reverse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const git = (args: string[], input?: string) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args], {
    cwd: dir,
    encoding: 'utf8',
    input,
  });
const write = (files: Record<string, string>) => {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
};
const lines = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('\n') + '\n';

const BEFORE: Record<string, string> = {
  'db/schema.sql':
    '-- users\n-- keep in sync with models.py\ncreate table users (id int);\ncreate table posts (id int);\n',
  'notes.txt': lines(30, (i) => (i === 1 ? '-- x' : i === 24 ? '--- y' : `line ${i}`)),
  'gone.sql': '-- old\n--- older\nselect 1;\n',
  'moved.py': lines(12, (i) => `x${i} = ${i}`),
  'tail.txt': 'a\nb',
};

describe('reversePatch against git apply', () => {
  it('the reverse of the diff undoes it; reversing twice gives the diff back', () => {
    git(['init', '-q', '.']);
    write(BEFORE);
    git(['add', '-A']);
    git(['commit', '-q', '-m', 'before']);
    rmSync(join(dir, 'gone.sql'));
    rmSync(join(dir, 'moved.py'));
    write({
      'db/schema.sql': 'create table users (id int);\ncreate table posts (id int);\n',
      'notes.txt': lines(30, (i) => (i === 1 ? '++ x' : i === 24 ? '+++ y' : `line ${i}`)) + '++ z\n',
      'added.sql': '-- new\n++ plus\n',
      'pkg/moved.py': lines(12, (i) => `x${i} = ${i === 5 ? 50 : i}`),
      'tail.txt': 'a\nc',
    });
    git(['add', '-A']);
    const patch = git(['diff', '--cached', '-M', 'HEAD']);
    // The diff really has the lines that look like headers, and the rename.
    for (const l of [
      '--- users',
      '--- x',
      '+++ x',
      '---- y',
      '++++ y',
      '+++ z',
      '--- old',
      '---- older',
      '+++ plus',
      'rename to pkg/moved.py',
    ])
      expect(patch.split('\n')).toContain(l);
    git(['commit', '-q', '-m', 'after']);

    const reversed = reversePatch(patch);
    git(['apply', '--index', '-'], reversed);
    expect(git(['diff', '--cached', 'HEAD~1', '--stat'])).toBe(''); // the tree before the diff, again
    for (const [path, text] of Object.entries(BEFORE)) expect(readFileSync(join(dir, path), 'utf8')).toBe(text);
    for (const path of ['added.sql', 'pkg/moved.py']) expect(existsSync(join(dir, path))).toBe(false);
    expect(reversePatch(reversed)).toBe(patch);
  });
});
