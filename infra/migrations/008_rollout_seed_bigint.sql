-- Issue 8 (found by the fault suite): rollout seeds are unsigned 32-bit hashes (core/sampling.ts hashSeed), and
-- about half of them exceed integer's 2^31 - 1, so the upsert of those rows failed and every retry failed the
-- same way: the rollout was lost. bigint holds every seed.
ALTER TABLE rollouts ALTER COLUMN seed TYPE bigint;
