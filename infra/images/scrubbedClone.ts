// A clone of the task's repository at base_commit with the future removed, as SWE-bench's image builder does:
// no branch, tag, remote ref, stash, note or reflog entry may reach a commit after base_commit, and the
// objects only they reached are pruned, so an agent cannot `git log --all` or `git show` its way to the fix.
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { InputError, InfraError } from '../../core/errors.ts';

const run = promisify(execFile);

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('git', args, {
      cwd,
      maxBuffer: 64 << 20,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new InfraError(`git ${args.join(' ')} failed in ${cwd}: ${(e.stderr || e.message).trim()}`, { cause: err });
  }
}

async function gitOk(cwd: string, args: string[]): Promise<boolean> {
  try {
    await run('git', args, { cwd });
    return true;
  } catch {
    return false;
  }
}

export interface ScrubbedClone {
  /** The full hash of base_commit. */
  commit: string;
  branch: string;
  keptTags: string[];
}

/** Clones `source` (a repository, bare or not, or a git bundle) into `dest` and scrubs it. */
export async function scrubbedClone(o: {
  source: string;
  dest: string;
  baseCommit: string;
  repo: string;
}): Promise<ScrubbedClone> {
  if (!existsSync(o.source)) throw new InputError(`repo ${o.repo}: source ${o.source} does not exist`);
  const isFile = statSync(o.source).isFile();
  // --no-hardlinks: the clone must not share object files with the source, whose objects we are about to prune.
  await git('/', ['clone', '--quiet', '--no-checkout', ...(isFile ? [] : ['--no-hardlinks']), o.source, o.dest]).catch(
    (err) => {
      throw new InputError(`repo ${o.repo}: ${o.source} is not a git repository or bundle (${(err as Error).message})`);
    },
  );
  const d = o.dest;
  if (!(await gitOk(d, ['cat-file', '-e', `${o.baseCommit}^{commit}`]))) {
    throw new InputError(`repo ${o.repo}: base_commit ${o.baseCommit} is not in ${o.source}`);
  }
  const commit = (await git(d, ['rev-parse', `${o.baseCommit}^{commit}`])).trim();
  const branch = (await git(d, ['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => 'main')).trim() || 'main';
  await git(d, ['checkout', '--quiet', '--detach', commit]);

  for (const remote of (await git(d, ['remote'])).split('\n').filter(Boolean))
    await git(d, ['remote', 'remove', remote]);
  const refs = (await git(d, ['for-each-ref', '--format=%(refname)'])).split('\n').filter(Boolean);
  const keptTags: string[] = [];
  for (const ref of refs) {
    // Tags on base_commit's own history stay (setuptools_scm and `git describe` need them); nothing else does.
    if (ref.startsWith('refs/tags/') && (await gitOk(d, ['merge-base', '--is-ancestor', `${ref}^{commit}`, commit]))) {
      keptTags.push(ref.slice('refs/tags/'.length));
      continue;
    }
    await git(d, ['update-ref', '-d', ref]);
  }
  await git(d, ['checkout', '--quiet', '-B', branch, commit]);
  await git(d, ['reflog', 'expire', '--expire=now', '--expire-unreachable=now', '--all']);
  await run('rm', ['-rf', '.git/logs', '.git/ORIG_HEAD', '.git/FETCH_HEAD', '.git/MERGE_HEAD', '.git/refs/original'], {
    cwd: d,
  });
  await git(d, ['gc', '--quiet', '--prune=now']);
  await verifyScrubbed(d, commit);
  return { commit, branch, keptTags };
}

/** Every commit any ref reaches must be base_commit or one of its ancestors. */
async function verifyScrubbed(dir: string, commit: string): Promise<void> {
  const all = new Set((await git(dir, ['rev-list', '--all', '--reflog'])).split('\n').filter(Boolean));
  const history = new Set((await git(dir, ['rev-list', commit])).split('\n').filter(Boolean));
  const leaked = [...all].filter((c) => !history.has(c));
  if (leaked.length)
    throw new InfraError(`history scrub left ${leaked.length} commit(s) after ${commit}: ${leaked[0]}`);
}
