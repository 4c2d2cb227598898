// The scripted teacher's lsp path: offered the tool (in native `tools` or the text tool block), it lists the
// symbols of each Python file it is about to edit, before the first edit; not offered, its plan is as it was.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { textToolsBlock } from '../../../activities/agent/prompts.ts';
import { toolNamesFor, toolSpecsFor, TOOL_SPECS } from '../../../activities/trajectory/toolSpecs.ts';
import { planFor, type ScriptedStep, type ScriptedTask } from '../../../infra/scripted-policy/policy.ts';
import { offersLsp } from '../../../infra/scripted-policy/server.ts';

const tasks = readFileSync('tasks/mini/tasks.jsonl', 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as ScriptedTask);
const names = (steps: ScriptedStep[]) => steps.map((s) => (s.kind === 'call' ? s.name : s.kind));

describe('the scripted teacher with lsp', () => {
  it('calls lsp document_symbols on each file it edits, before editing; the rest of the plan is unchanged', () => {
    const plan = Array.from({ length: 40 }, (_, s) => ({ s, p: planFor(tasks[0]!, 2, s) })).find(
      (x) => x.p.mode === 'solve',
    )!;
    const withLsp = planFor(tasks[0]!, 2, plan.s, '/testbed', { lsp: true });
    const lspSteps = withLsp.steps.filter((s) => s.kind === 'call' && s.name === 'lsp');
    expect(lspSteps.length).toBeGreaterThan(0);
    for (const s of lspSteps) expect(s).toMatchObject({ arguments: { command: 'document_symbols' } });
    const order = names(withLsp.steps);
    expect(order.lastIndexOf('lsp')).toBeLessThan(
      order.findIndex(
        (n, k) =>
          n === 'file_editor' &&
          withLsp.steps[k]!.kind === 'call' &&
          (withLsp.steps[k] as { arguments: { command?: string } }).arguments.command === 'str_replace',
      ),
    );
    expect(withLsp.steps.filter((s) => !(s.kind === 'call' && s.name === 'lsp'))).toEqual(plan.p.steps);
    expect(names(plan.p.steps)).not.toContain('lsp');
  });

  it('sees the tool offered in either format', () => {
    const lspSpecs = toolSpecsFor(toolNamesFor({ tools: { lsp: true } }));
    expect(offersLsp({ tools: lspSpecs }, 'native')).toBe(true);
    expect(offersLsp({ tools: [...TOOL_SPECS] }, 'native')).toBe(false);
    expect(offersLsp({ messages: [{ role: 'system', content: `x${textToolsBlock(lspSpecs)}` }] }, 'text')).toBe(true);
    expect(offersLsp({ messages: [{ role: 'system', content: `x${textToolsBlock()}` }] }, 'text')).toBe(false);
  });
});
