// Prompt templates. The defaults follow R2E-Gym / SWE-Master; a run config may override either
// (agent.systemPrompt, agent.instancePrompt). Placeholders: {{problem_statement}}, {{repo}}, {{workdir}},
// {{instance_id}} and, for the text tool format, {{tools}} (the tool schemas and the call format).
import { formatTextToolCall } from '../../core/toolCalls.ts';
import type { ToolFormat } from './protocols.ts';
import { TOOL_NAMES, TOOL_SPECS, toolSpecsFor, type ToolName, type ToolSpec } from '../trajectory/toolSpecs.ts';

export const DEFAULT_SYSTEM_PROMPT = `You are a software engineer fixing an issue in a repository checked out at {{workdir}}.
Explore the code, reproduce the problem, make the smallest correct change to the non-test source files, check it,
and then call submit. Each tool call runs in a fresh shell in the same container; there is no network access and
the repository's history is not available.{{tools}}`;

export const DEFAULT_INSTANCE_PROMPT = `Repository: {{repo}} (checked out at {{workdir}})

<issue>
{{problem_statement}}
</issue>

Fix the issue so that the repository's tests for it pass. Do not change the existing tests.`;

/** The text format's tool block for these tools (default: the four every rollout has). */
export function textToolsBlock(specs: readonly ToolSpec[] = TOOL_SPECS): string {
  const schemas = specs.map((s) => JSON.stringify(s.function)).join('\n');
  const example = formatTextToolCall('bash', { command: 'ls' });
  return (
    '\n\n# Tools\n\nYou may call one or more tools. Their JSON schemas:\n<tools>\n' +
    schemas +
    '\n</tools>\n\nTo call a tool, write a JSON object with its name and arguments between tags, for example:\n' +
    example +
    '\nEach result comes back between <tool_response> tags.'
  );
}

export function renderTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => (key in vars ? vars[key]! : whole));
}

export interface PromptInput {
  systemPrompt?: string;
  instancePrompt?: string;
  toolFormat: ToolFormat;
  /** The tools the rollout is given (default: the four). */
  tools?: readonly ToolName[];
  task: { instance_id: string; repo: string; problem_statement: string };
  workdir: string;
}

export function buildPrompts(p: PromptInput): { system: string; user: string } {
  const vars = {
    problem_statement: p.task.problem_statement,
    repo: p.task.repo,
    instance_id: p.task.instance_id,
    workdir: p.workdir,
    tools: p.toolFormat === 'text' ? textToolsBlock(toolSpecsFor(p.tools ?? TOOL_NAMES)) : '',
  };
  let system = p.systemPrompt ?? DEFAULT_SYSTEM_PROMPT;
  // An override that forgets {{tools}} would leave a text-format model without the call format.
  if (p.toolFormat === 'text' && !/\{\{\s*tools\s*\}\}/.test(system)) system += '{{tools}}';
  return {
    system: renderTemplate(system, vars),
    user: renderTemplate(p.instancePrompt ?? DEFAULT_INSTANCE_PROMPT, vars),
  };
}
