// scoreCandidates: a verifier score per candidate rollout, from the exported ONNX ORM (in process) or an llm
// endpoint. Scores are returned AND stored (verifier_scores) so the report can redraw TTS@K curves later.
import { resolve } from 'node:path';
import { asyncLocalStorage } from '@temporalio/activity';
import type pg from 'pg';
import { InputError } from '../../core/errors.ts';
import type { OrmLimits } from '../../core/verifierPrompt.ts';
import type { OnnxDevice } from '../../infra/onnx/session.ts';
import type { ScoreCandidatesInput, ScoreCandidatesResult } from '../../contracts/scoring.ts';
import type { ActivityDeps } from '../deps.ts';
import { candidatesById, readMessages, taskTexts } from './candidates.ts';
import type { OnnxCache } from './onnxSessions.ts';
import { createLlmVerifier } from './llm.ts';
import { ormText, sweWorldPrompt } from './render.ts';
import { judgeCandidates } from './simulate.ts';

/** Optional knobs beyond the shared contract (all default sensibly). */
export interface ScoreCandidatesOptions extends ScoreCandidatesInput {
  samples?: number;
  batchSize?: number;
  device?: OnnxDevice;
  /** llm backend: requests in flight. */
  concurrency?: number;
  limits?: Partial<OrmLimits>;
}

async function storeScores(
  pool: pg.Pool,
  runId: string,
  backend: string,
  verifier: string,
  ids: number[],
  scores: number[],
) {
  await pool.query(
    `insert into verifier_scores (rollout_id, backend, verifier, run_id, score)
     select id, $1, $2, $3, s from unnest($4::bigint[], $5::float8[]) as t(id, s)
     on conflict (rollout_id, backend, verifier) do update set score = excluded.score, run_id = excluded.run_id, scored_at = now()`,
    [backend, verifier, runId, ids, scores],
  );
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function scoreCandidates(
  { pool }: Pick<ActivityDeps, 'pool'>,
  cache: OnnxCache,
  input: ScoreCandidatesOptions,
): Promise<ScoreCandidatesResult> {
  if (input.rolloutIds.length === 0) return { scores: [] };
  const ctx = asyncLocalStorage.getStore(); // absent when called outside an activity (CLI, tests)
  const progress = (done: number, total: number) => ctx?.heartbeat({ done, total });
  const cands = await candidatesById(pool, input.rolloutIds);
  const tasks = await taskTexts(
    pool,
    cands.map((c) => c.taskId),
  );
  const kind = input.kind ?? 'orm';
  let scores: number[];
  let verifierName: string;
  if (input.backend === 'onnx') {
    if (!input.verifierDir)
      throw new InputError('verifierDir: required for the onnx backend (the export-onnx output dir)');
    // orm: one text per candidate; swe_world: one per listed test, graded into a reward (simulate.ts).
    const judged = await cache.use(input.verifierDir, input.device, (v) =>
      judgeCandidates(
        kind,
        cands,
        tasks,
        (texts) =>
          v.scoreTexts(texts, { batchSize: input.batchSize, onBatch: progress, signal: ctx?.cancellationSignal }),
        { ormLimits: input.limits },
      ),
    );
    scores = judged.map((j) => j.score);
    verifierName = resolve(input.verifierDir);
  } else {
    if (!input.verifier)
      throw new InputError('verifier: an endpoint is required for the llm backend (models.verifier)');
    const texts = cands.map((c) =>
      kind === 'orm'
        ? ormText(c, tasks.get(c.taskId)!, readMessages(c.trajectoryPath).messages, input.limits)
        : sweWorldPrompt(c, tasks.get(c.taskId)!, input.limits),
    );
    const llm = createLlmVerifier({ endpoint: input.verifier, kind, api: input.api, samples: input.samples });
    let done = 0;
    let undecided = 0;
    const listsOf = (i: number) => {
      const t = tasks.get(cands[i]!.taskId)!;
      return kind === 'swe_world' ? { failToPass: t.failToPass, passToPass: t.passToPass } : undefined;
    };
    scores = await mapLimit(texts, input.concurrency ?? 4, async (text, i) => {
      const r = await llm.score(text, ctx?.cancellationSignal, listsOf(i));
      if (r.undecided) undecided++;
      progress(++done, texts.length);
      return r.score;
    });
    if (undecided)
      ctx?.log.warn('llm verifier gave no verdict for some candidates; scored 0.5', { undecided, total: texts.length });
    verifierName = `${input.verifier.name}:${kind}`;
  }
  await storeScores(pool, input.runId, input.backend, verifierName, input.rolloutIds, scores);
  return { scores: input.rolloutIds.map((rolloutId, i) => ({ rolloutId, score: scores[i]! })) };
}
