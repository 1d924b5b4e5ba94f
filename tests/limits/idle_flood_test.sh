#!/usr/bin/env bash
# Streams that never say Hello (issue 16): 700 connections x 16 streams
# open and stay silent. They are closed after the Hello timeout (or refused
# at once over the per-peer cap), never by the client, and a real agent
# (another principal) connects and is served meanwhile.
#   idle_flood_test.sh COLLECTOR AGENT BENCH SCTL
COLLECTOR=$1 AGENT=$2 BENCH=$3 SCTL=$4
source "$(dirname "$0")/lib.sh"
HELLO_S=5 CONNECTIONS=${CONNECTIONS:-700} STREAMS=16
start_collector "ingest:
  hello_timeout: ${HELLO_S}s"
bench idle --connections "$CONNECTIONS" --streams "$STREAMS" --hold 90s >"$WORK/idle.txt" 2>&1 &
idle_pid=$!
sleep 1
cat >"$WORK/agent.yaml" <<YAML
collector: $ADDR
id: node-1
interval: 1s
collectors: [synthetic]
synthetic: {series: 10, samples: 1000000}
reconnect_max_backoff: 2s
spool: {dir: $WORK/spool, fsync: false}
$(agent_tls_yaml "$SEC/agent-node-1.token")
YAML
"$AGENT" --config "$WORK/agent.yaml" >"$WORK/agent.log" 2>&1 &
PIDS+=($!)
served() { [ "$(latest_sum 'scout_synthetic_value{host="node-1",series="0"}' )" != 0 ] || \
  [ -n "$(sctl_reader -o csv latest 'scout_synthetic_value{host="node-1"}' 2>/dev/null | sed -n 2p)" ]; }
wait_for 60 "the real agent's samples while the flood is open" served
kill -0 "$idle_pid" 2>/dev/null || fail "the flood ended before the agent was checked: $(cat "$WORK/idle.txt")"
pass "a real agent connected and was served during the flood"
wait "$idle_pid" || fail "idle client failed: $(cat "$WORK/idle.txt")"
cat "$WORK/idle.txt"
[ "$(kv "$WORK/idle.txt" idle_opened)" = $((CONNECTIONS * STREAMS)) ] || fail "not every stream was opened"
[ "$(kv "$WORK/idle.txt" idle_cancelled_by_client)" = 0 ] ||
  fail "$(kv "$WORK/idle.txt" idle_cancelled_by_client) streams were still open after 90 s"
[ -z "$(kv "$WORK/idle.txt" idle_status_0)" ] || fail "some silent streams ended with OK"
max=$(kv "$WORK/idle.txt" idle_max_close_seconds)
awk -v m="$max" -v t="$HELLO_S" 'BEGIN {exit !(m <= t + 10)}' || fail "a silent stream lived ${max}s (Hello timeout ${HELLO_S}s)"
pass "all $((CONNECTIONS * STREAMS)) silent streams were closed by the collector within ${max}s"
timeouts=$(kv "$WORK/idle.txt" idle_status_4)  # DEADLINE_EXCEEDED
refused=$(kv "$WORK/idle.txt" idle_status_8)   # RESOURCE_EXHAUSTED
pass "${timeouts:-0} closed at the Hello timeout, ${refused:-0} refused over the per-peer cap"
sleep 3
[ "$(latest_sum 'scout_collector_ingest_streams')" -le 5 ] || fail "streams left open: $(latest_sum scout_collector_ingest_streams)"
served || fail "the real agent is not served after the flood"
pass "after the flood: the agent still served, no stream left behind"
