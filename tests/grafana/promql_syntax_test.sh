#!/usr/bin/env bash
# Every panel and variable query of every dashboard evaluates without error
# and returns data in a real Prometheus 2.42 (Debian's package, started here
# on a free port, stopped by pid) holding synthetic series shaped by the
# dashboards' own selectors (synthetic_data.mjs, backfilled with `promtool
# tsdb create-blocks-from openmetrics`): the live runner
# (dashboards_live.mjs) end to end - variables from
# /api/v1/label/<name>/values?match[]=..., regex-escaped values,
# query_range and instant queries, no-data detection - before Scout's own
# API exists, and PromQL typos or type errors the static check cannot see.
# Panels that filter to nothing on such data: synthetic_allow_empty.txt.
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

source "$(dirname "${BASH_SOURCE[0]}")/../common/free_port.sh"
PORT=$(free_port)
printf 'global:\n  scrape_interval: 15s\n' >"$WORK/prometheus.yml"
node "$HERE/synthetic_data.mjs" "$HERE/../../deploy/grafana/dashboards" 40 >"$WORK/data.om"
PROMTOOL=${PROMTOOL:-$(command -v promtool || true)}
[ -n "$PROMTOOL" ] || { echo "FAIL: promtool not found (scripts/install-deps.sh)"; exit 1; }
"$PROMTOOL" tsdb create-blocks-from openmetrics "$WORK/data.om" "$WORK/data" >"$WORK/backfill.log" ||
  { cat "$WORK/backfill.log"; echo "FAIL: backfill"; exit 1; }
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
node "$HERE/dashboards_live.mjs" --url "http://127.0.0.1:$PORT" --minutes 30 \
  --allow "$HERE/synthetic_allow_empty.txt" | grep -v '^  \$'

# The runner's failures are real: a query Prometheus refuses and a panel
# whose selector matches nothing must each fail the run.
mkdir -p "$WORK/broken"
node -e "
  const fs = require('fs');
  const d = JSON.parse(fs.readFileSync('$HERE/../../deploy/grafana/dashboards/scout-host.json', 'utf8'));
  const q = d.panels.filter((p) => p.targets);
  q[0].targets[0].expr = 'rate(node_forks_total)';
  q[1].targets = [{ ...q[1].targets[0], expr: 'node_load1{host=\"no-such-host\"}' }];
  fs.writeFileSync('$WORK/broken/scout-host.json', JSON.stringify(d));"
if node "$HERE/dashboards_live.mjs" --url "http://127.0.0.1:$PORT" --minutes 30 \
     --dashboards "$WORK/broken" >"$WORK/broken.log" 2>&1; then
  cat "$WORK/broken.log"; echo "FAIL: the runner passed a broken dashboard"; exit 1
fi
grep -q 'bad_data' "$WORK/broken.log" || { cat "$WORK/broken.log"; echo "FAIL: the refused query was not reported"; exit 1; }
grep -q ': no data$' "$WORK/broken.log" || { cat "$WORK/broken.log"; echo "FAIL: the empty panel was not reported"; exit 1; }
echo "ok: a refused query and an empty panel fail the run"
echo PASS
