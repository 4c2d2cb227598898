// The modified files around each hunk, read in the evaluation container after the model patch applied (issue 14):
// SWE-World's input is the code as execution sees it, wider than the patch's 3 context lines. Printed after the
// tests ran (nothing here can change a result) and parsed from the script's CONTEXT sections.
import { shellQuote } from '../../core/testSpec.ts';
import { newPath, parseDiff } from '../../core/unifiedDiff.ts';

export interface ContextWindow {
  path: string;
  start: number;
  end: number;
}
export interface FileContext extends ContextWindow {
  text: string;
}

/** Lines shown on each side of a hunk, and at most this many lines per file. */
export const CONTEXT_LINES = 20;
export const MAX_LINES_PER_FILE = 240;
const LINE_CHARS = 400;

/** Post-patch windows per modified file: each hunk's new-side range widened by CONTEXT_LINES, overlaps merged. */
export function contextWindows(patch: string, around = CONTEXT_LINES): ContextWindow[] {
  const out: ContextWindow[] = [];
  for (const f of parseDiff(patch).files) {
    const path = newPath(f);
    if (!path) continue;
    for (const h of f.hunks) {
      if (h.newLines === 0) continue;
      const w = { path, start: Math.max(1, h.newStart - around), end: h.newStart + h.newLines - 1 + around };
      const last = out[out.length - 1];
      if (last && last.path === w.path && w.start <= last.end + 1) last.end = Math.max(last.end, w.end);
      else out.push(w);
    }
  }
  const used = new Map<string, number>();
  return out.filter((w) => {
    const n = (used.get(w.path) ?? 0) + (w.end - w.start + 1);
    used.set(w.path, n);
    return n <= MAX_LINES_PER_FILE;
  });
}

/** Bash for the eval script: one CONTEXT section per window (a missing file prints nothing). */
export function contextScript(windows: readonly ContextWindow[], mark = 'mark'): string {
  return windows
    .map(
      (w, i) =>
        `${mark} CONTEXT ${i}\nsed -n '${w.start},${w.end}p' -- ${shellQuote(w.path)} 2>/dev/null | cut -c1-${LINE_CHARS}`,
    )
    .join('\n');
}

/** The windows with the text the container printed for them (windows it printed nothing for are dropped). */
export function readContext(windows: readonly ContextWindow[], sections: ReadonlyMap<number, string>): FileContext[] {
  return windows.flatMap((w, i) => {
    const text = (sections.get(i) ?? '').replace(/\n+$/, '');
    return text ? [{ ...w, end: w.start + text.split('\n').length - 1, text }] : [];
  });
}
