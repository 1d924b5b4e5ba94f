#!/usr/bin/env bash
# Fault 4: a long outage fills a small spool. The oldest data is dropped,
# the drop is counted exactly, collection never stops, and what was kept
# (the newest data) is delivered when the collector returns.
source "$(dirname "$0")/lib.sh" "$@"
SERIES=200 SAMPLES=25

start_collector
kill -TERM "$COLLECTOR_PID"; wait "$COLLECTOR_PID"
agent_config "$WORK/agent.yaml" fault4 "$ADDR" $SERIES $SAMPLES "$(printf '  max_size_bytes: 65536')"
start_agent "$WORK/agent.yaml" fault4
sleep $((SAMPLES + 1))
grep -q "spool: dropped" "$WORK/agent-fault4.log" || fail "expected the spool to drop data"
start_collector "$ADDR"

# Wait until delivery settles (the stored count stops changing).
previous=-1
for _ in $(seq 60); do
  stored=$( (verify fault4 $SERIES $SAMPLES || true) | sed -n "s/.* stored=\([0-9]*\) .*/\1/p")
  [ "$stored" = "$previous" ] && [ "$stored" -gt 0 ] && break
  previous=$stored
  sleep 2
done
stop_agent fault4
check_ledger
dropped=${C[dropped]}
[ "$dropped" -gt 0 ] || fail "nothing was dropped"
kept=$((SAMPLES - dropped))
[ "$kept" -gt 0 ] || fail "everything was dropped ($dropped batches)"
verify fault4 $SERIES $kept >"$WORK/verify.out" || { cat "$WORK/verify.out"; fail "stored set is not exactly the newest $kept cycles"; }
pass "$(cat "$WORK/verify.out")"
pass "dropped exactly $dropped oldest cycles (${C[samples_dropped]} samples); kept the newest $kept"
record batches_dropped "$dropped"
record samples_dropped "${C[samples_dropped]}"
