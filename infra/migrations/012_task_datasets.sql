-- Datasets namespaced in the task store. `instance_id` stays the key every other table and config uses: for the
-- default dataset it is the dataset's own id (so `mini__textkit-11` keeps working), for any other dataset it is
-- `<dataset>/<id>`. `source_id` keeps the id the dataset gives (predictions and the harness's logs use it).
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS dataset text NOT NULL DEFAULT 'default';
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS source_id text;
UPDATE tasks SET source_id = instance_id WHERE source_id IS NULL;
-- Two datasets may share an id; one dataset may not hold it twice.
CREATE UNIQUE INDEX IF NOT EXISTS tasks_dataset_source_id ON tasks (dataset, (coalesce(source_id, instance_id)));
