#!/usr/bin/env bash
# Database down: scout_postgres_up goes 0, the agent retries with backoff
# (not every cycle), logs once per state change, keeps its other plugins
# going, and reports up=1 again when the server returns.
COLLECTOR=$1 AGENT=$2 SCTL=$3
source "$(dirname "$0")/../e2e/lib.sh"
source "$(dirname "$0")/pg_cluster.sh"
trap 'pg_stop; cleanup' EXIT
pg_start
export SCOUT_PG_DSN="$PG_DSN password=NotLogged123"
"$COLLECTOR" --listen 127.0.0.1:0 --db "$WORK/scout.db" --ready-file "$WORK/ready" >"$WORK/collector.log" 2>&1 &
PIDS+=($!)
wait_for 20 "collector" test -s "$WORK/ready"
export SCOUT_COLLECTOR=$(cat "$WORK/ready")
cat >"$WORK/agent.yaml" <<YAML
collector: $SCOUT_COLLECTOR
id: db-agent
interval: 1s
collectors: [postgres, load]
spool: {dir: $WORK/spool, fsync: false}
postgres:
  targets:
    # The test cluster's only role is its bootstrap superuser.
    - {name: main, dsn: "\${SCOUT_PG_DSN}", interval: 1s, allow_superuser: true}
YAML
"$AGENT" --config "$WORK/agent.yaml" >"$WORK/agent.log" 2>&1 &
PIDS+=($!)
value() { "$SCTL" latest "$1" -o csv 2>/dev/null | awk -F, 'NR==2 {print $NF}'; }
is_up() { [ "$(value 'scout_postgres_up{target="main"}')" = 1 ]; }
is_down() { [ "$(value 'scout_postgres_up{target="main"}')" = 0 ]; }
wait_for 30 "postgres target up" is_up
pass "target up"

pg_halt
wait_for 15 "scout_postgres_up = 0 after the server stopped" is_down
pass "scout_postgres_up went to 0"
attempts_before=$(value 'scout_postgres_connect_attempts_total{target="main"}')
loads_before=$("$SCTL" query node_load1 --since 1h --step 1h --agg count -o csv | awk -F, 'NR==2 {print $NF}')
sleep 12
attempts_after=$(value 'scout_postgres_connect_attempts_total{target="main"}')
loads_after=$("$SCTL" query node_load1 --since 1h --step 1h --agg count -o csv | awk -F, 'NR==2 {print $NF}')
retries=$((attempts_after - attempts_before))
[ "$retries" -ge 1 ] && [ "$retries" -le 4 ] ||
  fail "$retries connection attempts in 12 s at a 1 s interval: want 1-4 (backoff from 5 s)"
pass "backoff: $retries connection attempts in 12 s of downtime (interval 1 s)"
[ $((loads_after - loads_before)) -ge 10 ] || fail "load samples stalled while the database was down: $loads_before -> $loads_after"
pass "other plugins kept going: $((loads_after - loads_before)) node_load1 samples in 12 s"

pg_resume
wait_for 60 "scout_postgres_up = 1 after the server returned" is_up
pass "target up again after the restart"
lost=$(grep -c "postgres main: connection lost\|postgres main: connect failed" "$WORK/agent.log" || true)
[ "$lost" -eq 1 ] || fail "down logged $lost times, want once per state change: $(grep 'postgres main' "$WORK/agent.log")"
grep -q "postgres main: up (recovered)" "$WORK/agent.log" || fail "no recovery log line"
pass "logged once going down, once recovering"
if grep -q "NotLogged123\|port=$PGPORT" "$WORK/agent.log"; then fail "the DSN or password leaked into the agent log"; fi
pass "no DSN or password in the agent log"
