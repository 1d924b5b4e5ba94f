#!/usr/bin/env bash
# An agent with a wrong token must not hot-loop (issue 15): a refusal
# (UNAUTHENTICATED / PERMISSION_DENIED) waits a full backoff step, and the
# agent logs one line for the refusal, not one per attempt. Attempts are
# counted by the collector (scout_collector_auth_failures_total), read with
# sctl as an admin. When the token is fixed the agent gets through and says
# so once.
#   auth_backoff_test.sh COLLECTOR AGENT SCTL TOOLS_DIR
COLLECTOR=$1 AGENT=$2 SCTL=$3
source "$(dirname "$0")/lib.sh" "$4"
security_init
DB=$WORK/scout.db
MAX_BACKOFF_S=4 WATCH_S=20

printf 'self_metrics_interval: 1s\n' >"$WORK/collector.yaml"
start_tls_collector --config "$WORK/collector.yaml"

printf 'scout_not_a_valid_token\n' >"$WORK/agent.token"
cat >"$WORK/agent.yaml" <<YAML
collector: $ADDR
id: node-1
interval: 1s
collectors: [synthetic]
synthetic: {series: 2, samples: 0}
reconnect_max_backoff: ${MAX_BACKOFF_S}s
spool: {dir: $WORK/spool, fsync: false}
$(agent_tls_yaml "$WORK/agent.token")
YAML
"$AGENT" --config "$WORK/agent.yaml" >"$WORK/agent.log" 2>&1 &
AGENT_PID=$!
PIDS+=("$AGENT_PID")
sleep "$WATCH_S"

read -ra ADMIN <<<"$(client_tls_args "$SEC/admin.token")"
failures() {  # the collector's count of refused calls without valid credentials
  "$SCTL" --collector "$ADDR" "${ADMIN[@]}" --output csv latest \
    'scout_collector_auth_failures_total{reason="unauthenticated"}' |
    awk -F, 'NR > 1 { sum += $NF } END { print sum + 0 }'
}
sleep 2  # one more self-metrics cycle
attempts=$(failures)
# Backoff steps of 1, 2, 4, 4, ... s: about 6 attempts in 20 s. A retry
# without a full step (or a hot loop) makes many more.
[ "$attempts" -ge 2 ] || fail "only $attempts refused attempts counted in ${WATCH_S} s (is the counter exported?)"
[ "$attempts" -le $((WATCH_S / 2 + 2)) ] ||
  fail "$attempts attempts in ${WATCH_S} s with max backoff ${MAX_BACKOFF_S} s: not backing off"
pass "$attempts refused attempts in ${WATCH_S} s (max backoff ${MAX_BACKOFF_S} s)"
refusals=$(grep -ciE "refused|unauthenticated|credentials" "$WORK/agent.log" || true)
[ "$refusals" -eq 1 ] || { cat "$WORK/agent.log" >&2; fail "the agent logged $refusals refusal lines, want 1"; }
pass "the agent logged the refusal once"
[ "$(db_count 'SELECT count(*) FROM agents')" -eq 0 ] || fail "a refused agent was recorded"

echo "== the token is fixed: the agent gets through on its next attempt"
cp "$SEC/agent.token" "$WORK/agent.token"
wait_for $((MAX_BACKOFF_S * 3)) "agent accepted" \
  sh -c "[ \"\$(sqlite3 -readonly '$DB' 'SELECT count(*) FROM agents')\" -eq 1 ]"
pass "the agent re-read its token file and was accepted"
if grep -qF "scout_not_a_valid_token" "$WORK"/*.log; then fail "the wrong token appears in a log"; fi
pass "the token is in no log"
