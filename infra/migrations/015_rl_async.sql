-- Issue 23 (async RL). A rollout re-run because its samples were older than stages.rl.maxStaleness keeps its old
-- row here (what it sampled, which checkpoint answered), so a re-run loses nothing that was done.
CREATE TABLE IF NOT EXISTS rollout_retired (LIKE rollouts INCLUDING DEFAULTS);
ALTER TABLE rollout_retired ADD COLUMN IF NOT EXISTS retired_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE rollout_retired ADD COLUMN IF NOT EXISTS retired_reason text NOT NULL DEFAULT '';
