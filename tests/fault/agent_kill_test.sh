#!/usr/bin/env bash
# Fault 3: the agent is SIGKILLed with unacked batches in its spool (the
# collector is down); restarted, it delivers them.
source "$(dirname "$0")/lib.sh" "$@"
SERIES=500 SAMPLES=15

start_collector   # only to reserve an address, then stop it
kill -TERM "$COLLECTOR_PID"; wait "$COLLECTOR_PID"
agent_config "$WORK/agent.yaml" fault3 "$ADDR" $SERIES $SAMPLES
start_agent "$WORK/agent.yaml" fault3
sleep $((SAMPLES + 3))  # every synthetic cycle is spooled, none acked
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null || true
pass "agent SIGKILLed with $(ls "$WORK/spool-fault3" | grep -c spool) spool segment(s)"

start_collector "$ADDR"
# Same id and spool, without the synthetic source: only the spool can
# deliver the stream now.
agent_config "$WORK/agent2.yaml" fault3 "$ADDR" $SERIES $SAMPLES
sed -i 's/collectors: \[synthetic, agent\]/collectors: [agent]/' "$WORK/agent2.yaml"
start_agent "$WORK/agent2.yaml" fault3
wait_verified 60 fault3 $SERIES $SAMPLES
stop_agent fault3
check_ledger
[ "${C[recovered]}" -ge "$SAMPLES" ] || fail "expected at least $SAMPLES recovered batches, got ${C[recovered]}"
record recovered_batches "${C[recovered]}"
record recovered_samples "${C[recovered_samples]}"
