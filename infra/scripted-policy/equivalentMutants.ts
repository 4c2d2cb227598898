// Mutants of bundled gold patches that the task's own tests cannot tell from the gold fix (equivalent mutants
// as far as FAIL_TO_PASS / PASS_TO_PASS go), found by running every mutant through the harness
// (test/integration/scripted-mutations.test.ts fails if this list is stale). The stand-in never plays them: a
// "wrong edit" that resolves the task would be mislabelled data.
import type { MutationKind } from './mutations.ts';

export const EQUIVALENT_MUTANTS: Readonly<Record<string, readonly MutationKind[]>> = {
  'mini__textkit-18': ['off_by_one', 'wrong_operator'],
  'mini__semverx-13': ['off_by_one'],
};
