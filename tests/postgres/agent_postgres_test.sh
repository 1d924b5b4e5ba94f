#!/usr/bin/env bash
# The postgres plugin wired into the real agent: a target given as
# ${SCOUT_PG_DSN} reports up=1 and connection figures to the collector.
COLLECTOR=$1 AGENT=$2 SCTL=$3
source "$(dirname "$0")/../e2e/lib.sh"
source "$(dirname "$0")/pg_cluster.sh"
trap 'pg_stop; cleanup' EXIT
pg_start
export SCOUT_PG_DSN=$PG_DSN
"$COLLECTOR" --listen 127.0.0.1:0 --db "$WORK/scout.db" --ready-file "$WORK/ready" >"$WORK/collector.log" 2>&1 &
PIDS+=($!)
wait_for 20 "collector" test -s "$WORK/ready"
export SCOUT_COLLECTOR=$(cat "$WORK/ready")
cat >"$WORK/agent.yaml" <<YAML
collector: $SCOUT_COLLECTOR
id: db-agent
interval: 1s
collectors: [postgres]
spool: {dir: $WORK/spool, fsync: false}
postgres:
  targets:
    # The test cluster's only role is its bootstrap superuser.
    - {name: main, dsn: "\${SCOUT_PG_DSN}", interval: 1s, allow_superuser: true}
YAML
"$AGENT" --config "$WORK/agent.yaml" >"$WORK/agent.log" 2>&1 &
PIDS+=($!)
up() { "$SCTL" latest 'scout_postgres_up{target="main"}' -o csv | awk -F, 'NR==2 {print $NF}'; }
is_up() { [ "$(up)" = 1 ]; }
wait_for 30 "postgres target up" is_up
max=$("$SCTL" latest 'scout_postgres_max_connections{target="main"}' -o csv | awk -F, 'NR==2 {print $NF}')
[ "$max" = 50 ] || fail "max_connections $max, want 50"
pass "agent reports the PostgreSQL target up, max_connections=$max"
if grep -q "port=$PGPORT" "$WORK/agent.log"; then fail "the DSN leaked into the agent log"; fi
pass "the DSN is not in the agent log"
