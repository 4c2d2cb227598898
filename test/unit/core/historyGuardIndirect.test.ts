// The command guard's indirect forms (issue 17): git from an inline program, `cd .git` then a relative path,
// git held in a shell variable. Each would pass the direct checks alone.
import { describe, expect, it } from 'vitest';
import { checkHistoryAccess, expandGitVariables, flattenInlineCode } from '../../../core/historyGuard.ts';

const refused = (c: string) => checkHistoryAccess(c).rule;

describe('indirect history access', () => {
  it('refuses git called from python3 -c and other inline programs', () => {
    expect(refused(`python3 -c "import subprocess; subprocess.run(['git', 'log', '-p'])"`)).toBe(
      'git log (from an inline program)',
    );
    expect(refused(`python -c 'import os; os.system("git show HEAD~1")'`)).toMatch(/^git show/);
    expect(refused(`perl -e 'system("git", "reflog")'`)).toMatch(/^git reflog/);
    expect(refused(`python3 -c "import subprocess; print(subprocess.check_output(['git','status']))"`)).toBeUndefined();
    expect(flattenInlineCode('echo "[git] log"')).toBeUndefined();
  });

  it('refuses reading history files after cd .git', () => {
    expect(refused('cd .git && cat packed-refs')).toBe('packed-refs');
    expect(refused('cd /testbed/.git; ls')).toBe('cd .git');
    expect(refused('cd .git/hooks && ls')).toBe('cd .git');
    expect(refused('cat ORIG_HEAD')).toBe('ORIG_HEAD');
    expect(refused('cd .github && ls')).toBeUndefined();
    expect(refused('cd src && cat .gitignore')).toBeUndefined();
  });

  it('refuses git held in a variable or an alias', () => {
    expect(refused('g=git; $g log --oneline')).toBe('git log (git in a variable)');
    expect(refused('G="git"; ${G} show HEAD~2')).toMatch(/^git show/);
    expect(refused('G=$(which git); $G reflog')).toMatch(/^git reflog/);
    expect(refused('x=/usr/bin/git && $x rev-list --all')).toMatch(/^git rev-list/);
    expect(refused('alias g=git; g log')).toMatch(/^git log/);
    expect(refused('g=git; $g status && $g diff')).toBeUndefined();
    expect(expandGitVariables('digit=5; echo $digit')).toBeUndefined();
  });
});
