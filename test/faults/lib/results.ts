// The fault suite's table: each scenario records (scenario, expected, observed, pass) in
// .swe-forge/test-results/faults.json, and every file prints the table so far from its afterAll. A row's `pass`
// is whether the test's own assertions held: the table cannot say "pass" for a failing test or the reverse.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface FaultResult {
  scenario: string;
  expected: string;
  observed: string;
  pass: boolean;
  seconds: number;
  file: string;
}

interface ResultsFile {
  /** The vitest process that ran the files (each file is a fork of it): one table per `vitest run`. */
  invocation: number;
  updatedAt: string;
  results: FaultResult[];
}

export const RESULTS_FILE = resolve('.swe-forge/test-results/faults.json');

function load(): ResultsFile {
  const fresh: ResultsFile = { invocation: process.ppid, updatedAt: new Date().toISOString(), results: [] };
  if (!existsSync(RESULTS_FILE)) return fresh;
  try {
    const f = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as ResultsFile;
    return f.invocation === process.ppid ? f : fresh;
  } catch {
    return fresh;
  }
}

function record(r: FaultResult): void {
  const f = load();
  f.results = [...f.results.filter((x) => x.scenario !== r.scenario), r];
  f.updatedAt = new Date().toISOString();
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(`${RESULTS_FILE}.tmp`, `${JSON.stringify(f, null, 2)}\n`);
  renameSync(`${RESULTS_FILE}.tmp`, RESULTS_FILE);
}

export interface Observer {
  /** Adds a fact to the row's "observed" column (kept in order). */
  saw(fact: string): void;
}

/**
 * Runs one scenario's assertions and records its row either way; a failed assertion is rethrown after its
 * message is added to "observed".
 */
export async function scenario(
  name: string,
  expected: string,
  file: string,
  body: (o: Observer) => Promise<void>,
): Promise<void> {
  const facts: string[] = [];
  const t0 = Date.now();
  const seconds = () => Math.round((Date.now() - t0) / 100) / 10;
  try {
    await body({ saw: (f) => void facts.push(f) });
    record({ scenario: name, expected, observed: facts.join('; '), pass: true, seconds: seconds(), file });
  } catch (err) {
    const msg = (err as Error).message?.split('\n').slice(0, 3).join(' ') ?? String(err);
    record({
      scenario: name,
      expected,
      observed: [...facts, `FAILED: ${msg}`].join('; '),
      pass: false,
      seconds: seconds(),
      file,
    });
    throw err;
  }
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The table as Markdown (docs/reliability.md holds a copy of a full run's). */
export function faultTable(results = load().results): string {
  const lines = ['| scenario | expected | observed | pass |', '|---|---|---|---|'];
  for (const r of results)
    lines.push(`| ${cell(r.scenario)} | ${cell(r.expected)} | ${cell(r.observed)} | ${r.pass ? 'pass' : 'FAIL'} |`);
  return lines.join('\n');
}

export function printFaultTable(): void {
  const { results } = load();
  const failed = results.filter((r) => !r.pass).length;
  console.log(
    `\nfault suite (${RESULTS_FILE}): ${results.length - failed} pass, ${failed} fail so far\n${faultTable(results)}\n`,
  );
}
