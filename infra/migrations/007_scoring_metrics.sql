-- Issue 7: what the report plots that no other table keeps.

-- One row per optimizer step of a training stage (the trainer's `progress` events): the SFT loss curve.
-- Written by whoever runs the trainer (gpu activities) through activities/report/trainMetrics.ts; idempotent on
-- (run, stage, step), so a resumed run overwrites the steps it redoes.
CREATE TABLE IF NOT EXISTS train_metrics (
  run_id       text NOT NULL,
  stage        text NOT NULL,
  step         integer NOT NULL,
  loss         double precision,
  metrics      jsonb NOT NULL DEFAULT '{}',
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, stage, step)
);

-- Verifier scores per candidate rollout (scoreCandidates): TTS@K curves are recomputed from these and the rollout
-- rows. `verifier` names the scorer (an ONNX dir or an endpoint's model name) so two verifiers can be compared.
CREATE TABLE IF NOT EXISTS verifier_scores (
  rollout_id   bigint NOT NULL,
  backend      text NOT NULL,
  verifier     text NOT NULL,
  run_id       text NOT NULL,
  score        double precision NOT NULL,
  scored_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (rollout_id, backend, verifier)
);
CREATE INDEX IF NOT EXISTS verifier_scores_run ON verifier_scores (run_id);
