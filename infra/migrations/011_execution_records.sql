-- Issue 14: what execution said, kept with the rollout so a run's executions are a data set (SWE-World's
-- training targets and its held-out measurement). test_statuses maps every FAIL_TO_PASS and PASS_TO_PASS id to
-- the status the harness parsed from the pytest log ('MISSING' when the log does not name it); null when no
-- test ran (empty diff, no submission). log_tail is the last part of the test log (or why grading stopped).
ALTER TABLE rollouts ADD COLUMN IF NOT EXISTS test_statuses jsonb;
ALTER TABLE rollouts ADD COLUMN IF NOT EXISTS log_tail text;
