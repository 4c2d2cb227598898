#!/bin/sh
# Creates Temporal's two databases and brings their schemas to the server version's (idempotent: `create` fails
# harmlessly on an existing database, `update-schema` applies only what is missing).
set -eu
# The versioned schema files: where the admin-tools image keeps them, unless TEMPORAL_SCHEMA_DIR says otherwise (the
# test runs this script outside the image: test/integration/compose-schema.test.ts).
SCHEMA="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema}/postgresql/v12"
# The password comes from the service environment (POSTGRES_PWD, as the server image reads it): without it every
# call fails authentication and the retries end with no schema.
tool() { temporal-sql-tool --plugin postgres12 --ep "${POSTGRES_SEEDS:-postgresql}" -u "${POSTGRES_USER:-temporal}" --pw "${POSTGRES_PWD:?POSTGRES_PWD is not set}" -p "${DB_PORT:-5432}" "$@"; }
for db in temporal temporal_visibility; do
  tool --db "$db" create || true
done
tool --db temporal setup-schema -v 0.0 || true
tool --db temporal update-schema -d "$SCHEMA/temporal/versioned"
tool --db temporal_visibility setup-schema -v 0.0 || true
tool --db temporal_visibility update-schema -d "$SCHEMA/visibility/versioned"
echo "temporal schema ready"
