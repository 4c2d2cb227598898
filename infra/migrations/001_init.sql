-- The data model. Large blobs (trajectories, datasets, checkpoints) live in the artifact store; rows hold paths.

CREATE TABLE IF NOT EXISTS runs (
  run_id        text PRIMARY KEY,
  recipe        text NOT NULL,
  config        jsonb NOT NULL,
  status        text NOT NULL DEFAULT 'running',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per (run, stage) once the stage completed: what a rerun skips, and the stage's small summary.
CREATE TABLE IF NOT EXISTS stage_results (
  run_id        text NOT NULL,
  stage         text NOT NULL,
  summary       jsonb NOT NULL,
  completed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, stage)
);

CREATE TABLE IF NOT EXISTS tasks (
  instance_id   text PRIMARY KEY,
  repo          text NOT NULL,
  base_commit   text NOT NULL,
  data          jsonb NOT NULL,
  source_path   text,
  image_name    text,
  imported_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS rollouts (
  id              bigserial PRIMARY KEY,
  run_id          text NOT NULL,
  stage           text NOT NULL,
  task_id         text NOT NULL,
  sample          integer NOT NULL,
  model           text NOT NULL,
  policy_version  text,
  turns           integer NOT NULL DEFAULT 0,
  prompt_tokens   integer NOT NULL DEFAULT 0,
  completion_tokens integer NOT NULL DEFAULT 0,
  exit_reason     text NOT NULL,
  forced          boolean NOT NULL DEFAULT false,
  patch           text,
  outcome         text,
  reward          double precision,
  masked          boolean NOT NULL DEFAULT false,
  mask_reason     text,
  history_attempts integer NOT NULL DEFAULT 0,
  loop_count      integer NOT NULL DEFAULT 0,
  trajectory_path text,
  started_at      timestamptz,
  finished_at     timestamptz,
  duration_ms     integer,
  attempt         integer NOT NULL DEFAULT 1,
  UNIQUE (run_id, stage, task_id, sample)
);
CREATE INDEX IF NOT EXISTS rollouts_run_stage ON rollouts (run_id, stage);

CREATE TABLE IF NOT EXISTS difficulty (
  run_id      text NOT NULL,
  task_id     text NOT NULL,
  n           integer NOT NULL,
  c           integer NOT NULL,
  masked      integer NOT NULL DEFAULT 0,
  pass_rate   double precision,
  PRIMARY KEY (run_id, task_id)
);

CREATE TABLE IF NOT EXISTS datasets (
  id          text PRIMARY KEY,
  run_id      text NOT NULL,
  kind        text NOT NULL,
  path        text NOT NULL,
  rows        integer NOT NULL,
  stats       jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS checkpoints (
  id          text PRIMARY KEY,
  run_id      text NOT NULL,
  stage       text NOT NULL,
  step        integer NOT NULL,
  path        text NOT NULL,
  metrics     jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS rl_iterations (
  run_id        text NOT NULL,
  iteration     integer NOT NULL,
  checkpoint_id text,
  mean_reward   double precision,
  resolved_rate double precision,
  masked        integer NOT NULL DEFAULT 0,
  mean_turns    double precision,
  metrics       jsonb NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, iteration)
);

CREATE TABLE IF NOT EXISTS evaluations (
  id          text PRIMARY KEY,
  run_id      text,
  kind        text NOT NULL,
  checkpoint  text,
  metrics     jsonb NOT NULL DEFAULT '{}',
  report_path text,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- An append-only audit log of what happened to a run (stage started / completed, resumes, errors).
CREATE TABLE IF NOT EXISTS run_events (
  id          bigserial PRIMARY KEY,
  run_id      text NOT NULL,
  kind        text NOT NULL,
  dedupe_key  text UNIQUE,
  payload     jsonb NOT NULL DEFAULT '{}',
  at          timestamptz NOT NULL DEFAULT now()
);
