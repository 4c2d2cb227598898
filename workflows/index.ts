// The worker bundle's entry: every workflow type, re-exported.
export { helloWorkflow } from './hello.ts';
export { pipelineWorkflow } from './pipeline.ts';
export { evaluationWorkflow } from './evaluation.ts';
export { rolloutBatchWorkflow } from './rolloutBatch.ts';
export { distillWorkflow } from './stages/distill.ts';
export { difficultyWorkflow } from './stages/difficulty.ts';
export { filterWorkflow } from './stages/filter.ts';
export { sftWorkflow } from './stages/sft.ts';
export { rlWorkflow } from './stages/rl.ts';
export { sweWorldWorkflow } from './stages/sweWorld.ts';
export { ttsWorkflow } from './stages/tts.ts';
export { reportWorkflow } from './stages/report.ts';
