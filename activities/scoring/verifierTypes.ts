// Moved to contracts/scoring.ts. This re-export stays only until the last importers move.
export type * from '../../contracts/scoring.ts';
