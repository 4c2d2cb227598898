// One scorer for both uses of a verifier checkpoint: TTS (scoreCandidates) and the held-out measurement
// (measureVerifier) call this, so the accuracy a run reports is the accuracy of exactly what TTS picks with.
//  orm:       one text per candidate (issue, trajectory, final diff) -> P(YES); reward = P(YES) >= 0.5.
//  swe_world: one text per listed test -> P(pass); the simulated report (one status per test) is graded by the
//             harness's own grading function, which gives the reward (core/sweWorld.ts simulateReport).
import { simulateReport, sweWorldTexts, type SweWorldCase, type SweWorldLimits } from '../../core/sweWorld.ts';
import { unchangedRepoRecord, type TestRecord } from '../../core/testStatuses.ts';
import type { OrmLimits } from '../../core/verifierPrompt.ts';
import { readContext } from '../agent/contextStore.ts';
import { readMessages, type CandidateRow, type TaskText } from './candidates.ts';
import { ormText } from './render.ts';

export type VerifierKind = 'orm' | 'swe_world';

export interface CandidateVerdict {
  /** Ranking score in [0, 1]. */
  score: number;
  reward: 0 | 1;
  /** swe_world: the simulated status of each listed test. */
  tests?: TestRecord;
}

/** Anything that maps texts to P(YES): the ONNX scorer in process, or a served checkpoint's log-probs. */
export type TextScorer = (texts: string[]) => Promise<number[]>;

export function sweWorldCase(c: Pick<CandidateRow, 'patch' | 'trajectoryPath'>, task: TaskText): SweWorldCase {
  return {
    problemStatement: task.problemStatement,
    patch: c.patch,
    files: readContext(c.trajectoryPath),
    testPatch: task.testPatch,
    failToPass: task.failToPass,
    passToPass: task.passToPass,
  };
}

/**
 * What execution said about a training candidate, or null when it is unknown. Rows graded before migration 011
 * have no record: a resolved one passed every listed test by definition; an empty diff left the repository as
 * it was (FAIL_TO_PASS fail, PASS_TO_PASS pass); any other is skipped rather than guessed.
 */
export function executedRecord(c: CandidateRow, task: TaskText): TestRecord | null {
  if (c.testStatuses) return c.testStatuses;
  const lists = { failToPass: task.failToPass, passToPass: task.passToPass };
  if (c.outcome === 'resolved')
    return Object.fromEntries([...lists.failToPass, ...lists.passToPass].map((t) => [t, 'PASSED' as const]));
  if (c.outcome === 'unresolved' && !c.patch.trim()) return unchangedRepoRecord(lists);
  return null;
}

export interface JudgeOptions {
  ormLimits?: Partial<OrmLimits>;
  sweWorldLimits?: Partial<SweWorldLimits>;
}

/** Verdicts for candidates in input order; one batched scorer call for all their texts. */
export async function judgeCandidates(
  kind: VerifierKind,
  cands: readonly CandidateRow[],
  tasks: ReadonlyMap<string, TaskText>,
  scorer: TextScorer,
  o: JudgeOptions = {},
): Promise<CandidateVerdict[]> {
  if (kind === 'orm') {
    const texts = cands.map((c) =>
      ormText(c, tasks.get(c.taskId)!, readMessages(c.trajectoryPath).messages, o.ormLimits),
    );
    const p = await scorer(texts);
    return p.map((score) => ({ score, reward: score >= 0.5 ? 1 : 0 }));
  }
  const perCand = cands.map((c) => sweWorldTexts(sweWorldCase(c, tasks.get(c.taskId)!), o.sweWorldLimits));
  const p = await scorer(perCand.flatMap((q) => q.map((x) => x.text)));
  let at = 0;
  return cands.map((c, i) => {
    const task = tasks.get(c.taskId)!;
    const pPass: Record<string, number> = {};
    for (const q of perCand[i]!) pPass[q.testId] = p[at++]!;
    const report = simulateReport({ failToPass: task.failToPass, passToPass: task.passToPass }, pPass);
    return { score: report.score, reward: report.reward, tests: report.tests };
  });
}
