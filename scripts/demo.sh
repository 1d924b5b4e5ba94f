#!/usr/bin/env bash
# Scout's main job on one machine: a collector on ./var/scout.db evaluating
# rules/default.yaml, a local agent sampling this host every 5 s, and live
# sctl output every 5 s.
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh

mkdir -p var
ADDR=${SCOUT_DEMO_LISTEN:-127.0.0.1:7070}
export SCOUT_COLLECTOR=$ADDR
build/collector/scout-collector --listen "$ADDR" --db var/scout.db --rules rules/default.yaml \
  >var/collector.log 2>&1 &
COLLECTOR_PID=$!
build/agent/scout-agent --collector "$ADDR" --interval 5s --spool-dir var/spool >var/agent.log 2>&1 &
AGENT_PID=$!
trap 'kill $AGENT_PID $COLLECTOR_PID 2>/dev/null; wait 2>/dev/null; echo "stopped; data kept in var/scout.db, logs in var/*.log"' EXIT
trap 'exit 0' INT TERM

SCTL=build/ctl/sctl
HOST=$(hostname)
echo "collector on $ADDR (logs: var/collector.log), agent id $HOST (logs: var/agent.log)"
echo "Prometheus HTTP API and /metrics on http://127.0.0.1:9470 (e.g. promtool query instant http://127.0.0.1:9470 node_load1)"
sleep 6
while true; do
  clear 2>/dev/null || true
  echo "=== Scout live view ($(date '+%H:%M:%S'))   Ctrl-C to stop ==="
  $SCTL agents || true
  echo
  $SCTL host "$HOST" || true
  echo
  $SCTL top --host "$HOST" -n 5 || true
  echo
  echo "Alerts (rules/default.yaml):"
  $SCTL alerts || true
  echo
  echo "CPU usage, p95 per minute over the last 10 minutes:"
  $SCTL query "node_cpu_usage_ratio{host=\"$HOST\"}" --since 10m --step 1m --agg p95 || true
  sleep 5
done
