// SWE-Master's reverse reasoning for the generative SWE-World: a teacher is shown a candidate AND what execution
// actually reported, and asked to explain why the tests came out that way. The chain is prepended to the target
// inside explicit markers, so a reader (or a loss mask) can always tell teacher-written reasoning from the
// recorded report, and the report after it is never changed by the teacher.
import OpenAI from 'openai';
import type { ModelEndpoint } from '../../config/schema.ts';
import { classifyModelError, resolveApiKey } from '../agent/modelClient.ts';

export const REASONING_OPEN = '<teacher-reverse-reasoning>';
export const REASONING_CLOSE = '</teacher-reverse-reasoning>';

export interface ReportRow {
  prompt: string;
  target: string;
}

export function reverseReasoningPrompt(row: ReportRow): string {
  return (
    `${row.prompt}\n\nThe tests were actually run. This is what execution reported:\n${row.target}\n\n` +
    'Explain, step by step and from the patch, the modified code and each test, why execution gave exactly this ' +
    'report. Do not restate the report; reason towards it.'
  );
}

/** The target with the chain in front, inside the markers; the recorded report stays last and unchanged. */
export function withReasoning(target: string, chain: string): string {
  return `${REASONING_OPEN}\n${chain.trim()}\n${REASONING_CLOSE}\n${target}`;
}

/** Adds a teacher chain to every row; `reasoning` says whether the target holds teacher-written text. */
export async function addReverseReasoning(
  rows: readonly ReportRow[],
  teacher: ModelEndpoint,
  env: NodeJS.ProcessEnv = process.env,
): Promise<(ReportRow & { reasoning: 'teacher' | 'none' })[]> {
  if (!teacher.baseUrl) throw new Error(`reverse reasoning: teacher ${teacher.name} has no baseUrl`);
  const client = new OpenAI({ baseURL: teacher.baseUrl, apiKey: resolveApiKey(teacher, env), maxRetries: 3 });
  const out: (ReportRow & { reasoning: 'teacher' | 'none' })[] = [];
  for (const row of rows) {
    try {
      const res = await client.chat.completions.create({
        model: teacher.name,
        messages: [{ role: 'user', content: reverseReasoningPrompt(row) }],
        max_tokens: teacher.maxTokens,
        temperature: teacher.temperature,
      });
      const chain = res.choices[0]?.message?.content ?? '';
      const has = chain.trim().length > 0;
      out.push({
        prompt: row.prompt,
        target: has ? withReasoning(row.target, chain) : row.target,
        reasoning: has ? 'teacher' : 'none',
      });
    } catch (err) {
      throw classifyModelError(err, teacher.name);
    }
  }
  return out;
}
