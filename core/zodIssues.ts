// The one way a zod error becomes text: each issue as `dotted.path: message (received …)`. Pure, so the workflow
// (a run started from the UI), the CLI and the activities print the same lines for the same bad input.
import type { z } from 'zod';

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `stages.rl.groupSize`, or `root` for an issue about the value itself. */
export const issuePath = (issue: z.core.$ZodIssue, root = '(root)') =>
  issue.path.length ? issue.path.map(String).join('.') : root;

export function describeReceived(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'array';
  return typeof input === 'string'
    ? `string ${JSON.stringify(input.slice(0, 40))}`
    : `${typeof input} ${String(input)}`;
}

/**
 * One line per issue. With `raw` (the value that was validated), an issue whose message does not say what it got
 * is followed by what the input holds at that path.
 */
export function issueLines(error: z.ZodError, raw?: unknown): string[] {
  return error.issues.map((issue) => {
    if (raw === undefined) return `${issuePath(issue)}: ${issue.message}`;
    let at: unknown = raw;
    for (const key of issue.path) at = isPlain(at) || Array.isArray(at) ? (at as Plain)[key as string] : undefined;
    const received =
      issue.code === 'unrecognized_keys' || issue.message.includes('received')
        ? ''
        : ` (received ${describeReceived(at)})`;
    return `${issuePath(issue)}: ${issue.message}${received}`;
  });
}
