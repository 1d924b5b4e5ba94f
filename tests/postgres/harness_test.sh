#!/usr/bin/env bash
# The PostgreSQL test harness itself: a cluster starts on a free loopback
# port with pg_stat_statements, answers, and stops by pid leaving nothing.
set -euo pipefail
source "$(dirname "$0")/pg_cluster.sh"
trap pg_stop EXIT
pg_start
PSQL="$PG_BIN/psql -X -q -t -A"
[ "$($PSQL -c 'SELECT 1')" = 1 ] || { echo "FAIL: SELECT 1"; exit 1; }
$PSQL -c 'CREATE EXTENSION pg_stat_statements' >/dev/null
calls=$($PSQL -c "SELECT count(*) > 0 FROM pg_stat_statements")
[ "$calls" = t ] || { echo "FAIL: pg_stat_statements is not collecting"; exit 1; }
echo "ok: PostgreSQL $($PSQL -c 'SHOW server_version') on 127.0.0.1:$PGPORT with pg_stat_statements"
dir=$PG_DIR pid=$PG_POSTMASTER_PID
pg_stop
! kill -0 "$pid" 2>/dev/null || { echo "FAIL: postgres still running"; exit 1; }
[ ! -e "$dir" ] || { echo "FAIL: cluster directory left behind"; exit 1; }
echo "ok: stopped by pid, directory removed"
