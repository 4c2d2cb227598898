// Task instances in the SWE-bench / SWE-Gym / SWE-rebench JSONL format, and parsing a JSONL file row by row so
// one bad row is reported (line + field) without losing the good ones. Pure: no I/O.
import { z } from 'zod';

/** SWE-bench stores FAIL_TO_PASS / PASS_TO_PASS as JSON-encoded strings; SWE-Gym and SWE-rebench as arrays. */
const testList = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v);
    } catch {
      return v; // left as a string: the array check below reports it
    }
  },
  z.array(z.string().min(1, 'test ids must be non-empty'), {
    error: 'expected an array of test ids or a JSON-encoded array string',
  }),
);

const commandList = z.union([z.string(), z.array(z.string())]);

/** SWE-rebench's per-instance environment recipe (extra keys such as python, reqs_path are kept, unused). */
export const InstallConfigSchema = z
  .looseObject({
    pre_install: commandList.optional().describe('Commands run before install (apt, system set-up).'),
    install: commandList.optional().describe('Commands that install the repository at /testbed.'),
    pip_packages: z
      .union([z.array(z.string()), z.string()])
      .optional()
      .describe('Extra pip packages installed before install.'),
    test_cmd: commandList.optional().describe('Test command; the test files of test_patch are appended.'),
    env: z.record(z.string(), z.string()).optional().describe('Environment for install and test commands.'),
  })
  .describe('install_config');
export type InstallConfig = z.infer<typeof InstallConfigSchema>;

export const TaskInstanceSchema = z.looseObject({
  instance_id: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._\-/+]*$/, 'letters, digits and . _ - / + only'),
  repo: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'expected owner/name'),
  base_commit: z.string().regex(/^[0-9a-f]{7,40}$/, 'expected a hex commit id (7 to 40 characters)'),
  patch: z.string().default('').describe('The gold patch.'),
  test_patch: z.string(),
  problem_statement: z.string().min(1),
  hints_text: z
    .string()
    .nullish()
    .transform((v) => v ?? ''),
  version: z
    .union([z.string(), z.number()])
    .nullish()
    .transform((v) => (v == null ? undefined : String(v))),
  environment_setup_commit: z
    .string()
    .nullish()
    .transform((v) => v ?? undefined),
  created_at: z
    .string()
    .nullish()
    .transform((v) => v ?? undefined),
  FAIL_TO_PASS: testList.refine((a) => a.length > 0, 'at least one FAIL_TO_PASS test is needed to grade a task'),
  PASS_TO_PASS: testList.default([]),
  image_name: z
    .string()
    .min(1)
    .nullish()
    .transform((v) => v ?? undefined),
  install_config: InstallConfigSchema.nullish().transform((v) => v ?? undefined),
});
export type TaskInstance = z.infer<typeof TaskInstanceSchema>;

export interface RowError {
  line: number;
  field: string;
  message: string;
}

export interface ParsedRows {
  tasks: { line: number; task: TaskInstance }[];
  errors: RowError[];
}

export function parseTaskRow(raw: unknown, line: number): { task?: TaskInstance; errors: RowError[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { errors: [{ line, field: '(row)', message: 'expected a JSON object' }] };
  }
  const parsed = TaskInstanceSchema.safeParse(raw);
  if (parsed.success) return { task: parsed.data, errors: [] };
  return {
    errors: parsed.error.issues.map((i) => ({
      line,
      field: i.path.length ? i.path.map(String).join('.') : '(row)',
      message: i.message,
    })),
  };
}

/** Every non-blank line is one instance. A duplicate instance_id is an error on its later line. */
export function parseTaskJsonl(text: string): ParsedRows {
  const out: ParsedRows = { tasks: [], errors: [] };
  const seen = new Map<string, number>();
  text.split('\n').forEach((content, i) => {
    const line = i + 1;
    if (!content.trim()) return;
    let raw: unknown;
    try {
      raw = JSON.parse(content);
    } catch (err) {
      out.errors.push({ line, field: '(json)', message: `not valid JSON: ${(err as Error).message}` });
      return;
    }
    const { task, errors } = parseTaskRow(raw, line);
    out.errors.push(...errors);
    if (!task) return;
    const first = seen.get(task.instance_id);
    if (first !== undefined) {
      out.errors.push({ line, field: 'instance_id', message: `duplicate of line ${first}` });
      return;
    }
    seen.set(task.instance_id, line);
    out.tasks.push({ line, task });
  });
  return out;
}

export function formatRowError(e: RowError, file?: string): string {
  return `${file ? `${file}:` : 'line '}${e.line}: ${e.field}: ${e.message}`;
}
