// Calls infra/pybridge/swebench_bridge.py in the trainer venv: the maintained `swebench` package grades the
// repositories it knows, and pyarrow reads parquet. One process per call (a batch per call where it matters).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InfraError } from '../../core/errors.ts';
import { loadSettings } from '../settings.ts';

const SCRIPT = join(import.meta.dirname, 'swebench_bridge.py');

export interface HarnessReport {
  patch_is_None: boolean;
  patch_exists: boolean;
  patch_successfully_applied: boolean;
  resolved: boolean;
  tests_status?: Record<string, { success: string[]; failure: string[] }>;
}

/** The instance fields the package reads (its own names). */
export interface BridgeInstance {
  instance_id: string;
  repo: string;
  version?: string;
  base_commit: string;
  test_patch: string;
  FAIL_TO_PASS: string[];
  PASS_TO_PASS: string[];
  /** swebench >= 5 rows: the parser's registry name, the eval script, the eval type. */
  log_parser?: string;
  eval_script?: string;
  eval_type?: string;
}

export function callBridge<T>(command: string, request: unknown, o: { pythonBin?: string } = {}): Promise<T> {
  const python = o.pythonBin ?? loadSettings().pythonBin;
  return new Promise<T>((resolve, reject) => {
    const child = spawn(python, [SCRIPT, command], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) =>
      reject(new InfraError(`cannot run ${python} (the trainer venv): ${e.message}`, { cause: e })),
    );
    child.on('close', (code) => {
      if (code !== 0) {
        const why = Buffer.concat(err).toString('utf8').trim().split('\n').slice(-5).join('\n');
        reject(new InfraError(`swebench bridge \`${command}\` failed (exit ${code}): ${why}`));
        return;
      }
      try {
        resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as T);
      } catch (e) {
        reject(new InfraError(`swebench bridge \`${command}\` printed no JSON: ${(e as Error).message}`));
      }
    });
    child.stdin.on('error', () => undefined); // a child that died early is reported by 'close'
    child.stdin.end(JSON.stringify(request));
  });
}

export interface ParserTable {
  package_version: string;
  parsers: string[];
  by_repo: Record<string, string>;
}

let tableMemo: { key: string; table: Promise<ParserTable> } | undefined;

/** The installed package's identity without starting Python: its dist-info folder name(s) in the venv. */
function packageKey(pythonBin: string): string {
  const lib = join(dirname(dirname(pythonBin)), 'lib');
  if (!existsSync(lib)) return 'none';
  return readdirSync(lib)
    .flatMap((py) => {
      const site = join(lib, py, 'site-packages');
      return existsSync(site) ? readdirSync(site).filter((n) => /^swebench-.*\.dist-info$/.test(n)) : [];
    })
    .sort()
    .join(',');
}

/**
 * Which parser the package has for which repository. Importing the package takes seconds, so the table is cached
 * on disk per installed version (and in memory per process); a new version is asked again.
 */
export function harnessParserTable(): Promise<ParserTable> {
  const settings = loadSettings();
  const key = packageKey(settings.pythonBin);
  if (tableMemo?.key === key) return tableMemo.table;
  const file = join(settings.cacheDir, 'swebench-parsers.json');
  const table = (async () => {
    try {
      const cached = JSON.parse(readFileSync(file, 'utf8')) as { key: string; table: ParserTable };
      if (cached.key === key && key !== 'none') return cached.table;
    } catch {
      // no cache yet, or an unreadable one: ask the package
    }
    const fresh = await callBridge<ParserTable>('table', {});
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ key, table: fresh }));
    return fresh;
  })();
  tableMemo = { key, table };
  table.catch(() => (tableMemo = undefined));
  return table;
}

/** For each row: does the installed swebench package have a log parser for it (named by the row, or the one it
 * maps the repository to)? */
export async function knownToHarness(rows: { repo: string; log_parser?: string }[]): Promise<boolean[]> {
  if (!rows.length) return [];
  const t = await harnessParserTable();
  const names = new Set(t.parsers);
  return rows.map((r) => (r.log_parser !== undefined && names.has(r.log_parser)) || Object.hasOwn(t.by_repo, r.repo));
}

/** The row's own eval script as the harness runs it, or null when the row carries none (older exports). */
export async function harnessEvalScript(instance: BridgeInstance): Promise<string | null> {
  if (!instance.eval_script) return null;
  return (await callBridge<{ eval_script: string | null }>('script', { instance })).eval_script;
}

/** get_eval_report of the package for each (instance, full test_output.txt) pair. */
export async function harnessGrade(
  items: { instance: BridgeInstance; log: string; model_patch: string | null }[],
): Promise<HarnessReport[]> {
  if (!items.length) return [];
  return (await callBridge<{ reports: HarnessReport[] }>('grade', { items })).reports;
}

export async function readParquetRows(path: string): Promise<Record<string, unknown>[]> {
  return (await callBridge<{ rows: Record<string, unknown>[] }>('parquet', { path })).rows;
}

export async function readToml(path: string): Promise<Record<string, unknown>> {
  return (await callBridge<{ data: Record<string, unknown> }>('toml', { path })).data;
}

/** The swebench package's run report (make_run_report) over `<root>/logs/run_evaluation/<runId>/`: the keys its
 * installed version writes (later versions add infra_failure_ids and friends). */
export async function harnessRunReport(o: {
  root: string;
  runId: string;
  predictions: { instance_id: string; model_name_or_path: string; model_patch: string | null }[];
  datasetIds: string[];
}): Promise<{ report: Record<string, unknown>; package_version: string }> {
  return callBridge('run_report', {
    root: o.root,
    run_id: o.runId,
    predictions: o.predictions,
    dataset: o.datasetIds.map((instance_id) => ({ instance_id })),
  });
}
