// The tools (R2E-Gym / SWE-Master style) as OpenAI function schemas, and a checker that turns missing or
// mistyped arguments into a message the model can act on. The text format documents the same schemas in the
// system prompt (prompts.ts). The default four are always offered; `lsp` only where agent.tools.lsp is on. A
// trajectory records the tools it was given on its system message (meta.tools) so its training rows render the
// same ones (toolSpecsOf); a trajectory without the record was given the default four.

export type ToolName = 'bash' | 'file_editor' | 'search' | 'lsp' | 'submit';

interface JsonSchemaProp {
  type: 'string' | 'integer' | 'array';
  description: string;
  enum?: string[];
  items?: { type: 'integer' };
}

export interface ToolSpec {
  type: 'function';
  function: {
    name: ToolName;
    description: string;
    parameters: { type: 'object'; properties: Record<string, JsonSchemaProp>; required: string[] };
  };
}

const spec = (
  name: ToolName,
  description: string,
  properties: Record<string, JsonSchemaProp>,
  required: string[],
): ToolSpec => ({
  type: 'function',
  function: { name, description, parameters: { type: 'object', properties, required } },
});

const ALL_TOOL_SPECS: readonly ToolSpec[] = [
  spec(
    'bash',
    'Run one bash command in the repository (cwd /testbed). Each call is a fresh shell: `cd` and variables do not ' +
      'persist. Long output is cut to its head and tail. No network. Reading git history is refused.',
    { command: { type: 'string', description: 'The command line to run.' } },
    ['command'],
  ),
  spec(
    'file_editor',
    'View, create and edit files. view: a file with line numbers (view_range [start, end], end -1 = last line) or a ' +
      'directory listing; create: a new file; str_replace: replace old_str, which must occur exactly once, by new_str; ' +
      'insert: new_str after line insert_line (0 = top); undo_edit: revert the last edit of path.',
    {
      command: {
        type: 'string',
        enum: ['view', 'create', 'str_replace', 'insert', 'undo_edit'],
        description: 'The operation.',
      },
      path: { type: 'string', description: 'Absolute path, e.g. /testbed/pkg/module.py.' },
      file_text: { type: 'string', description: 'create: the content of the new file.' },
      old_str: { type: 'string', description: 'str_replace: the exact text to replace (unique in the file).' },
      new_str: { type: 'string', description: 'str_replace: the replacement; insert: the lines to insert.' },
      insert_line: { type: 'integer', description: 'insert: the line after which new_str goes (0 = top).' },
      view_range: { type: 'array', items: { type: 'integer' }, description: 'view: [start, end] lines, 1-based.' },
    },
    ['command', 'path'],
  ),
  spec(
    'search',
    'Search the repository: kind "content" (default) lists lines containing search_term (fixed string, with file ' +
      'and line number); kind "filename" lists files whose name matches search_term (a glob such as *parser*.py).',
    {
      search_term: { type: 'string', description: 'Text to find, or a filename glob for kind "filename".' },
      path: { type: 'string', description: 'Directory or file to search (default /testbed).' },
      kind: { type: 'string', enum: ['content', 'filename'], description: 'What to search (default content).' },
    },
    ['search_term'],
  ),
  spec(
    'lsp',
    'Navigate Python code with a language server (jedi) over /testbed. Address a symbol by path, 1-indexed line and ' +
      'its name on that line. definition / type_definition / hover / references: path, line, symbol; ' +
      'call_hierarchy: path, line, symbol and direction (incoming: functions that use it; outgoing: the calls it ' +
      'makes); document_symbols and diagnostics (syntax errors): path; workspace_symbols: query. Answers list ' +
      'path:line: source.',
    {
      command: {
        type: 'string',
        enum: [
          'definition',
          'type_definition',
          'hover',
          'references',
          'document_symbols',
          'workspace_symbols',
          'call_hierarchy',
          'diagnostics',
        ],
        description: 'The operation.',
      },
      path: { type: 'string', description: 'The Python file, absolute or relative to /testbed.' },
      line: { type: 'integer', description: 'The 1-indexed line the symbol is on.' },
      symbol: { type: 'string', description: 'The name on that line (a dotted name points at its last part).' },
      query: { type: 'string', description: 'workspace_symbols: the name, or part of it, to find.' },
      direction: {
        type: 'string',
        enum: ['incoming', 'outgoing'],
        description: 'call_hierarchy: incoming (default) or outgoing.',
      },
    },
    ['command'],
  ),
  spec(
    'submit',
    'Submit your changes as the final answer: the diff of the working tree against the original commit is graded ' +
      'by the hidden tests. Call it once you have fixed the issue; it ends the episode.',
    {},
    [],
  ),
];

const OPTIONAL_TOOLS: readonly ToolName[] = ['lsp'];

/** The default four, which every rollout is given and which a trajectory without meta.tools had. */
export const TOOL_SPECS: readonly ToolSpec[] = ALL_TOOL_SPECS.filter((s) => !OPTIONAL_TOOLS.includes(s.function.name));

export const TOOL_NAMES: readonly ToolName[] = TOOL_SPECS.map((s) => s.function.name);

export function isToolName(name: string): name is ToolName {
  return ALL_TOOL_SPECS.some((s) => s.function.name === name);
}

/** The tools a rollout of this agent config is given, in their canonical order. */
export function toolNamesFor(agent: { tools?: { lsp?: boolean } }): ToolName[] {
  return ALL_TOOL_SPECS.map((s) => s.function.name).filter((n) => n !== 'lsp' || agent.tools?.lsp === true);
}

/** The schemas of these tools (names we do not know are skipped), in canonical order. */
export function toolSpecsFor(names: readonly string[]): ToolSpec[] {
  return ALL_TOOL_SPECS.filter((s) => names.includes(s.function.name));
}

/** The tools a trajectory was given: its system message's meta.tools, else the default four. */
export function toolSpecsOf(messages: readonly unknown[]): ToolSpec[] {
  const first = messages[0] as { role?: unknown; meta?: { tools?: unknown } } | undefined;
  const tools = first?.role === 'system' ? first.meta?.tools : undefined;
  return Array.isArray(tools) ? toolSpecsFor(tools.filter((t): t is string => typeof t === 'string')) : [...TOOL_SPECS];
}

/** What a trajectory's system message records: nothing for the default four, so such trajectories are as before. */
export function toolsMeta(names: readonly ToolName[]): { tools?: ToolName[] } {
  const plain = names.length === TOOL_NAMES.length && names.every((n, k) => n === TOOL_NAMES[k]);
  return plain ? {} : { tools: [...names] };
}

/** Missing required fields, wrong types and enum violations, as one message; undefined when the call is fine. */
export function checkArguments(name: ToolName, args: Record<string, unknown>): string | undefined {
  const { properties, required } = ALL_TOOL_SPECS.find((s) => s.function.name === name)!.function.parameters;
  const problems: string[] = [];
  for (const field of required)
    if (args[field] === undefined || args[field] === null) problems.push(`missing required argument "${field}"`);
  for (const [field, value] of Object.entries(args)) {
    const prop = properties[field];
    // Extra arguments are ignored (models like to add a "timeout"); a misspelt required one is reported missing.
    if (!prop || value === undefined || value === null) continue;
    const ok =
      prop.type === 'string'
        ? typeof value === 'string'
        : prop.type === 'integer'
          ? Number.isInteger(value)
          : Array.isArray(value);
    if (!ok) problems.push(`argument "${field}" must be ${prop.type === 'integer' ? 'an integer' : `a ${prop.type}`}`);
    else if (prop.enum && !prop.enum.includes(value as string))
      problems.push(`argument "${field}" must be one of ${prop.enum.join(', ')}`);
  }
  return problems.length ? `${name}: ${problems.join('; ')}` : undefined;
}
