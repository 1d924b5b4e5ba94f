#!/usr/bin/env bash
# Fault 2: a 60 s network partition that black-holes traffic (no RST) via
# a TCP proxy between agent and collector. Keepalive must notice it, the
# agent spools, and after the heal it backfills: no gaps, no duplicates.
source "$(dirname "$0")/lib.sh" "$@"
SERIES=1000 SAMPLES=110

start_collector
rm -f "$WORK/proxy.ready"
"$PROXY" --listen 127.0.0.1:0 --target "$ADDR" --ready-file "$WORK/proxy.ready" \
  >"$WORK/proxy.log" 2>&1 &
PROXY_PID=$!
PIDS+=("$PROXY_PID")
wait_for 10 "proxy ready" test -s "$WORK/proxy.ready"
agent_config "$WORK/agent.yaml" fault2 "$(cat "$WORK/proxy.ready")" $SERIES $SAMPLES
start_agent "$WORK/agent.yaml" fault2
wait_for 30 "agent connected" grep -q "connected to collector" "$WORK/agent-fault2.log"
sleep 15
kill -USR1 "$PROXY_PID"
partition_start=$SECONDS
pass "partition on"
wait_for 60 "agent to notice the dead link" grep -q "lost connection to collector" "$WORK/agent-fault2.log"
detected=$((SECONDS - partition_start))
pass "dead link noticed after ~${detected}s"
sleep $((60 - (SECONDS - partition_start)))
kill -USR2 "$PROXY_PID"
pass "partition healed after $((SECONDS - partition_start))s"
wait_verified 150 fault2 $SERIES $SAMPLES
stop_agent fault2
check_ledger
stop_collector
check_collector_ledger
[ "$detected" -le 45 ] || fail "dead link took ${detected}s to notice (want about 30 s)"
grep -q "too_many_pings" "$WORK"/*.log && fail "keepalive settings disagree: too_many_pings"
[ "${C[replayed]}" -gt 0 ] || fail "nothing was replayed after the partition"
record detection_seconds "$detected"
record batches_replayed "${C[replayed]}"
record samples_acked "${C[samples_acked]}"
