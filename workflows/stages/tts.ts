// Test-time scaling: K candidates per evaluation task with the latest policy, verifier scores, the best picked;
// TTS@K next to Pass@1 and Pass@K over the same candidates.
import type { StageInput, TtsScorer, TtsSummary } from '../../contracts/pipeline.ts';
import { patched } from '@temporalio/workflow';
import { pipeline, scoring } from '../activities.ts';
import { controlled, type Control } from '../control.ts';
import { failure } from '../errors.ts';
import { baseWeights, withPolicy, type ServedPolicy } from '../policy.ts';
import { range, stageRollouts } from './rollouts.ts';

export async function ttsWorkflow(input: StageInput): Promise<TtsSummary> {
  return controlled((control) => ttsStage(input, control));
}

async function ttsStage({ runId, config }: StageInput, control: Control): Promise<TtsSummary> {
  const t = config.stages.tts;
  const evaluationId = `${runId}:tts`;
  const { eval: evalIds } = await pipeline.loadRunTasks({ runId, tasks: config.tasks, seed: config.seed });
  if (evalIds.length === 0) {
    const note = 'no evaluation tasks (tasks.eval is empty): nothing to scale';
    control.report({ kind: 'stage', stage: 'tts', done: 0, total: 0, note });
    return { evaluationId, tasks: 0, k: t.k, ttsAtK: null, pass1: null, passK: null, note };
  }
  const verifier = t.selector === 'verifier' ? await verifierFor(runId, config) : undefined;
  const items = evalIds.flatMap((taskId) => range(t.k).map((sample) => ({ taskId, sample })));
  const run = (p: ServedPolicy) =>
    stageRollouts(
      { runId, config, stage: 'tts', progressStage: 'tts', models: [p], items, label: 'candidates', keepIds: true },
      control,
    );
  let checkpoint: string | null;
  let tally: Awaited<ReturnType<typeof run>>;
  if (t.model === 'teacher') {
    const teacher = config.models.teachers[0];
    if (!teacher) throw failure('ConfigError', 'stages.tts.model: "teacher" but models.teachers is empty');
    checkpoint = teacher.name;
    tally = await run({ model: teacher, policyVersion: teacher.name });
  } else {
    const latest = await pipeline.latestCheckpoint({ runId });
    const weights = latest ? { checkpointId: latest.checkpointId, path: latest.path } : baseWeights(config.models);
    checkpoint = weights?.checkpointId ?? null;
    tally = await withPolicy(runId, config.models.policy, weights, 'tts', run);
  }
  // Since issue 14: the baseline verifier scores the same candidates first (so the primary's scores are the
  // latest stored), and every evaluation names the verifier it scored with.
  const named = patched('tts-scored-with');
  const baseline = named && verifier?.baseline ? verifier.baseline : undefined;
  const baselineEval = baseline
    ? await pipeline.recordEvaluation({
        evaluationId: `${runId}:tts-${baseline.scoredWith.kind}`,
        runId,
        stage: 'tts',
        kind: 'tts',
        checkpoint,
        k: t.k,
        selector: t.selector,
        seed: config.seed,
        scoredWith: baseline.scoredWith,
        scores: (
          await scoring.scoreCandidates({
            runId,
            backend: 'onnx',
            verifierDir: baseline.onnxDir,
            kind: baseline.scoredWith.kind,
            rolloutIds: tally.rolloutIds,
          })
        ).scores,
      })
    : undefined;
  const { scores } = verifier
    ? await scoring.scoreCandidates({
        runId,
        backend: t.backend,
        verifierDir: verifier.onnxDir,
        verifier: config.models.verifier,
        kind: named ? verifier.scoredWith.kind : config.stages.sweWorld.kind,
        rolloutIds: tally.rolloutIds,
      })
    : { scores: [] };
  const summary = await pipeline.recordEvaluation({
    evaluationId,
    runId,
    stage: 'tts',
    kind: 'tts',
    checkpoint,
    k: t.k,
    selector: t.selector,
    seed: config.seed,
    scores,
    ...(named && verifier ? { scoredWith: verifier.scoredWith } : {}),
  });
  return baselineEval
    ? { ...summary, baseline: { scoredWith: baseline!.scoredWith, ttsAtK: baselineEval.ttsAtK } }
    : summary;
}

interface TtsVerifier {
  onnxDir?: string;
  scoredWith: TtsScorer;
  baseline?: { onnxDir: string; scoredWith: TtsScorer };
}

async function verifierFor(runId: string, config: StageInput['config']): Promise<TtsVerifier> {
  const kind = config.stages.sweWorld.kind;
  if (config.stages.tts.backend === 'llm') {
    if (!config.models.verifier)
      throw failure('ConfigError', 'models.verifier: stages.tts.backend "llm" needs a verifier endpoint');
    return { scoredWith: { source: 'external', kind, name: config.models.verifier.name } };
  }
  const sw = await pipeline.getStageResult({ runId, stage: 'sweWorld' });
  if (!sw?.onnxDir) {
    throw failure(
      'ConfigError',
      'stages.tts.selector: "verifier" with the onnx backend needs the sweWorld stage (enable it, or pick another selector)',
    );
  }
  const b = sw.baseline;
  return {
    onnxDir: sw.onnxDir,
    scoredWith: { source: 'run', kind: sw.kind ?? kind, name: sw.checkpointId },
    ...(b
      ? { baseline: { onnxDir: b.onnxDir, scoredWith: { source: 'run', kind: b.kind, name: b.checkpointId } } }
      : {}),
  };
}
