-- Issue 25 (scaffold). Per rollout: calls and errors per tool ({"bash": {"calls": 3, "errors": 0}, ...}) and how
-- many times its context was condensed (agent.context). Old rows: no usage recorded, no condensation.
ALTER TABLE rollouts ADD COLUMN IF NOT EXISTS tool_usage jsonb;
ALTER TABLE rollouts ADD COLUMN IF NOT EXISTS condensations integer NOT NULL DEFAULT 0;
ALTER TABLE rollout_retired ADD COLUMN IF NOT EXISTS tool_usage jsonb;
ALTER TABLE rollout_retired ADD COLUMN IF NOT EXISTS condensations integer NOT NULL DEFAULT 0;
