// Rules that span stages, checked when a run starts (by the CLI before starting it, and by the pipeline itself),
// so a run does not spend hours of rollouts before a later stage finds its config unusable. Pure.
import type { RunConfig } from './schema.ts';

export function runConfigProblems(c: RunConfig): string[] {
  const s = c.stages;
  const problems: string[] = [];
  if (s.distill.enabled && c.models.teachers.length === 0) {
    problems.push('models.teachers: distillation needs at least one teacher (or set stages.distill.enabled: false)');
  }
  if (s.tts.enabled && s.tts.model === 'teacher' && c.models.teachers.length === 0) {
    problems.push('stages.tts.model: "teacher" but models.teachers is empty');
  }
  if (s.difficulty.enabled && s.difficulty.model === 'teacher' && c.models.teachers.length === 0) {
    problems.push('stages.difficulty.model: "teacher" but models.teachers is empty');
  }
  // GRPO updates a checkpoint; only a trainer policy is served from it, so anything else samples stale weights.
  if (s.rl.enabled && c.models.policy.kind !== 'trainer' && !s.rl.offPolicy) {
    problems.push(
      `models.policy.kind: stages.rl is enabled but a "${c.models.policy.kind}" policy is a fixed endpoint that ` +
        'never serves the checkpoints GRPO produces (off-policy updates); use kind "trainer", or set ' +
        'stages.rl.offPolicy: true to train off-policy on purpose',
    );
  }
  // A later RFT round samples the checkpoint the previous round trained: only a trainer policy serves it.
  if (s.sft.enabled && s.sft.rounds > 1 && c.models.policy.kind !== 'trainer') {
    problems.push(
      `models.policy.kind: stages.sft.rounds is ${s.sft.rounds} but a "${c.models.policy.kind}" policy is a fixed ` +
        'endpoint: later rounds would sample it instead of the checkpoint just trained; use kind "trainer"',
    );
  }
  // TTS runs only on held-out tasks: without any, its verifier settings never matter.
  if (s.tts.enabled && s.tts.selector === 'verifier' && c.tasks.eval.length > 0) {
    if (s.tts.backend === 'llm' && !c.models.verifier) {
      problems.push('models.verifier: stages.tts.backend "llm" needs a verifier endpoint');
    }
    // TTS scores with what the run trained (issue 14); an external judge is a choice made by name, never a
    // silent replacement for a verifier the run spent a stage on.
    if (s.tts.backend === 'onnx' && !s.sweWorld.enabled) {
      problems.push(
        'stages.tts.backend: "onnx" scores with the run\'s own verifier checkpoint; enable stages.sweWorld, or ' +
          'name an external judge (backend "llm" with models.verifier)',
      );
    }
    if (s.tts.backend === 'llm' && s.sweWorld.enabled) {
      problems.push(
        'stages.tts.backend: "llm" scores with the external judge models.verifier, so the verifier stages.sweWorld ' +
          'trains would be thrown away; use backend "onnx" (the run\'s checkpoint) or disable stages.sweWorld',
      );
    }
  }
  return problems;
}
