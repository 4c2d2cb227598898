// A candidate as verifier text: the glue between stored rows and core/verifierPrompt.ts.
import {
  renderOrmText,
  renderSweWorldPrompt,
  renderSweWorldTarget,
  type OrmLimits,
  type VerifierMessage,
} from '../../core/verifierPrompt.ts';
import type { CandidateRow, TaskText } from './candidates.ts';

export function ormText(
  c: CandidateRow,
  task: TaskText,
  messages: readonly VerifierMessage[],
  limits?: Partial<OrmLimits>,
): string {
  return renderOrmText({ problemStatement: task.problemStatement, messages, patch: c.patch }, limits);
}

export function sweWorldPrompt(c: CandidateRow, task: TaskText, limits?: Partial<OrmLimits>): string {
  return renderSweWorldPrompt({ problemStatement: task.problemStatement, patch: c.patch, ...tests(task) }, limits);
}

export function sweWorldTarget(c: CandidateRow, task: TaskText): string {
  const outcome = c.outcome === 'resolved' ? 'resolved' : c.outcome === 'patch_failed' ? 'patch_failed' : 'unresolved';
  return renderSweWorldTarget({ outcome, failToPass: task.failToPass, passToPass: task.passToPass });
}

function tests(task: TaskText) {
  return { testPatch: task.testPatch, failToPass: task.failToPass, passToPass: task.passToPass };
}
