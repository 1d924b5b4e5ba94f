#!/usr/bin/env bash
# Database cost of the postgres plugin with many tables (issue 6 target:
# < 100 ms of database time per scrape with 1,000 tables).
#   bench/postgres_bench.sh [TABLES] [CYCLES]
# Starts a throw-away cluster, creates TABLES tables (each with a primary
# key, a secondary index and 100 rows) in database `app`, a `scout_monitor`
# role with only pg_monitor (docs/postgres.md), then runs
# scout-postgres-bench as that role.
set -euo pipefail
cd "$(dirname "$0")/.."
TABLES=${1:-1000}
CYCLES=${2:-21}
BUILD=${BUILD:-build}
source tests/postgres/pg_cluster.sh
trap pg_stop EXIT
pg_start
PSQL="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1"
$PSQL -c "CREATE EXTENSION pg_stat_statements" \
      -c "CREATE ROLE scout_monitor LOGIN" -c "GRANT pg_monitor TO scout_monitor" \
      -c "CREATE DATABASE app"
$PSQL -d app -c "CREATE EXTENSION pg_stat_statements" >/dev/null
$PSQL -d app >/dev/null <<SQL
DO \$\$
BEGIN
  FOR i IN 1..$TABLES LOOP
    EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, v int, note text)', i);
    EXECUTE format('CREATE INDEX t%s_v ON t%s (v)', i, i);
    EXECUTE format('INSERT INTO t%s SELECT g, g %% 10, md5(g::text) FROM generate_series(1, 100) g', i);
  END LOOP;
END
\$\$;
ANALYZE;
SQL
echo "cluster: PostgreSQL 15, $TABLES tables x (pkey + 1 index) in database app; 2-core VM"
"$BUILD/bench/scout-postgres-bench" --cycles "$CYCLES" --role scout_monitor \
  --dsn "host=127.0.0.1 port=$PGPORT user=scout_monitor dbname=postgres" \
  --admin-dsn "host=127.0.0.1 port=$PGPORT user=scout dbname=postgres"
