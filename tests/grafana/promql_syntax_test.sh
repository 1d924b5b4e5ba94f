#!/usr/bin/env bash
# Every panel and variable query of every dashboard parses and evaluates in
# a real Prometheus 2.42 (Debian's package, started here on a free port with
# an empty TSDB, stopped by pid): the same runner as the live test, with
# --syntax-only (errors fail, empty answers do not). Catches PromQL typos
# and wrong argument types that the static check cannot see.
#   promql_syntax_test.sh
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PROMETHEUS=${PROMETHEUS:-$(command -v prometheus || true)}
[ -n "$PROMETHEUS" ] || { echo "FAIL: prometheus not found (scripts/install-deps.sh)"; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/scout-grafana.XXXXXX")
PID=
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  return 1
}
PORT=$(free_port)
printf 'global:\n  scrape_interval: 15s\n' >"$WORK/prometheus.yml"
"$PROMETHEUS" --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/data" \
  --web.listen-address="127.0.0.1:$PORT" >"$WORK/prometheus.log" 2>&1 &
PID=$!
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null &&
     node -e "fetch('http://127.0.0.1:$PORT/-/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then
    break
  fi
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/prometheus.log"; echo "FAIL: prometheus exited"; exit 1; }
  sleep 0.2
done
"$PROMETHEUS" --version 2>&1 | head -1
node "$HERE/dashboards_live.mjs" --url "http://127.0.0.1:$PORT" --syntax-only --minutes 30
echo PASS
