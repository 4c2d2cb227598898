// Reading a task JSONL for import: every row validated, each row's source found (`--repo owner/name=PATH`, else
// `<dir of the file>/repos/<name>.bundle` and friends), its base_commit looked up in that source, and a per-repo
// spec file (`<dir>/specs/<owner>__<name>.json|yaml`) merged under the row's own install_config. A bad row is
// reported by line and field; the good ones go on.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../../core/errors.ts';
import { issueLines } from '../../core/zodIssues.ts';
import {
  InstallConfigSchema,
  parseTaskEntries,
  type InstallConfig,
  type RowError,
  type TaskInstance,
} from '../../core/task.ts';
import { assignGraders } from '../harness/grader.ts';
import { readTaskRows, type FileFormat } from './readRows.ts';
import { ensureMirror, isRemoteSource } from './remoteSource.ts';

const run = promisify(execFile);

export interface PreparedImport {
  rows: { line: number; task: TaskInstance; sourcePath?: string }[];
  errors: RowError[];
  format: FileFormat;
  /** Set when the swebench package could not be asked which rows it grades (those rows use our parser). */
  graderWarning?: string;
}

/** Where a repo's source is looked for beside the JSONL when no --repo flag names it. */
export function defaultSourceCandidates(dir: string, repo: string): string[] {
  const [owner, name] = repo.split('/') as [string, string];
  const stems = [name, `${owner}__${name}`];
  return stems.flatMap((s) => [`${s}.bundle`, `${s}.git`, s]).map((f) => join(dir, 'repos', f));
}

function findSpec(dir: string, repo: string): InstallConfig | undefined {
  const [owner, name] = repo.split('/') as [string, string];
  for (const stem of [`${owner}__${name}`, name]) {
    for (const ext of ['json', 'yaml', 'yml']) {
      const file = join(dir, 'specs', `${stem}.${ext}`);
      if (!existsSync(file)) continue;
      const raw = ext === 'json' ? JSON.parse(readFileSync(file, 'utf8')) : parseYaml(readFileSync(file, 'utf8'));
      const parsed = InstallConfigSchema.safeParse(raw);
      if (!parsed.success) {
        throw new InputError(`${file}: ${issueLines(parsed.error, raw)[0]}`);
      }
      return parsed.data;
    }
  }
  return undefined;
}

/** The subset of `commits` the source does not have (a bundle is unpacked into a temp dir to look). */
async function missingCommits(source: string, commits: string[]): Promise<string[]> {
  let gitDir = source;
  let tmp: string | undefined;
  try {
    if (statSync(source).isFile()) {
      tmp = mkdtempSync(join(tmpdir(), 'swe-forge-bundle-'));
      await run('git', ['clone', '--quiet', '--bare', source, tmp]);
      gitDir = tmp;
    }
    // The ceiling stops git from walking up into an enclosing repository (a plain folder inside this one).
    const env = { ...process.env, GIT_CEILING_DIRECTORIES: dirname(resolve(gitDir)) };
    const child = run('git', ['-C', gitDir, 'cat-file', '--batch-check'], { maxBuffer: 16 << 20, env });
    child.child.stdin!.end(commits.map((c) => `${c}^{commit}`).join('\n') + '\n');
    const { stdout } = await child;
    return stdout
      .split('\n')
      .filter((l) => l.endsWith(' missing'))
      .map((l) => l.slice(0, -' missing'.length).replace(/\^\{commit\}$/, ''));
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

export interface ImportOptions {
  /** The published image of a row that names none (`--image-family`). */
  imageFamily?: (instanceId: string) => string;
  /** Where URL sources are mirrored (default: the settings' cache folder). */
  cacheDir?: string;
}

export async function prepareImport(
  file: string,
  repos: Record<string, string> = {},
  o: ImportOptions = {},
): Promise<PreparedImport> {
  if (!existsSync(file)) throw new InputError(`task file not found: ${file}`);
  const dir = statSync(file).isDirectory() ? resolve(file) : dirname(resolve(file));
  const read = await readTaskRows(file);
  const parsed = parseTaskEntries(read.entries);
  const errors = [...read.errors, ...parsed.errors];
  const rows: PreparedImport['rows'] = [];
  const byRepo = new Map<string, { source?: string; spec?: InstallConfig; cloneError?: string }>();
  for (const { line, task } of parsed.tasks) {
    if (!task.image_name && o.imageFamily) task.image_name = o.imageFamily(task.instance_id);
    let info = byRepo.get(task.repo);
    if (!info) {
      const given = repos[task.repo];
      let source: string | undefined;
      let cloneError: string | undefined;
      if (given && isRemoteSource(given)) {
        // A URL: one mirror per repository in the cache, fetched again on a later import.
        source = await ensureMirror(task.repo, given, o.cacheDir).catch((err: Error) => void (cloneError = err.message));
      } else {
        source = given ? resolve(given) : defaultSourceCandidates(dir, task.repo).find((p) => existsSync(p));
      }
      byRepo.set(task.repo, (info = { source: source ?? undefined, spec: findSpec(dir, task.repo), cloneError }));
    }
    if (info.cloneError) {
      errors.push({ line, field: 'repo', message: info.cloneError });
      continue;
    }
    if (info.source && !existsSync(info.source)) {
      errors.push({ line, field: 'repo', message: `source ${info.source} for ${task.repo} does not exist` });
      continue;
    }
    if (!info.source && !task.image_name) {
      errors.push({
        line,
        field: 'repo',
        message:
          `no source for ${task.repo}: pass --repo ${task.repo}=PATH (a git repository or bundle) ` +
          `or put it at ${join(dir, 'repos', `${task.repo.split('/')[1]}.bundle`)}`,
      });
      continue;
    }
    const merged = info.spec ? { ...task, install_config: { ...info.spec, ...task.install_config } } : task;
    rows.push({ line, task: merged, sourcePath: info.source });
  }
  // One look per source for all its base commits.
  const bySource = new Map<string, typeof rows>();
  for (const r of rows) if (r.sourcePath) bySource.set(r.sourcePath, [...(bySource.get(r.sourcePath) ?? []), r]);
  const bad = new Set<(typeof rows)[number]>();
  for (const [source, group] of bySource) {
    let missing: Set<string>;
    try {
      missing = new Set(await missingCommits(source, group.map((r) => r.task.base_commit)));
    } catch (err) {
      const why = ((err as { stderr?: string }).stderr || (err as Error).message).trim().split('\n')[0];
      for (const r of group) {
        errors.push({ line: r.line, field: 'repo', message: `source ${source} is not a git repository or bundle: ${why}` });
        bad.add(r);
      }
      continue;
    }
    for (const r of group.filter((r) => missing.has(r.task.base_commit))) {
      errors.push({ line: r.line, field: 'base_commit', message: `commit ${r.task.base_commit} is not in ${source}` });
      bad.add(r);
    }
  }
  errors.sort((a, b) => a.line - b.line);
  const good = rows.filter((r) => !bad.has(r));
  let graderWarning: string | undefined;
  try {
    await assignGraders(good.map((r) => r.task));
  } catch (err) {
    graderWarning = `graders not assigned (rows use our pytest parser): ${(err as Error).message}`;
  }
  return { rows: good, errors, format: read.format, graderWarning };
}
