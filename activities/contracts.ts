// Moved to contracts/ (one file per task queue). This re-export stays only until the last importers move.
export type * from '../contracts/index.ts';
