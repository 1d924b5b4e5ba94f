#!/usr/bin/env bash
# Fault 6: SIGTERM under load. The collector exits 0 within the grace
# period and nothing it acked is lost; the agent delivers the rest later.
source "$(dirname "$0")/lib.sh" "$@"
SERIES=10000 SAMPLES=30

start_collector
agent_config "$WORK/agent.yaml" fault6 "$ADDR" $SERIES $SAMPLES
start_agent "$WORK/agent.yaml" fault6
wait_for 30 "agent connected" grep -q "connected to collector" "$WORK/agent-fault6.log"
sleep 8
start=$(date +%s%3N)
kill -TERM "$COLLECTOR_PID"
wait "$COLLECTOR_PID" || fail "collector exit code $? on SIGTERM (want 0)"
took=$(($(date +%s%3N) - start))
[ "$took" -lt 20000 ] || fail "shutdown took ${took} ms, over the 20 s grace"
grep -q "shutdown complete" "$WORK/collector.log" || fail "no clean shutdown logged"
pass "collector exited 0 in ${took} ms"
start_collector "$ADDR"
wait_verified 120 fault6 $SERIES $SAMPLES
stop_agent fault6
check_ledger
record shutdown_ms "$took"
