import { describe, expect, it } from 'vitest';
import { buildPrompts } from '../../../../activities/agent/prompts.ts';
import { forStudent } from '../../../../activities/pipeline/studentFormat.ts';

const task = { instance_id: 'mini__x-1', repo: 'mini/x', problem_statement: 'Fix it.' };

describe('forStudent', () => {
  it("gives a native teacher's trajectory the system prompt a text-format student is served", () => {
    const teacher = buildPrompts({ toolFormat: 'native', task, workdir: '/testbed' });
    const student = buildPrompts({ toolFormat: 'text', task, workdir: '/testbed' });
    const messages = [
      { role: 'system', content: teacher.system },
      { role: 'user', content: teacher.user },
      { role: 'assistant', content: '', tool_calls: [] },
    ];
    const out = forStudent(messages, 'text') as { content: string }[];
    expect(out[0]!.content).toBe(student.system);
    expect(out.slice(1)).toEqual(messages.slice(1));
    // Already in the student's format (its own rollouts): unchanged; native students: unchanged.
    expect(forStudent(out, 'text')).toEqual(out);
    expect(forStudent(messages, 'native')).toBe(messages);
  });
});
