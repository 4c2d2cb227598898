// The one list of failure types (core/errors.ts): what each raiser marks non-retryable agrees with the list the
// workflows' retry policies are built from, so a permanent failure never burns retries and a retryable one is
// never cut short by the policy.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES, NON_RETRYABLE, InfraError, InputError, ConfigError } from '../../../core/errors.ts';
import { classifyExit } from '../../../activities/training/failures.ts';
import { toActivityFailure } from '../../../activities/agent/activity.ts';
import { ModelConfigError, ModelUnavailableError } from '../../../activities/agent/protocols.ts';

const agrees = (f: unknown) => {
  expect(f).toBeInstanceOf(ApplicationFailure);
  const a = f as ApplicationFailure;
  expect(Object.keys(FAILURE_TYPES)).toContain(a.type);
  expect(NON_RETRYABLE.includes(a.type as never)).toBe(Boolean(a.nonRetryable));
};

describe('failure types', () => {
  it('derives the non-retryable list from the permanent entries', () => {
    expect(NON_RETRYABLE).toEqual(expect.arrayContaining(['InputError', 'ConfigError', 'TrainerBadInput']));
    expect(NON_RETRYABLE).not.toContain('InfraError');
    expect(NON_RETRYABLE).not.toContain('TrainerKilled');
  });

  it("the trainer's failures carry a listed type whose retry class matches their nonRetryable flag", () => {
    const r = { stderrTail: [] as string[] };
    for (const exit of [
      { ...r, code: 3, signal: null },
      { ...r, code: 2, signal: null },
      { ...r, code: null, signal: 'SIGKILL' as const },
      { ...r, code: 1, signal: null },
    ])
      agrees(classifyExit('job', exit));
  });

  it("the rollout's failures carry a listed type whose retry class matches their nonRetryable flag", () => {
    for (const e of [
      new InfraError('engine gone'),
      new InputError('no such task'),
      new ConfigError('bad'),
      new ModelConfigError('401'),
      new ModelUnavailableError('refused'),
    ])
      agrees(toActivityFailure(e));
  });

  it('every failure type the code raises by name is in the list', () => {
    const root = resolve(import.meta.dirname, '..', '..', '..');
    const walk = (d: string): string[] =>
      readdirSync(join(root, d)).flatMap((n) =>
        statSync(join(root, d, n)).isDirectory() ? walk(join(d, n)) : n.endsWith('.ts') ? [join(d, n)] : [],
      );
    const raised = new Set<string>();
    for (const f of ['activities', 'workflows', 'infra', 'cli', 'workers'].flatMap(walk)) {
      const text = readFileSync(join(root, f), 'utf8');
      // ApplicationFailure.(non)retryable(message, 'Type') and the workflows' failure('Type', message)
      for (const m of text.matchAll(/(?:retryable|nonRetryable)\(/g)) {
        // the type is the call's last argument: the first 'Name' followed by the closing parenthesis
        const t = /,\s*'([A-Z][A-Za-z]+)',?\s*\)/.exec(text.slice(m.index, m.index + 800));
        if (t) raised.add(t[1]!);
      }
      for (const m of text.matchAll(/\bfailure\(\s*'([A-Z][A-Za-z]+)'/g)) raised.add(m[1]!);
    }
    expect(raised.size).toBeGreaterThan(5);
    expect([...raised].filter((t) => !(t in FAILURE_TYPES))).toEqual([]);
  });
});
