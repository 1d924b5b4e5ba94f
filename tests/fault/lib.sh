# Shared by the fault tests: real scout-collector and scout-agent processes
# with the agent's synthetic stream, checked exactly with scout-bench verify.
# Usage: source lib.sh COLLECTOR AGENT SCTL BENCH PROXY
COLLECTOR=$1 AGENT=$2 SCTL=$3 BENCH=$4 PROXY=${5:-}
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../common/security.sh"

# The fault tests run Scout as it ships: TLS with client certificates and
# bearer tokens (issue 15). SCOUT_FAULT_TLS=0 runs them in plaintext.
FAULT_TLS=${SCOUT_FAULT_TLS:-1}
if [ "$FAULT_TLS" = 1 ]; then security_init; fi

# start_collector [LISTEN] [EXTRA_ARGS...]: sets COLLECTOR_PID and ADDR.
start_collector() {
  local listen=${1:-127.0.0.1:0}
  shift || true
  rm -f "$WORK/ready"
  local tls=()
  if [ "$FAULT_TLS" = 1 ]; then read -ra tls <<<"$(collector_tls_args)"; fi
  "$COLLECTOR" --listen "$listen" --db "${DB:-$WORK/scout.db}" --ready-file "$WORK/ready" \
    --log-level "${COLLECTOR_LOG_LEVEL:-info}" "${tls[@]}" "$@" >>"$WORK/collector.log" 2>&1 &
  COLLECTOR_PID=$!
  PIDS+=("$COLLECTOR_PID")
  wait_for 30 "collector ready" test -s "$WORK/ready"
  ADDR=$(cat "$WORK/ready")
}

# agent_config FILE ID COLLECTOR_ADDR SERIES SAMPLES [EXTRA_YAML]
agent_config() {
  cat >"$1" <<YAML
collector: $3
id: $2
interval: 1s
collectors: [synthetic, agent]
synthetic: {series: $4, samples: $5}
reconnect_max_backoff: 2s
spool:
  dir: $WORK/spool-$2
  fsync: true
${6:-}
YAML
  if [ "$FAULT_TLS" = 1 ]; then agent_tls_yaml >>"$1"; fi
}

# start_agent CONFIG ID: sets AGENT_PID; log in $WORK/agent-ID.log
start_agent() {
  "$AGENT" --config "$1" >>"$WORK/agent-$2.log" 2>&1 &
  AGENT_PID=$!
  PIDS+=("$AGENT_PID")
}

# verify ID SERIES SAMPLES: prints the verify line; exit 0 when exact.
verify() {
  local tls=()
  if [ "$FAULT_TLS" = 1 ]; then read -ra tls <<<"$(client_tls_args)"; fi
  "$BENCH" --collector "$ADDR" "${tls[@]}" verify --host "$1" --series "$2" --samples "$3" --window 2h
}

wait_verified() {  # wait_verified SECONDS ID SERIES SAMPLES
  local deadline=$((SECONDS + $1))
  until verify "$2" "$3" "$4" >"$WORK/verify.out" 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      cat "$WORK/verify.out" >&2
      fail "stored data for $2 not exact after $1 s"
    fi
    sleep 1
  done
  pass "$(cat "$WORK/verify.out")"
}

# stop_agent ID: SIGTERM, wait, then load its final counters into C[...].
declare -A C
stop_agent() {
  kill -TERM "$AGENT_PID"
  wait "$AGENT_PID" || fail "agent $1 did not exit 0 on SIGTERM"
  local line
  line=$(grep "final counters:" "$WORK/agent-$1.log" | tail -1)
  [ -n "$line" ] || fail "agent $1 logged no final counters"
  C=()
  local kv
  for kv in ${line#*final counters: }; do C[${kv%%=*}]=${kv#*=}; done
  echo "counters: ${line#*final counters: }"
}

# Every sample the agent collected is acked, rejected, dropped or still spooled.
check_ledger() {
  # Batches found in the spool at start count as collected by this process.
  local collected=$((C[collected] + C[recovered_samples]))
  local accounted=$((C[samples_acked] + C[samples_rejected] + C[samples_dropped] + C[spool_samples]))
  [ "$collected" -eq "$accounted" ] ||
    fail "ledger: collected+recovered=$collected != acked+rejected+dropped+spooled=$accounted"
  local batches=$((C[acked] + C[rejected] + C[dropped] + C[spool_batches]))
  [ "$((C[spooled] + C[recovered]))" -eq "$batches" ] ||
    fail "ledger: spooled+recovered=$((C[spooled] + C[recovered])) batches != acked+rejected+dropped+spooled=$batches"
  [ "${C[spool_errors]}" -eq 0 ] || fail "ledger: ${C[spool_errors]} spool write errors"
  pass "ledger adds up: collected+recovered $collected = acked ${C[samples_acked]} + rejected ${C[samples_rejected]} + dropped ${C[samples_dropped]} + spooled ${C[spool_samples]}"
}

# record NAME VALUE: figures for docs/reliability.md
record() { echo "figure: $1=$2"; }

# stop_collector: SIGTERM, expect exit 0, load its final counters into K[...].
declare -A K
stop_collector() {
  kill -TERM "$COLLECTOR_PID"
  wait "$COLLECTOR_PID" || fail "collector exit code $? on SIGTERM"
  local line kv
  line=$(grep "final counters:" "$WORK/collector.log" | tail -1)
  [ -n "$line" ] || fail "collector logged no final counters"
  K=()
  for kv in ${line#*final counters: }; do K[${kv%%=*}]=${kv#*=}; done
  echo "collector counters: ${line#*final counters: }"
}

# The collector stored at least what the agent saw acked (more when an ack
# was lost and the batch resent: stored again, deduplicated), and it
# rejected at least the batches the agent was told to retry.
check_collector_ledger() {
  [ "${K[samples_stored]}" -ge "${C[samples_acked]}" ] ||
    fail "collector stored ${K[samples_stored]} < agent acked ${C[samples_acked]}"
  [ "${K[batches_acked]}" -ge "${C[acked]}" ] ||
    fail "collector acked ${K[batches_acked]} batches < agent saw ${C[acked]}"
  [ "${K[batches_rejected]}" -ge "${C[rejected]}" ] ||
    fail "collector rejected ${K[batches_rejected]} < agent saw ${C[rejected]}"
  pass "collector counters agree: stored ${K[samples_stored]} >= acked ${C[samples_acked]}, batches acked ${K[batches_acked]} >= ${C[acked]}"
}
