-- Per RL iteration: which checkpoint answered its rollouts, as the serving engine reported it (the distinct
-- policy_version of the iteration's rows), and the checkpoint the iteration's GRPO step produced is checkpoint_id.
ALTER TABLE rl_iterations ADD COLUMN IF NOT EXISTS served_checkpoint text;
