// Moved to contracts/pipeline.ts. This re-export stays only until the last importers move.
export type * from '../../contracts/pipeline.ts';
