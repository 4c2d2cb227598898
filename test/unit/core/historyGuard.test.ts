import { describe, expect, it } from 'vitest';
import {
  checkHistoryAccess,
  gitInvocations,
  isForeignRevision,
  refusalObservation,
} from '../../../core/historyGuard.ts';

const refused = (cmd: string) => checkHistoryAccess(cmd);

describe('checkHistoryAccess', () => {
  it.each([
    ['git log', 'git log'],
    ['git log --oneline -5', 'git log'],
    ['git --no-pager log -p', 'git log'],
    ['git -C /testbed log', 'git log'],
    ['git -c core.pager=cat show HEAD', 'git show'],
    ['git show abc1234', 'git show'],
    ['git reflog', 'git reflog'],
    ['git whatchanged', 'git whatchanged'],
    ['git rev-list --all', 'git rev-list'],
    ['git format-patch -1', 'git format-patch'],
    ['git fsck --lost-found', 'git fsck'],
    ['git shortlog -sn', 'git shortlog'],
    ['git cat-file -p 1a2b3c4d', 'git cat-file'],
    ['git cat-file --batch-all-objects --batch-check', 'git cat-file'],
    ['git checkout HEAD~1', 'git checkout HEAD~1'],
    ['git checkout HEAD^ -- src/a.py', 'git checkout HEAD^'],
    ['git checkout 0123abcd', 'git checkout 0123abcd'],
    ['git checkout --detach', 'git checkout --detach'],
    ['git switch --detach HEAD', 'git switch --detach'],
    ['git checkout origin/main', 'git checkout origin/main'],
    ['git reset --hard HEAD@{1}', 'git reset HEAD@{1}'],
    ['git diff HEAD~3', 'git diff HEAD~3'],
    ['git diff main..feature', 'git diff main..feature'],
    ['git restore --source=HEAD~2 a.py', 'git restore HEAD~2'],
    ['git grep foo HEAD~1', 'git grep HEAD~1'],
    ['git branch -a && git log --all', 'git log'],
    ['cd /testbed; git log | head', 'git log'],
    ['echo $(git log -1 --format=%H)', 'git log'],
    ["bash -c 'git log'", 'git log'],
    ['/usr/bin/git log', 'git log'],
    ['sh -c "git show HEAD"', 'git show'],
    ["eval 'git reflog'", 'git reflog'],
    ['cat .git/packed-refs', '.git/packed-refs'],
    ['ls .git/logs/refs', '.git/logs'],
    ['find .git/objects -type f', '.git/objects'],
  ])('refuses %s', (cmd, rule) => {
    expect(refused(cmd)).toEqual({ allowed: false, rule });
  });

  it.each([
    'git status',
    'git diff',
    'git diff HEAD',
    'git diff --cached',
    'git diff -- src/a.py',
    'git checkout -- src/a.py',
    'git checkout src/a.py',
    'git checkout HEAD -- src/a.py',
    'git checkout -b fix',
    'git stash',
    'git stash pop',
    'git add -A',
    'git reset --hard',
    'git reset --hard HEAD',
    'git grep -n "^def parse"',
    'git grep "^class" -- "*.py"',
    'git blame -L 10,20 src/a.py',
    'git rev-parse HEAD',
    'git cat-file -p HEAD:src/a.py',
    'git ls-files',
    'grep -rn "git log" docs/',
    'echo digit log',
    'python -m pytest tests/test_log.py',
    'cat .gitignore',
    'ls src/../tests',
  ])('allows %s', (cmd) => {
    expect(refused(cmd)).toEqual({ allowed: true });
  });
});

describe('gitInvocations', () => {
  it('finds every invocation and skips global options', () => {
    expect(gitInvocations('git -C /x status && git --git-dir .git diff --stat')).toEqual([
      { sub: 'status', args: [] },
      { sub: 'diff', args: ['--stat'] },
    ]);
  });
});

describe('isForeignRevision', () => {
  it('tells other revisions from HEAD and paths', () => {
    expect(['HEAD~1', 'HEAD^2', '@{u}', 'deadbeef', 'refs/heads/x', 'a..b', 'ORIG_HEAD'].every(isForeignRevision)).toBe(
      true,
    );
    expect(['HEAD', 'src/a.py', '.', 'fix', '../x'].some(isForeignRevision)).toBe(false);
  });
});

describe('refusalObservation', () => {
  it('names the refused command', () => {
    expect(refusalObservation('git log')).toMatch(/`git log` reads the repository's history/);
  });
});
