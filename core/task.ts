// Task instances in the SWE-bench / SWE-Gym / SWE-rebench JSONL format, and parsing a JSONL file row by row so
// one bad row is reported (line + field) without losing the good ones. Pure: no I/O.
import { issuePath } from './zodIssues.ts';
import { z } from 'zod';
import { normaliseRow } from './taskFormats.ts';

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

/** null and '' are no commands (SWE-rebench rows leave unused fields null or empty). */
const commandList = z.union([z.string(), z.array(z.string())]).nullish();

/** SWE-rebench's per-instance environment recipe (extra keys such as python, reqs_path are kept, unused). */
export const InstallConfigSchema = z
  .looseObject({
    pre_install: commandList.describe('Commands run before install (apt, system set-up).'),
    install: commandList.describe('Commands that install the repository at /testbed.'),
    pip_packages: z
      .union([z.array(z.string()), z.string()])
      .nullish()
      .describe('Extra pip packages installed before install.'),
    test_cmd: commandList.describe('Test command; the test files of test_patch are appended.'),
    append_test_files: z
      .boolean()
      .optional()
      .describe('false: test_cmd is complete (Harbor tests/test.sh); no test files are appended.'),
    env: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))
      .nullish()
      .transform((v) => v ?? undefined)
      .describe('Environment for install and test commands.'),
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
  patch: z
    .string()
    .nullish()
    .transform((v) => v ?? '')
    .describe('The gold patch.'),
  setup_patch: z
    .string()
    .optional()
    .describe('Committed on top of base_commit when the image is built: the task state (SWE-smith bugs).'),
  test_patch: z
    .string()
    .nullish()
    .transform((v) => v ?? '')
    .describe('Empty: tests are chosen by name (SWE-smith).'),
  problem_statement: z.string().min(1),
  hints_text: z
    .string()
    .nullish()
    .transform((v) => v ?? ''),
  // A number here is a JSON export's doing: 3.0 must stay "3.0" (the harness keys specs by "3.0"), so whole
  // numbers get ".0"; 3.10 exported as a number is already 3.1 and cannot be recovered (a string is needed).
  version: z
    .union([z.string(), z.number()])
    .nullish()
    .transform((v) =>
      v == null ? undefined : typeof v === 'number' && Number.isInteger(v) ? v.toFixed(1) : String(v),
    ),
  environment_setup_commit: z
    .string()
    .nullish()
    .transform((v) => v ?? undefined),
  // Hugging Face parquet exports store timestamps as numbers (ms, or s since the epoch): stored as ISO 8601.
  created_at: z
    .union([z.string(), z.number()])
    .nullish()
    .transform((v) =>
      v == null ? undefined : typeof v === 'number' ? new Date(v < 1e11 ? v * 1000 : v).toISOString() : v,
    ),
  FAIL_TO_PASS: testList.refine((a) => a.length > 0, 'at least one FAIL_TO_PASS test is needed to grade a task'),
  PASS_TO_PASS: testList.default([]),
  image_name: z
    .string()
    .min(1)
    .nullish()
    .transform((v) => v ?? undefined),
  image_family: z
    .enum(['swebench', 'swe-gym', 'swe-rebench'])
    .optional()
    .describe('A published image family: image_name follows its naming scheme (core/imageFamilies.ts).'),
  install_config: InstallConfigSchema.nullish().transform((v) => v ?? undefined),
  source_instance_id: z
    .string()
    .optional()
    .describe("Set by the task store: the dataset's own id when instance_id is namespaced (`dataset/id`)."),
  grader: z
    .enum(['swebench', 'pytest'])
    .optional()
    .describe("Log parser and grading: the swebench package's for the repositories it knows, else ours (pytest)."),
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
  const parsed = TaskInstanceSchema.safeParse(normaliseRow(raw as Record<string, unknown>).row);
  if (parsed.success) return { task: parsed.data, errors: [] };
  return {
    errors: parsed.error.issues.map((i) => ({
      line,
      field: issuePath(i, '(row)'),
      message: i.message,
    })),
  };
}

/** Rows already read (JSONL line, JSON array index, parquet row); a duplicate instance_id is an error on its later one. */
export function parseTaskEntries(entries: readonly { line: number; raw: unknown }[]): ParsedRows {
  const out: ParsedRows = { tasks: [], errors: [] };
  const seen = new Map<string, number>();
  for (const { line, raw } of entries) {
    const { task, errors } = parseTaskRow(raw, line);
    out.errors.push(...errors);
    if (!task) continue;
    const first = seen.get(task.instance_id);
    if (first !== undefined) {
      out.errors.push({ line, field: 'instance_id', message: `duplicate of line ${first}` });
      continue;
    }
    seen.set(task.instance_id, line);
    out.tasks.push({ line, task });
  }
  return out;
}

/** Every non-blank line is one instance. */
export function parseTaskJsonl(text: string): ParsedRows {
  const entries: { line: number; raw: unknown }[] = [];
  const bad: RowError[] = [];
  text.split('\n').forEach((content, i) => {
    const line = i + 1;
    if (!content.trim()) return;
    try {
      entries.push({ line, raw: JSON.parse(content) });
    } catch (err) {
      bad.push({ line, field: '(json)', message: `not valid JSON: ${(err as Error).message}` });
    }
  });
  const out = parseTaskEntries(entries);
  out.errors = [...bad, ...out.errors].sort((a, b) => a.line - b.line);
  return out;
}

export function formatRowError(e: RowError, file?: string): string {
  return `${file ? `${file}:` : 'line '}${e.line}: ${e.field}: ${e.message}`;
}
