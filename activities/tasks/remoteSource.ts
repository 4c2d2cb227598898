// Sources by URL (`--repo owner/name=https://…`, `file://…`, `git@…`): cloned once into a mirror per repository
// under the cache (`<cache>/repos/<owner>__<name>.git`) and fetched again on later imports, so a dataset of 500 rows
// over 12 repositories clones 12 times. Offline, local clones and bundles work as before; a URL that cannot be
// reached fails that repository's rows with git's message.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadSettings } from '../../infra/settings.ts';

const run = promisify(execFile);

export function isRemoteSource(source: string): boolean {
  return /^(https?|ssh|git|file):\/\//.test(source) || /^[\w.-]+@[\w.-]+:/.test(source);
}

export function mirrorPath(repo: string, cacheDir = loadSettings().cacheDir): string {
  return join(cacheDir, 'repos', `${repo.replace('/', '__')}.git`);
}

/** The local mirror of `url` for `repo`, cloned or refreshed. */
export async function ensureMirror(repo: string, url: string, cacheDir?: string): Promise<string> {
  const dest = mirrorPath(repo, cacheDir);
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
  try {
    if (existsSync(join(dest, 'HEAD'))) {
      await run('git', ['-C', dest, 'remote', 'set-url', 'origin', url], { env });
      await run('git', ['-C', dest, 'fetch', '--quiet', '--prune', 'origin'], { env, timeout: 30 * 60_000 });
    } else {
      mkdirSync(join(dest, '..'), { recursive: true });
      await run('git', ['clone', '--quiet', '--mirror', url, dest], { env, timeout: 30 * 60_000 });
    }
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`cannot clone ${url}: ${(e.stderr || e.message).trim().split('\n').slice(-1)[0]}`);
  }
  return dest;
}
