#!/usr/bin/env bash
# Scout's Prometheus HTTP API side by side with Prometheus 2.42 on the very
# same samples, in one run (issue 17; figures in docs/performance.md):
#   Q1  query_range of 100 gauge series x 24 h at a 60 s step
#   Q2  instant sum by (host) (rate(x[5m])) over 10,000 counter series
# scout-bench backfill sends the samples to Scout and writes them as
# OpenMetrics, which promtool turns into Prometheus blocks. Both servers are
# plaintext on loopback without authentication; the queries alternate
# between them, and each answer is checked against the other's.
#   bench/prom_bench.sh [BUILD_DIR] [REPETITIONS]
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
REPS=${2:-15}
source "$(dirname "$0")/lib.sh"
bench_init prom-bench

HTTP_PORT=$(free_port) PROM_PORT=$(free_port)
cat >"$WORK/collector.yaml" <<YAML
http:
  listen: 127.0.0.1:$HTTP_PORT
YAML
"$BUILD/collector/scout-collector" --config "$WORK/collector.yaml" --listen 127.0.0.1:0 \
  --db "$WORK/scout.db" --ready-file "$WORK/ready" >"$WORK/collector.log" 2>&1 &
PIDS+=($!)
COLLECTOR_PID=$!
wait_for 30 test -s "$WORK/ready"
ADDR=$(cat "$WORK/ready")
BENCH=("$BUILD/bench/scout-bench" --collector "$ADDR")

echo "== loading: 100 gauges x 24 h at 60 s, 10,000 counters x 1 h at 15 s"
"${BENCH[@]}" backfill --agent gauges --metric bench_gauge --series 100 --hosts 10 \
  --span 24h --interval 60s --openmetrics "$WORK/gauges.om" | tee "$WORK/gauges.txt"
"${BENCH[@]}" backfill --agent counters --metric bench_requests_total --series 10000 --hosts 100 \
  --counter --span 1h --interval 15s --openmetrics "$WORK/counters.om" | tee "$WORK/counters.txt"
END_S=$(( $(sed -n 's/^backfill_end_ms=//p' "$WORK/counters.txt") / 1000 ))
{ grep -v '^# EOF' "$WORK/gauges.om"; cat "$WORK/counters.om"; } >"$WORK/all.om"
promtool tsdb create-blocks-from openmetrics "$WORK/all.om" "$WORK/prom" >"$WORK/promtool.log" 2>&1 ||
  { cat "$WORK/promtool.log"; exit 1; }
echo "global: {}" >"$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom" \
  --storage.tsdb.retention.time=30d --web.listen-address="127.0.0.1:$PROM_PORT" \
  >"$WORK/prometheus.log" 2>&1 &
PIDS+=($!)
PROM_PID=$!
wait_for 60 curl -sf "http://127.0.0.1:$PROM_PORT/-/ready"
sleep 5  # let Scout's writer settle after the load

SCOUT=http://127.0.0.1:$HTTP_PORT PROM=http://127.0.0.1:$PROM_PORT
Q1=(/api/v1/query_range --data-urlencode query=bench_gauge --data-urlencode "start=$((END_S - 86400))"
    --data-urlencode "end=$END_S" --data-urlencode step=60)
Q2=(/api/v1/query --data-urlencode 'query=sum by (host) (rate(bench_requests_total[5m]))'
    --data-urlencode "time=$END_S")

# same_answer A.json B.json: the same series with the same values (1e-9 relative).
same_answer() {
  node - "$1" "$2" <<'JS'
const fs = require("fs");
const load = (f) => { const j = JSON.parse(fs.readFileSync(f, "utf8")); if (j.status !== "success") throw new Error(f + ": " + JSON.stringify(j).slice(0, 300)); return j.data; };
const [a, b] = [load(process.argv[2]), load(process.argv[3])];
const key = (m) => JSON.stringify(Object.entries(m).sort());
const points = (r) => r.values || [r.value];
const index = (d) => new Map(d.result.map((r) => [key(r.metric), points(r)]));
const [ia, ib] = [index(a), index(b)];
if (ia.size !== ib.size) { console.error(`series: ${ia.size} vs ${ib.size}`); process.exit(1); }
let n = 0;
for (const [k, pa] of ia) {
  const pb = ib.get(k);
  if (!pb || pa.length !== pb.length) { console.error(`series ${k}: ${pa.length} vs ${pb ? pb.length : "missing"} points`); process.exit(1); }
  for (let i = 0; i < pa.length; i++) {
    const [x, y] = [Number(pa[i][1]), Number(pb[i][1])];
    if (pa[i][0] !== pb[i][0] || Math.abs(x - y) > 1e-9 * Math.max(1, Math.abs(x), Math.abs(y))) {
      console.error(`series ${k} at ${pa[i][0]}/${pb[i][0]}: ${x} vs ${y}`); process.exit(1);
    }
    n++;
  }
}
console.log(`same answer: ${ia.size} series, ${n} points`);
JS
}

# time_query NAME PATH ARGS...: REPS alternating runs; prints medians.
time_query() {
  local name=$1 path=$2
  shift 2
  curl -sf "$SCOUT$path" "$@" -o "$WORK/$name.scout.json"
  curl -sf "$PROM$path" "$@" -o "$WORK/$name.prom.json"
  same_answer "$WORK/$name.scout.json" "$WORK/$name.prom.json"
  : >"$WORK/$name.times"
  for _ in $(seq "$REPS"); do
    s=$(curl -sf -o /dev/null -w '%{time_total}' "$SCOUT$path" "$@")
    p=$(curl -sf -o /dev/null -w '%{time_total}' "$PROM$path" "$@")
    echo "$s $p" >>"$WORK/$name.times"
  done
  local ms ps
  ms=$(cut -d' ' -f1 "$WORK/$name.times" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)] * 1000}')
  ps=$(cut -d' ' -f2 "$WORK/$name.times" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)] * 1000}')
  printf '%-4s scout %8.1f ms   prometheus %8.1f ms   ratio scout/prometheus %.2f   (median of %d)\n' \
    "$name" "$ms" "$ps" "$(awk -v a="$ms" -v b="$ps" 'BEGIN {print a / b}')" "$REPS"
}
echo "== queries (Q1: 100 series x 24 h at 60 s; Q2: sum by (host) (rate(x[5m])) over 10,000 series)"
time_query Q1 "${Q1[@]}"
time_query Q2 "${Q2[@]}"
rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$1/status"; }
echo "RSS after: scout-collector $(rss "$COLLECTOR_PID") MiB, prometheus $(rss "$PROM_PID") MiB"
