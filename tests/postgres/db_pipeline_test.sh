#!/usr/bin/env bash
# The guide's database conditions created in a real PostgreSQL, collected by
# the real agent, stored by the real collector and shown by `sctl db ...`:
# a row lock blocking another session, a query running past a lowered
# long-query threshold, a statement slower than 1 s, a table scanned
# sequentially > 1,000 times at > 10,000 rows, a table with autovacuum off
# and 1,000 dead tuples, an unused index — in a database other than the
# DSN's. The agent connects as a role with only pg_monitor.
COLLECTOR=$1 AGENT=$2 SCTL=$3
source "$(dirname "$0")/../e2e/lib.sh"
source "$(dirname "$0")/pg_cluster.sh"
BG=()
stop_all() {
  local pid
  for pid in "${BG[@]}"; do kill "$pid" 2>/dev/null || true; done
  pg_stop
  cleanup
}
trap stop_all EXIT
pg_start
PSQL="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1"
$PSQL -c "CREATE EXTENSION pg_stat_statements" -c "CREATE ROLE scout_monitor LOGIN" \
      -c "GRANT pg_monitor TO scout_monitor" -c "CREATE DATABASE appdb"
APP="$PSQL -d appdb"
$APP <<'SQL'
CREATE TABLE scanned (id int, payload text);
INSERT INTO scanned SELECT g, md5(g::text) FROM generate_series(1, 10001) g;
CREATE TABLE churn (id int PRIMARY KEY, v int) WITH (autovacuum_enabled = false);
INSERT INTO churn SELECT g, 0 FROM generate_series(1, 1000) g;
CREATE INDEX churn_v_unused ON churn (v);
UPDATE churn SET v = v + 1;
CREATE TABLE lock_t (id int PRIMARY KEY, v int);
INSERT INTO lock_t VALUES (1, 0);
DO $$ BEGIN FOR i IN 1..1001 LOOP PERFORM count(*) FROM scanned; END LOOP; END $$;
SQL
$PSQL -c "SELECT pg_sleep(1.2) AS very_slow" >/dev/null   # > 1 s mean: urgent
# The guide's application tables, for examples/scenescout-queries.yaml:
# 1,200 events in the last hour (700 ticketmaster, 500 eventbrite).
$PSQL <<'SQL'
CREATE TABLE events (source text, created_at timestamptz, ingestion_duration_ms int);
CREATE TABLE ingestion_logs (source text, error_type text, status text, created_at timestamptz);
CREATE TABLE api_logs (source text, response_time_ms int, status text, created_at timestamptz);
INSERT INTO events SELECT 'ticketmaster', now() - g * interval '1 second', 100 FROM generate_series(1, 700) g;
INSERT INTO events SELECT 'eventbrite', now() - g * interval '2 second', 300 FROM generate_series(1, 500) g;
INSERT INTO ingestion_logs VALUES ('eventbrite', 'timeout', 'error', now()), ('eventbrite', 'timeout', 'error', now());
INSERT INTO api_logs SELECT 'eventbrite', 1000, CASE WHEN g <= 9 THEN 'success' ELSE 'error' END, now() FROM generate_series(1, 10) g;
GRANT SELECT ON events, ingestion_logs, api_logs TO scout_monitor;
SQL

# A holder keeps a row lock open (idle in transaction); a waiter blocks on it.
# psql keeps reading its stdin (a fifo we hold open), so the session sits
# idle in transaction.
mkfifo "$WORK/holder.in"
$APP <"$WORK/holder.in" >/dev/null 2>&1 &
BG+=($!)
exec 7>"$WORK/holder.in"
echo "BEGIN; UPDATE lock_t SET v = 1 WHERE id = 1;" >&7
sleep 0.5
$APP -c "UPDATE lock_t SET v = 2 WHERE id = 1" >/dev/null 2>&1 &
BG+=($!)
# A long query (threshold lowered to 2 s below).
$APP -c "SELECT pg_sleep(120) /* scout e2e long query */" >/dev/null 2>&1 &
BG+=($!)

"$COLLECTOR" --listen 127.0.0.1:0 --db "$WORK/scout.db" --ready-file "$WORK/ready" >"$WORK/collector.log" 2>&1 &
PIDS+=($!)
wait_for 20 "collector" test -s "$WORK/ready"
export SCOUT_COLLECTOR=$(cat "$WORK/ready")
export SCOUT_PG_DSN="host=127.0.0.1 port=$PGPORT user=scout_monitor dbname=postgres"
cat >"$WORK/agent.yaml" <<YAML
collector: $SCOUT_COLLECTOR
id: db-agent
interval: 1s
collectors: [postgres]
spool: {dir: $WORK/spool, fsync: false}
postgres:
  targets:
    - name: main
      dsn: "\${SCOUT_PG_DSN}"
      interval: 1s
      long_query_threshold: 2s
      allow_superuser: true  # the test cluster's only role is its bootstrap superuser
      queries_file: $(cd "$(dirname "$0")/../.." && pwd)/examples/scenescout-queries.yaml
YAML
"$AGENT" --config "$WORK/agent.yaml" >"$WORK/agent.log" 2>&1 &
PIDS+=($!)

locks() { "$SCTL" db locks 2>&1 || true; }
has_lock() { locks | grep -q "UPDATE lock_t SET v = \$1 WHERE id = \$2\|UPDATE lock_t SET v = 2"; }
wait_for 30 "sctl db locks shows the blocked update" has_lock
out=$(locks)
expect_contains "$out" "idle in transaction" "the blocking session is idle in transaction"
expect_contains "$out" "ShareLock" "the lock mode is shown"
expect_contains "$out" "UPDATE lock_t SET v = 1 WHERE id = 1" "the blocking statement is shown"
holder_pid=$($PSQL -t -A -c "SELECT pid FROM pg_stat_activity WHERE query LIKE 'UPDATE lock_t SET v = 1%' OR (state = 'idle in transaction' AND datname = 'appdb') LIMIT 1")
waiter_pid=$($PSQL -t -A -c "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' LIMIT 1")
expect_contains "$out" " $waiter_pid " "the blocked pid ($waiter_pid) is shown"
expect_contains "$out" " $holder_pid " "the blocking pid ($holder_pid) is shown"
json=$("$SCTL" db locks -o json)
expect_contains "$json" "\"blocked_pid\"" "locks as JSON"

long_ok() { "$SCTL" db long 2>/dev/null | grep -q "scout e2e long query"; }
wait_for 20 "sctl db long shows the pg_sleep query" long_ok
pass "sctl db long: $("$SCTL" db long | grep 'scout e2e long query' | tr -s ' ' | cut -c1-80)"

# Statistics of the scans and updates reach pg_stat_* within about a second.
advise_ok() {
  local a
  a=$("$SCTL" db advise 2>/dev/null || true)
  grep -q "Needs VACUUM" <<<"$a" && grep -q "Consider adding index" <<<"$a" &&
    grep -q "Unused index" <<<"$a" && grep -q "Very slow" <<<"$a"
}
wait_for 30 "sctl db advise finds every condition" advise_ok
advice=$("$SCTL" db advise)
line() { grep "$1" <<<"$advice" | head -1; }
expect_contains "$(line 'Needs VACUUM')" "appdb.public.churn" "VACUUM advice names appdb's churn table"
expect_contains "$(line 'Needs VACUUM')" "1000 dead tuples" "... with its dead tuple count"
expect_contains "$(line 'Consider adding index')" "appdb.public.scanned" "index advice names the seq-scanned table"
expect_contains "$(line 'Consider adding index')" "10001 rows" "... with its rows per scan"
expect_contains "$(line 'Unused index')" "churn_v_unused" "unused index advice names the index"
if grep "Unused index" <<<"$advice" | grep -q "churn_pkey"; then fail "a primary key was called unused"; fi
expect_contains "$(line 'Very slow')" "mean 1.2" "the > 1 s statement is urgent, with its mean"
expect_contains "$(line 'Long-running')" "running" "the long query is in the advice"
expect_contains "$(line 'lock wait\|Blocking\|blocked')" "blocked" "the lock wait is in the advice"

idx=$("$SCTL" db indexes)
expect_contains "$(grep churn_v_unused <<<"$idx")" "UNUSED" "sctl db indexes: churn_v_unused UNUSED"
tables=$("$SCTL" db tables)
expect_contains "$(grep ' scanned ' <<<"$tables")" "appdb" "sctl db tables lists appdb's tables"
conn=$("$SCTL" db connections)
expect_contains "$conn" "/ 50" "sctl db connections against max_connections=50"
slow=$("$SCTL" db slow)
expect_contains "$slow" "pg_sleep" "sctl db slow shows the slow statement's text"

value() { "$SCTL" latest "$1" -o csv 2>/dev/null | awk -F, 'NR==2 {print $NF}'; }
has_custom() { [ -n "$(value 'scenescout_events_ingested_last_hour')" ]; }
wait_for 20 "custom SQL series" has_custom
[ "$(value 'scenescout_events_ingested_last_hour')" = 1200 ] || fail "events last hour $(value scenescout_events_ingested_last_hour), want 1200"
[ "$(value 'scenescout_source_events_ingested_last_hour{source="eventbrite"}')" = 500 ] || fail "eventbrite events"
[ "$(value 'scenescout_source_avg_ingestion_seconds{source="ticketmaster"}')" = 0.1 ] || fail "ticketmaster avg ingestion"
[ "$(value 'scenescout_ingestion_errors_last_24h{source="eventbrite",error_type="timeout"}')" = 2 ] || fail "ingestion errors"
[ "$(value 'scenescout_api_success_ratio{source="eventbrite"}')" = 0.9 ] || fail "api success ratio"
[ "$(value 'scout_postgres_custom_query_success{query="scenescout_api"}')" = 1 ] || fail "custom query success"
pass "examples/scenescout-queries.yaml through the pipeline: 1200 events/h, per source, errors, API success 0.9"

# Every metric that reached the collector is documented.
missing=""
for m in $("$SCTL" series '{__name__=~"scout_postgres_.*|scenescout_.*"}' -o csv | awk -F, 'NR>1 {print $1}' | sed 's/^"//; s/{.*//' | sort -u); do
  grep -q "\`$m\`" "$(dirname "$0")/../../docs/metrics.md" || missing="$missing $m"
done
[ -z "$missing" ] || fail "metrics missing from docs/metrics.md:$missing"
pass "every postgres and scenescout metric stored is in docs/metrics.md"

if grep -q "port=$PGPORT" "$WORK/agent.log"; then fail "the DSN leaked into the agent log"; fi
if grep -qi "error" "$WORK/agent.log"; then fail "the agent logged an error: $(grep -i error "$WORK/agent.log" | head -3)"; fi
pass "agent log clean: no DSN, no errors"
