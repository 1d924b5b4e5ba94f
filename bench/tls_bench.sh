#!/usr/bin/env bash
# TLS + token vs plaintext, side by side in one run (issue 15).
#   bench/tls_bench.sh [AGENTS] [SERIES] [DURATION] [ROUNDS]
# 1. Ingest: scout-bench (AGENTS streams, SERIES series each, unpaced,
#    window 1) against a plaintext collector and a TLS collector (client
#    certificates required, bearer token checked), alternating ROUNDS times
#    so machine noise hits both alike. Prints samples/s and ack p99.
# 2. Agent CPU per cycle: the default plugins at a 1 s interval for 60 s,
#    shipping to each collector, CPU from /proc/PID/stat.
set -euo pipefail
cd "$(dirname "$0")/.."
AGENTS=${1:-100} SERIES=${2:-1000} DURATION=${3:-30s} ROUNDS=${4:-2}
AGENT_SECONDS=${AGENT_SECONDS:-60}
WORK=$(mktemp -d /tmp/scout-tls-bench.XXXXXX)
PID=""
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
bash tests/common/make_test_certs.sh "$WORK/certs" >/dev/null
C=$WORK/certs
TOKEN="scout_$(openssl rand -hex 24)"
printf '%s\n' "$TOKEN" >"$WORK/token"
HASH=$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)
printf 'tokens:\n  - {principal: bench, role: agent, sha256: %s, agent_ids: ["*"]}\n' "$HASH" >"$WORK/tokens.yaml"
# role agent, any id: the benchmark's streams use many agent ids.

start_collector() {  # start_collector plain|tls
  rm -rf "$WORK"/scout.db* "$WORK/ready"
  local tls=()
  if [ "$1" = tls ]; then
    tls=(--tls-cert "$C/server.crt" --tls-key "$C/server.key" --tls-client-ca "$C/ca.crt"
         --client-auth require --tokens-file "$WORK/tokens.yaml")
  fi
  build/collector/scout-collector --listen 127.0.0.1:0 --db "$WORK/scout.db" \
    --ready-file "$WORK/ready" --log-level warn "${tls[@]}" 2>"$WORK/collector.log" &
  PID=$!
  for _ in $(seq 100); do [ -s "$WORK/ready" ] && break; sleep 0.1; done
  ADDR=$(cat "$WORK/ready")
}
client_args() {  # client_args plain|tls
  if [ "$1" = tls ]; then
    echo --ca "$C/ca.crt" --cert "$C/client-node-1.crt" --key "$C/client-node-1.key" \
      --server-name localhost --token-file "$WORK/token"
  fi
}
stop_collector() { kill "$PID"; wait "$PID" || true; PID=""; }

for round in $(seq "$ROUNDS"); do
  for mode in plain tls; do
    echo "== round $round, $mode: ingest unpaced, $AGENTS agents x $SERIES series, $DURATION"
    start_collector $mode
    read -ra args <<<"$(client_args $mode)"
    build/bench/scout-bench --collector "$ADDR" --collector-pid "$PID" "${args[@]}" ingest \
      --agents "$AGENTS" --series "$SERIES" --duration "$DURATION" --window 1
    stop_collector
  done
done

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
for mode in plain tls; do
  start_collector $mode
  {
    echo "collector: $ADDR"
    echo "id: bench-agent"
    echo "interval: 1s"
    echo "spool: {dir: $WORK/spool-$mode, fsync: false}"
    if [ $mode = tls ]; then
      printf 'tls: {ca_file: %s, cert_file: %s, key_file: %s, server_name: localhost}\n' \
        "$C/ca.crt" "$C/client-node-1.crt" "$C/client-node-1.key"
      echo "token_file: $WORK/token"
    fi
  } >"$WORK/agent-$mode.yaml"
  build/agent/scout-agent --config "$WORK/agent-$mode.yaml" --log-level warn 2>"$WORK/agent-$mode.log" &
  APID=$!
  sleep 5  # past start-up (first cycles, connection)
  t0=$(cpu_ticks $APID)
  sleep "$AGENT_SECONDS"
  t1=$(cpu_ticks $APID)
  rss=$(awk '/VmRSS/ { print $2 }' /proc/$APID/status)
  kill $APID; wait $APID || true
  hz=$(getconf CLK_TCK)
  awk -v d=$((t1 - t0)) -v hz="$hz" -v n="$AGENT_SECONDS" -v m=$mode -v rss="$rss" \
    'BEGIN { printf "agent %s: %.2f ms CPU per 1 s cycle over %d cycles, RSS %.1f MiB\n", m, d * 1000 / hz / n, n, rss / 1024 }'
  stop_collector
done
