#!/usr/bin/env bash
# Runs the ingest and query benchmarks against a fresh collector and prints
# the figures recorded in docs/performance.md.
#   bench/run_benchmarks.sh [AGENTS] [SERIES] [DURATION]
set -euo pipefail
cd "$(dirname "$0")/.."
AGENTS=${1:-100} SERIES=${2:-1000} DURATION=${3:-30s}
WORK=$(mktemp -d /tmp/scout-bench.XXXXXX)
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK"' EXIT

start_collector() {  # start_collector EXTRA_YAML
  printf 'storage:\n  path: %s/scout.db\n%s' "$WORK" "$1" >"$WORK/collector.yaml"
  rm -f "$WORK"/scout.db* "$WORK/ready"
  build/collector/scout-collector --config "$WORK/collector.yaml" --listen 127.0.0.1:0 \
    --ready-file "$WORK/ready" --log-level warn 2>"$WORK/collector.log" &
  PID=$!
  for _ in $(seq 100); do [ -s "$WORK/ready" ] && break; sleep 0.1; done
  ADDR=$(cat "$WORK/ready")
}

RATE=${RATE:-250000}
echo "== ingest paced at $RATE samples/s: $AGENTS agents x $SERIES series, $DURATION, synchronous=full"
start_collector ""
build/bench/scout-bench --collector "$ADDR" --collector-pid "$PID" ingest \
  --agents "$AGENTS" --series "$SERIES" --duration "$DURATION" --rate "$RATE"
kill $PID; wait $PID || true

echo "== ingest unpaced (max throughput): $AGENTS agents x $SERIES series, window 1, $DURATION"
start_collector ""
build/bench/scout-bench --collector "$ADDR" --collector-pid "$PID" ingest \
  --agents "$AGENTS" --series "$SERIES" --duration "$DURATION" --window 1
kill $PID; wait $PID || true

echo "== query: one series, 24 h at 10 s"
start_collector $'  flush_interval: 1s\n'
build/bench/scout-bench --collector "$ADDR" --collector-pid "$PID" query
kill $PID; wait $PID || true

echo "== rollups: 7-day query raw vs hourly, housekeeping cost, bytes per tier"
build/bench/scout-rollup-bench --series 100 --days 8 --interval 10 --dir "$WORK/rollup"
