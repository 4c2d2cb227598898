// The layers as docs/architecture.md states them, checked on the code: which folder may import which, no import
// cycle beyond two files of one folder, no source file over 300 lines, and the README's folder table matches the
// tree. A new import that runs upward fails here, naming the file.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');

/** What each top-level folder may import besides itself (docs/architecture.md, "The layers"). */
const MAY_IMPORT: Record<string, string[]> = {
  core: [],
  config: ['core'],
  contracts: ['core', 'config'],
  infra: ['core', 'config', 'contracts'],
  activities: ['core', 'config', 'contracts', 'infra'],
  workflows: ['core', 'config', 'contracts'],
  workers: ['core', 'config', 'contracts', 'infra', 'activities', 'workflows'],
  cli: ['core', 'config', 'contracts', 'infra', 'activities', 'workflows', 'workers'],
  dev: ['core', 'config', 'contracts', 'infra', 'activities', 'workflows', 'workers', 'cli'],
  bench: ['core', 'config', 'contracts', 'infra', 'activities', 'workflows', 'workers', 'cli', 'dev'],
  test: ['core', 'config', 'contracts', 'infra', 'activities', 'workflows', 'workers', 'cli', 'dev'],
};
/** The files that may pass 300 lines, each with its reason. */
const LONG_FILES: Record<string, string> = {
  'config/schema.ts': 'the whole run schema in one place, a help text on every field (the UI form and `config check`)',
};

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const p = join(dir, name);
    if (statSync(join(root, p)).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}
const files = Object.keys(MAY_IMPORT).flatMap(sources);
const imports = new Map(
  files.map((f) => {
    const text = readFileSync(join(root, f), 'utf8');
    const to = [...text.matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)].map((m) =>
      relative(root, resolve(root, dirname(f), m[1]!)),
    );
    return [f, to] as const;
  }),
);
const layer = (f: string) => f.split('/')[0]!;

/** Tarjan's strongly connected components of the import graph, those of more than one file. */
function cycles(): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of imports.get(v) ?? []) {
      if (!imports.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const f of files) if (!idx.has(f)) visit(f);
  return out;
}

describe('architecture', () => {
  it('sees the source tree (a broken scan would pass everything)', () => {
    expect(files.length).toBeGreaterThan(300);
    expect(imports.get('workflows/pipeline.ts')).toContain('contracts/pipeline.ts');
  });

  it('no import runs upward: each folder imports only the layers below it', () => {
    const upward = files.flatMap((f) =>
      (imports.get(f) ?? [])
        .filter((to) => layer(to) !== layer(f) && !MAY_IMPORT[layer(f)]!.includes(layer(to)))
        .map((to) => `${f} -> ${to}`),
    );
    expect(upward).toEqual([]);
  });

  it('contracts/ holds types only and imports nothing but core/ and config/schema.ts', () => {
    for (const f of files.filter((x) => layer(x) === 'contracts')) {
      const text = readFileSync(join(root, f), 'utf8');
      expect(text, f).not.toMatch(/^export (const|function|class|let)/m);
      for (const to of imports.get(f) ?? [])
        expect(`${f} -> ${to}`).toMatch(/-> (core\/|config\/schema\.ts|contracts\/)/);
    }
  });

  it('no import cycle spans more than two files, nor two folders', () => {
    const bad = cycles().filter((c) => c.length > 2 || new Set(c.map(dirname)).size > 1);
    expect(bad).toEqual([]);
  });

  it('no source file over 300 lines but those with a stated reason', () => {
    const long = files
      .map((f) => [f, readFileSync(join(root, f), 'utf8').split('\n').length] as const)
      .filter(([f, n]) => n > 300 && !LONG_FILES[f]);
    expect(long).toEqual([]);
  });

  it("the README's folder table lists every top-level folder of the tree, and only those", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.split('## Where things are')[1]!.split('\n## ')[0]!;
    const listed = [...section.matchAll(/^\| `([a-z-]+)\/` \|/gm)].map((m) => m[1]!).sort();
    const onDisk = readdirSync(root)
      .filter((n) => !n.startsWith('.') && n !== 'node_modules' && statSync(join(root, n)).isDirectory())
      .sort();
    expect(listed).toEqual(onDisk);
  });
});
