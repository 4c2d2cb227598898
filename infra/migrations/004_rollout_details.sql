-- Rollout details the agent records beyond 001's columns (issue 4). prompt_tokens + completion_tokens is the
-- trajectory's length (environment/prompt tokens + model-generated tokens); `tokens` repeats it for readers
-- that want one number. format_errors counts malformed tool calls; error holds what ended a model_error or
-- infra_error trajectory; eval_ms is the grading time; seed is the rollout's sampling seed.
ALTER TABLE rollouts ADD COLUMN IF NOT EXISTS tokens integer NOT NULL DEFAULT 0;
ALTER TABLE rollouts ADD COLUMN IF NOT EXISTS format_errors integer NOT NULL DEFAULT 0;
ALTER TABLE rollouts ADD COLUMN IF NOT EXISTS error text;
ALTER TABLE rollouts ADD COLUMN IF NOT EXISTS eval_ms integer;
ALTER TABLE rollouts ADD COLUMN IF NOT EXISTS seed integer;
