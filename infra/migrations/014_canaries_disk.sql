-- Issue 17, round two (items 4 and 6). Canaries: how many evaluations a check ran and how many of them disagreed
-- with the task's validated verdict (a flake rate needs both, not only whether the check flipped).
ALTER TABLE task_canaries ADD COLUMN IF NOT EXISTS runs integer NOT NULL DEFAULT 0;
ALTER TABLE task_canaries ADD COLUMN IF NOT EXISTS flips integer NOT NULL DEFAULT 0;

-- Disk budget: when a task image was last needed by this engine's work (LRU order for the garbage collector; the
-- engine's own image list has no last-used time).
CREATE TABLE IF NOT EXISTS image_usage (
  image text PRIMARY KEY,
  task_id text,
  size_bytes bigint NOT NULL DEFAULT 0,
  last_used_at timestamptz NOT NULL DEFAULT now()
);
