# Shared by the hostile-input tests (issue 16, docs/limits.md): a collector
# with TLS, client certificates and tokens, as it ships, on a free loopback
# port, and scout-bench's hostile clients (bench/hostile.h).
#   source lib.sh                  then security_init is done and:
#   start_collector CONFIG_BODY    writes $WORK/collector.yaml (tls + auth + CONFIG_BODY),
#                                  starts it; sets COLLECTOR_PID, ADDR
#   stop_collector                 SIGTERM by pid, waits
#   bench MODE ARGS...             scout-bench MODE with the agent token ($SEC/agent.token)
#   kv FILE KEY                    the value of KEY=value in FILE (scout-bench output)
#   rss_kib [FIELD]                the collector's VmRSS (or FIELD) in KiB
#   sctl_reader ARGS...            sctl with the reader's certificate and token
LIMITS_TESTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$LIMITS_TESTS/../.." && pwd)"
source "$ROOT/tests/e2e/lib.sh"
source "$ROOT/tests/common/security.sh"
security_init
DB=$WORK/scout.db

start_collector() {
  cat >"$WORK/collector.yaml" <<YAML
$(collector_security_yaml require)
self_metrics_interval: 1s
$1
YAML
  launch_collector --config "$WORK/collector.yaml"
}

stop_collector() {
  kill -TERM "$COLLECTOR_PID"
  wait "$COLLECTOR_PID" || fail "collector exited with $? on SIGTERM"
}

bench() {
  local mode=$1
  shift
  "$BENCH" --collector "$ADDR" --ca "$SEC/ca.crt" --cert "$SEC/client-node-1.crt" \
    --key "$SEC/client-node-1.key" --server-name localhost --token-file "${BENCH_TOKEN:-$SEC/agent.token}" \
    --collector-pid "$COLLECTOR_PID" "$mode" "$@"
}

kv() { sed -n "s/^$2=//p" "$1" | head -1; }

rss_kib() { awk -v f="${1:-VmRSS}:" '$1 == f {print $2}' "/proc/$COLLECTOR_PID/status"; }

sctl_reader() {
  local tls
  read -ra tls <<<"$(client_tls_args)"
  "$SCTL" --collector "$ADDR" "${tls[@]}" "$@"
}

# max_rss_while PID_FILE_OUT CMD...: runs CMD, sampling the collector's
# VmRSS every 50 ms; prints the largest value seen (KiB) into $RSS_MAX.
max_rss_while() {
  local max=0 cur
  "$@" &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    cur=$(rss_kib)
    [ -n "$cur" ] && [ "$cur" -gt "$max" ] && max=$cur
    sleep 0.05
  done
  wait "$pid" || true
  RSS_MAX=$max
}

# latest_sum SELECTOR: the sum of the newest values of the matching series (0 if none).
latest_sum() {
  sctl_reader -o csv latest "$1" 2>/dev/null | awk -F, 'NR > 1 {s += $NF} END {print s + 0}'
}
