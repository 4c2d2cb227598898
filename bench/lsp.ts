// `npm run bench -- lsp [calls] [--repo PATH]`: the lsp tool's latency on the bundled repositories (tasks/mini/repos),
// or on one local git repository given by --repo (a large real one: its HEAD, e.g. a sympy clone), each in
// a sandbox from the base image (no network). First call: the daemon and jedi-language-server start and index the
// repository (document_symbols of one file). Later calls: definition / references / hover / document_symbols of the
// functions the repository defines, in turn. Baseline in the same run: the `search` tool (grep) for the same names,
// through the same toolbox. Ratio: later-call p50 / search p50; target: <= 3 (a navigation costs at most a few greps).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import type { SandboxEnvironment } from '../activities/agent/environment.ts';
import { createToolbox } from '../activities/agent/toolbox.ts';
import { toolNamesFor } from '../activities/trajectory/toolSpecs.ts';
import { connectDocker } from '../infra/docker.ts';
import { startToolSandbox, toolCall } from '../dev/toolSandbox.ts';

const TARGET = 3;
const BUNDLES = 'tasks/mini/repos';
const COMMANDS = ['definition', 'references', 'hover', 'document_symbols'] as const;

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const round = (x: number) => Math.round(x);

/** Every `def name(` in the repository's non-test Python files: (path under /testbed, 1-indexed line, name). */
function functionsOf(dir: string): { path: string; line: number; symbol: string }[] {
  const out: { path: string; line: number; symbol: string }[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory() && e.name !== '.git' && e.name !== 'tests') walk(p);
      else if (e.isFile() && e.name.endsWith('.py') && !e.name.startsWith('test_')) {
        readFileSync(p, 'utf8')
          .split('\n')
          .forEach((text, i) => {
            const m = /^\s*def ([A-Za-z_]\w*)\(/.exec(text);
            if (m) out.push({ path: `/testbed/${relative(dir, p)}`, line: i + 1, symbol: m[1]! });
          });
      }
    }
  };
  walk(dir);
  return out;
}

async function timed(fn: () => Promise<{ observation: string; error?: string }>): Promise<number> {
  const t0 = performance.now();
  const out = await fn();
  if (out.error) throw new Error(`bench call failed: ${out.observation.slice(0, 300)}`);
  return performance.now() - t0;
}

async function benchRepo(env: SandboxEnvironment, dir: string, calls: number) {
  const toolbox = createToolbox(env, {
    commandTimeoutSec: 120,
    outputCapBytes: 16384,
    tools: toolNamesFor({ tools: { lsp: true } }),
  });
  const fns = functionsOf(dir);
  if (!fns.length) throw new Error(`no functions in ${dir}`);
  const run = (name: string, args: Record<string, unknown>) => toolbox.run(toolCall(name, args));
  const first = await timed(() => run('lsp', { command: 'document_symbols', path: fns[0]!.path }));
  const later: number[] = [];
  const search: number[] = [];
  const byCommand: Record<string, number[]> = {};
  for (let i = 0; i < calls; i++) {
    // Spread over the repository (a large one has thousands of functions in hundreds of modules).
    const f = fns[Math.floor((i * fns.length) / calls) % fns.length]!;
    const command = COMMANDS[i % COMMANDS.length]!;
    const ms = await timed(() => run('lsp', { command, ...f }));
    later.push(ms);
    (byCommand[command] ??= []).push(ms);
    search.push(await timed(() => run('search', { search_term: f.symbol })));
  }
  return { first, later, search, byCommand, functions: fns.length };
}

export default async function bench(args: string[]): Promise<void> {
  const at = args.indexOf('--repo');
  const repo = at >= 0 ? args[at + 1] : undefined;
  if (at >= 0 && !repo) throw new Error('--repo: give the path of a git repository');
  const rest = at >= 0 ? args.filter((_, i) => i !== at && i !== at + 1) : args;
  const calls = Number(rest[0] ?? 20);
  const sources = repo
    ? [repo]
    : readdirSync(BUNDLES)
        .filter((b) => b.endsWith('.bundle'))
        .map((b) => join(BUNDLES, b));
  const docker = await connectDocker();
  const firsts: number[] = [];
  const later: number[] = [];
  const search: number[] = [];
  for (const source of sources) {
    const bundle = basename(source);
    const dir = mkdtempSync(join(tmpdir(), 'bench-lsp-'));
    const env = await startToolSandbox(docker, 'bench-lsp', bundle, repo ? 4096 : 512);
    try {
      const from = repo ? ['--depth', '1', `file://${resolve(source)}`] : [source];
      execFileSync('git', ['clone', '-q', ...from, dir]);
      const tar = execFileSync('tar', ['-C', dir, '--exclude=.git', '-cf', '-', '.'], { maxBuffer: 256 << 20 });
      await docker.getContainer(env.id).putArchive(tar, { path: '/testbed' });
      const r = await benchRepo(env, dir, calls);
      firsts.push(r.first);
      later.push(...r.later);
      search.push(...r.search);
      console.log(
        `${bundle}: ${r.functions} functions; first call ${round(r.first)} ms; later p50 ${round(pct(r.later, 0.5))} ms ` +
          `p95 ${round(pct(r.later, 0.95))} ms; search p50 ${round(pct(r.search, 0.5))} ms; ` +
          Object.entries(r.byCommand)
            .map(([c, xs]) => `${c} p50 ${round(pct(xs, 0.5))} / max ${round(Math.max(...xs))} ms`)
            .join(', '),
      );
    } finally {
      await env.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const figures = {
    firstCallP50Ms: round(pct(firsts, 0.5)),
    firstCallMaxMs: round(Math.max(...firsts)),
    laterP50Ms: round(pct(later, 0.5)),
    laterP95Ms: round(pct(later, 0.95)),
    searchP50Ms: round(pct(search, 0.5)),
    calls: later.length,
    repositories: sources.map((s) => basename(s)),
  };
  const ratio = Math.round((figures.laterP50Ms / figures.searchP50Ms) * 100) / 100;
  console.log(JSON.stringify({ bench: 'lsp', ...figures, ratio, target: TARGET, ok: ratio <= TARGET }));
}
