-- Issue 17 (reliability, round two). One file for the issue's tables: migrations are versioned by prefix.

-- Who owns an in-flight rollout: the attempt and the container it runs in, its last completed turn and when it
-- last beat. A retry on another worker claims the lease (a higher attempt fences the old one out), finds the
-- container again by its labels and continues from `turn`. The reaper leaves containers of live leases alone.
CREATE TABLE IF NOT EXISTS rollout_leases (
  run_id text NOT NULL,
  stage text NOT NULL,
  task_id text NOT NULL,
  sample integer NOT NULL,
  attempt integer NOT NULL,
  container_id text,
  turn integer NOT NULL DEFAULT 0,
  -- Loop counters at `turn` (format errors, tokens, ...), so a resumed loop reports what a straight one would.
  state jsonb NOT NULL DEFAULT '{}'::jsonb,
  started_at timestamptz NOT NULL DEFAULT now(),
  beat_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  resumes integer NOT NULL DEFAULT 0,
  resumed_from_turn integer,
  restarts integer NOT NULL DEFAULT 0,
  -- Why the last takeover did what it did ("resumed at turn 20 in <container>", "sandbox gone: restarted").
  note text,
  PRIMARY KEY (run_id, stage, task_id, sample)
);
CREATE INDEX IF NOT EXISTS rollout_leases_container ON rollout_leases (container_id);

-- The messages of the completed turns of an in-flight rollout (deleted when it finishes; the trajectory file
-- is the record then). seq is the message's index in the trajectory.
CREATE TABLE IF NOT EXISTS rollout_turn_log (
  run_id text NOT NULL,
  stage text NOT NULL,
  task_id text NOT NULL,
  sample integer NOT NULL,
  seq integer NOT NULL,
  message jsonb NOT NULL,
  PRIMARY KEY (run_id, stage, task_id, sample, seq)
);

-- Exploit checks: what a trajectory tried (read future history, edit the graded tests, reach the network).
CREATE TABLE IF NOT EXISTS rollout_exploits (
  run_id text NOT NULL,
  stage text NOT NULL,
  task_id text NOT NULL,
  sample integer NOT NULL,
  kind text NOT NULL,
  reason text NOT NULL,
  action text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, stage, task_id, sample, kind)
);

-- Canaries in the RL loop: per iteration, a sample of its tasks re-validated (gold resolves, empty does not).
CREATE TABLE IF NOT EXISTS task_canaries (
  run_id text NOT NULL,
  iteration integer NOT NULL,
  task_id text NOT NULL,
  gold_resolved boolean,
  empty_resolved boolean,
  flipped boolean NOT NULL,
  detail text,
  checked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, iteration, task_id)
);
CREATE TABLE IF NOT EXISTS task_quarantine (
  run_id text NOT NULL,
  task_id text NOT NULL,
  iteration integer NOT NULL,
  reason text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, task_id)
);
