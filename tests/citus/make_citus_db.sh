#!/usr/bin/env bash
# make_citus_db.sh DB [PORT0 PORT1 PORT2] — a migrated KotaKita database on a local Citus cluster
# (coordinator PORT0, workers PORT1/PORT2 on 127.0.0.1, as /work/shared/citus/citus-local.sh
# starts them) for the @pytest.mark.citus tests:
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:9710/DB .venv/bin/python -m pytest -m citus tests/citus
#
# Drops DB first if it exists (on every node), then: CREATE DATABASE on all three nodes,
# CREATE EXTENSION citus in each, register the workers in the coordinator's copy,
# citus.enable_unsafe_triggers on for the database (docs/operations.md "Citus"), migrate. The
# schemas are migrated with schema-based sharding off (some migrations add a column with its
# constraint in one command, which a distributed table refuses); the tests distribute a tenant
# schema of their own with citus_schema_distribute(). Tests only: never point it at a cluster
# holding data.
set -euo pipefail
db="${1:?usage: $0 DB [PORT0 PORT1 PORT2]}"; p0="${2:-9710}"; p1="${3:-9711}"; p2="${4:-9712}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
sql() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -p "$1" -d "$2" -c "$3"; }
for port in "$p0" "$p1" "$p2"; do
  # Citus keeps connections to its databases open: end them before DROP DATABASE.
  sql "$port" postgres "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db' AND pid <> pg_backend_pid()" >/dev/null
  sql "$port" postgres "DROP DATABASE IF EXISTS \"$db\""
  sql "$port" postgres "CREATE DATABASE \"$db\""
  sql "$port" "$db" "CREATE EXTENSION citus"
done
sql "$p0" "$db" "SELECT citus_set_coordinator_host('127.0.0.1', $p0)" >/dev/null
sql "$p0" "$db" "SELECT citus_add_node('127.0.0.1', $p1)" >/dev/null
sql "$p0" "$db" "SELECT citus_add_node('127.0.0.1', $p2)" >/dev/null
sql "$p0" "$db" "ALTER DATABASE \"$db\" SET citus.enable_schema_based_sharding = off"
sql "$p0" "$db" "ALTER DATABASE \"$db\" SET citus.enable_unsafe_triggers = on"
cd "$here"
DATABASE_URL="postgres://postgres@127.0.0.1:$p0/$db" DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.test}" \
  .venv/bin/python manage.py migrate_schemas --noinput --no-pool-fill -v 1
