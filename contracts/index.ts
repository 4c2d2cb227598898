// Every type that crosses a Temporal or process boundary, one file per task queue. Workflows, workers and the CLI
// import from here; implementations in activities/ `satisfies` the queue interfaces.
export type * from './rollout.ts';
export type * from './gpu.ts';
export type * from './scoring.ts';
export type * from './pipeline.ts';
export type * from './rl.ts';
