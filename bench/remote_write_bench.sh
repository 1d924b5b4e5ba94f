#!/usr/bin/env bash
# Remote write throughput, in one run (issue 17; figures in docs/performance.md).
#   bench/remote_write_bench.sh [BUILD_DIR] [SECONDS]
# IN:  the same workload (SENDERS x SERIES series, one point each per
#      request/batch, unpaced, one request in flight per sender) into a
#      fresh collector via gRPC ingest (`scout-bench ingest --window 1`) and
#      via POST /api/v1/write (`scout-bench remote-write`), alternating
#      ROUNDS times. Per run: samples/s acked after commit, latency p50/p99,
#      and the collector's CPU-seconds per million samples (/proc/PID/stat,
#      from the start of the load until the collector is idle again, so its
#      background chunking is included).
# OUT: a collector with a `remote_write:` target at a Prometheus 2.42
#      (--web.enable-remote-write-receiver) that is not started yet;
#      OUT_AGENTS x 1,000 series x OUT_BATCHES points are ingested and queue
#      on disk; then Prometheus starts and the backlog drains. Drain rate =
#      samples / (Prometheus ready -> queue empty), from the collector's
#      scout_remote_write_samples_sent_total; then Prometheus's own count of
#      the samples must match.
# Environment: ROUNDS (2; 0 = OUT only), SENDERS (50), SERIES (1000), OUT_AGENTS (20),
# OUT_BATCHES (100; at most 360: Prometheus keeps an hour in its head),
# OUT_SHARDS (4, Scout's default; the peer keeps 4), PEER (1; 0 = no peer).
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
SECS=${2:-20}
ROUNDS=${ROUNDS:-2} SENDERS=${SENDERS:-50} SERIES=${SERIES:-1000}
OUT_AGENTS=${OUT_AGENTS:-20} OUT_BATCHES=${OUT_BATCHES:-100} OUT_SHARDS=${OUT_SHARDS:-4}
source "$(dirname "$0")/lib.sh"
bench_init rw-bench
die() { echo "remote_write_bench: $*" >&2; tail -n 20 "$WORK"/*.log >&2 || true; exit 1; }
bench_fail() { die "$@"; }
HZ=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# wait_idle PID: until the process used < 2 % of a core over 0.5 s (at most 30 s).
wait_idle() {
  local a b
  for _ in $(seq 60); do
    a=$(cpu_ticks "$1"); sleep 0.5; b=$(cpu_ticks "$1")
    [ $(((b - a) * 100)) -le $((HZ * 1)) ] && return 0
  done
}
# metric_at PORT NAME: the sum of NAME's samples on 127.0.0.1:PORT/metrics (0 if none).
metric_at() {
  curl -sf "http://127.0.0.1:$1/metrics" |
    awk -v n="$2" '$1 == n || index($1, n "{") == 1 { s += $2 } END { printf "%.0f\n", s }'
}
metric() { metric_at "$HTTP_PORT" "$1"; }  # on the collector

# start_collector EXTRA_YAML: a fresh database; sets CPID, ADDR, HTTP_PORT.
start_collector() {
  HTTP_PORT=$(free_port)
  rm -rf "$WORK/db" "$WORK/ready"
  mkdir -p "$WORK/db"
  cat >"$WORK/collector.yaml" <<YAML
storage:
  path: $WORK/db/scout.db
http:
  listen: 127.0.0.1:$HTTP_PORT
  max_connections_per_ip: 0   # the senders all come from 127.0.0.1
$1
YAML
  "$BUILD/collector/scout-collector" --config "$WORK/collector.yaml" --listen 127.0.0.1:0 \
    --ready-file "$WORK/ready" --log-level warn 2>>"$WORK/collector.log" &
  CPID=$!
  PIDS+=("$CPID")
  wait_for 30 test -s "$WORK/ready"
  ADDR=$(cat "$WORK/ready")
  wait_for 30 curl -sf "http://127.0.0.1:$HTTP_PORT/-/ready"
}
stop_collector() { kill "$CPID"; wait "$CPID" || true; }

# in_run grpc|http: one IN run; appends "mode samples/s p50 p99 cpu_per_M client_cpu" to in.txt.
in_run() {
  local mode=$1 out=$WORK/run.txt t0 t1
  start_collector ""
  t0=$(cpu_ticks "$CPID")
  if [ "$mode" = grpc ]; then
    "$BUILD/bench/scout-bench" --collector "$ADDR" ingest --agents "$SENDERS" --series "$SERIES" \
      --window 1 --duration "${SECS}s" >"$out" || die "$mode run failed: $(cat "$out")"
  else
    "$BUILD/bench/scout-bench" remote-write --url "http://127.0.0.1:$HTTP_PORT/api/v1/write" \
      --senders "$SENDERS" --series "$SERIES" --duration "${SECS}s" >"$out" ||
      die "$mode run failed: $(cat "$out")"
  fi
  wait_idle "$CPID"
  t1=$(cpu_ticks "$CPID")
  stop_collector
  sed 's/^/    /' "$out"
  awk -v mode="$mode" -v ticks=$((t1 - t0)) -v hz="$HZ" '
    /^acked samples:|^accepted samples:/ { n = $3 }
    /^throughput:/ { rate = $2 }
    /latency:/ { p50 = $4; p99 = $7 }
    /^client CPU:/ { client = $3 }
    END { printf "%s %s %s %s %.3f %s\n", mode, rate, p50, p99, ticks / hz / (n / 1e6), client }' \
    "$out" | tee -a "$WORK/in.txt" | awk '{ printf "    collector CPU: %s s per million samples\n", $5 }'
}

echo "== IN: $SENDERS senders x $SERIES series, 1 point each, unpaced, ${SECS}s per run, $ROUNDS rounds"
for round in $(seq "$ROUNDS"); do
  for mode in grpc http; do
    echo "-- round $round, $mode"
    in_run "$mode"
  done
done
[ "$ROUNDS" -gt 0 ] && awk '
  { n[$1]++; rate[$1] += $2; p50[$1] += $3; p99[$1] += $4; cpu[$1] += $5; cl[$1] += $6 }
  END {
    for (m in n) { rate[m] /= n[m]; p50[m] /= n[m]; p99[m] /= n[m]; cpu[m] /= n[m]; cl[m] /= n[m] }
    printf "IN summary (mean of %d rounds)          gRPC ingest   remote write   remote write / gRPC\n", n["grpc"]
    printf "  samples/s acked after commit   %12.0f   %12.0f   %.2f\n", rate["grpc"], rate["http"], rate["http"] / rate["grpc"]
    printf "  latency p50 (ms)               %12.1f   %12.1f   %.2f\n", p50["grpc"], p50["http"], p50["http"] / p50["grpc"]
    printf "  latency p99 (ms)               %12.1f   %12.1f   %.2f\n", p99["grpc"], p99["http"], p99["http"] / p99["grpc"]
    printf "  collector CPU-s per M samples  %12.3f   %12.3f   %.2f\n", cpu["grpc"], cpu["http"], cpu["http"] / cpu["grpc"]
    printf "  client CPU-s per run           %12.2f   %12.2f   %.2f\n", cl["grpc"], cl["http"], cl["http"] / cl["grpc"]
  }' "$WORK/in.txt"

# --- OUT ----------------------------------------------------------------------
# start_prometheus PORT NAME CONFIG: a Prometheus with its remote write
# receiver on and an empty TSDB; waits until ready; sets STARTED_PID.
start_prometheus() {
  printf '%s\n' "$3" >"$WORK/$2.yml"
  prometheus --config.file="$WORK/$2.yml" --storage.tsdb.path="$WORK/prom-$2" \
    --web.listen-address="127.0.0.1:$1" --web.enable-remote-write-receiver \
    --log.level=warn >"$WORK/prometheus-$2.log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  wait_for 60 curl -sf "http://127.0.0.1:$1/-/ready"
}
# prom_count PORT TIME: samples of bench_metric_* in the 2 h before TIME.
prom_count() {
  curl -sf "http://127.0.0.1:$1/api/v1/query" \
    --data-urlencode 'query=sum(count_over_time({__name__=~"bench_metric_.+"}[2h]))' \
    --data-urlencode "time=$2" | node -e '
      const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
      console.log(j.data.result.length ? j.data.result[0].value[1] : 0)'
}
N=$((OUT_AGENTS * 1000 * OUT_BATCHES))
PROM_PORT=$(free_port)
echo "== OUT: $N samples ($OUT_AGENTS agents x 1,000 series x $OUT_BATCHES points) queued, then drained to Prometheus 2.42"
start_collector "remote_write:
  - name: prom
    url: http://127.0.0.1:$PROM_PORT/api/v1/write
    timeout: 10s
    queue: {shards: $OUT_SHARDS, max_backoff: 500ms}   # retry soon after Prometheus comes up
    keep: ['{host=~\"bench-agent-.*\"}']   # not the collector's self-metrics"
LOAD_START=$(date +%s)
"$BUILD/bench/scout-bench" --collector "$ADDR" ingest --agents "$OUT_AGENTS" --series 1000 \
  --window 1 --batches "$OUT_BATCHES" >"$WORK/load.txt" || die "load failed: $(cat "$WORK/load.txt")"
grep -q "^acked samples: $N " "$WORK/load.txt" || die "load: $(cat "$WORK/load.txt")"
wait_for 60 test "$(metric scout_remote_write_samples_queued_total)" = "$N"
echo "    queued on disk: $(metric scout_remote_write_pending_samples) samples," \
  "$(($(metric scout_remote_write_pending_bytes) / 1048576)) MiB ($OUT_SHARDS shards)"
wait_idle "$CPID"

start_prometheus "$PROM_PORT" a "global: {}"
PROM_PID=$STARTED_PID
T0=$(date +%s.%N) C0=$(cpu_ticks "$CPID") P0=$(cpu_ticks "$PROM_PID")
: >"$WORK/drain.txt"
deadline=$((SECONDS + 300))
while :; do
  sent=$(metric scout_remote_write_samples_sent_total)
  echo "$(date +%s.%N) $sent" >>"$WORK/drain.txt"
  [ "$sent" -ge "$N" ] && [ "$(metric scout_remote_write_pending_samples)" = 0 ] && break
  [ $SECONDS -lt $deadline ] || die "not drained after 300 s: $sent of $N sent"
  sleep 0.2
done
T1=$(date +%s.%N) C1=$(cpu_ticks "$CPID") P1=$(cpu_ticks "$PROM_PID")
dropped=$(metric scout_remote_write_samples_dropped_total)
retried=$(metric scout_remote_write_requests_retried_total)
requests=$(metric scout_remote_write_requests_total)
# Prometheus's own count of the samples (their timestamps: one day back, 10 s apart).
count=$(prom_count "$PROM_PORT" $((LOAD_START - 86400 + 3600)))
# Prometheus's own view: mean time its /api/v1/write handler took per request.
receiver_ms=$(curl -sf "http://127.0.0.1:$PROM_PORT/metrics" | awk '
  index($1, "prometheus_http_request_duration_seconds_sum{handler=\"/api/v1/write\"") == 1 { s = $2 }
  index($1, "prometheus_http_request_duration_seconds_count{handler=\"/api/v1/write\"") == 1 { c = $2 }
  END { printf "%.1f", (c > 0 ? s * 1000 / c : 0) }')
awk -v n="$N" -v t0="$T0" -v t1="$T1" -v c="$((C1 - C0))" -v p="$((P1 - P0))" -v hz="$HZ" \
  -v dropped="$dropped" -v retried="$retried" -v requests="$requests" -v count="$count" -v receiver_ms="$receiver_ms" '
  NR == 1 { next }
  $2 > 0 && !first { first = $1; first_sent = $2 }
  { last = $1; last_sent = $2 }
  END {
    d = t1 - t0
    printf "    drained in %.2f s after Prometheus was ready: %.0f samples/s\n", d, n / d
    if (last > first) printf "    send rate while draining (first to last sent): %.0f samples/s\n", (last_sent - first_sent) / (last - first)
    printf "    collector CPU: %.3f s per million samples sent; Prometheus (receiver) CPU: %.3f s per million\n", c / hz / (n / 1e6), p / hz / (n / 1e6)
    printf "    requests: %d (%d retried, the first ones before Prometheus was up); dropped samples: %d\n", requests, retried, dropped
    printf "    Prometheus /api/v1/write handler: %s ms per request (mean)\n", receiver_ms
    printf "    Prometheus counts %d samples (want %d)\n", count, n
  }' "$WORK/drain.txt"
[ "$count" = "$N" ] && [ "$dropped" = 0 ] || die "Prometheus has $count samples, want $N (dropped $dropped)"
stop_collector
kill "$PROM_PID"; wait "$PROM_PID" 2>/dev/null || true

# --- OUT peer: Prometheus's own remote write of the same load ----------------
# Prometheus B takes the load through its receiver (timestamps from now on:
# its WAL reader forwards only samples newer than its start) and remote-
# writes it to Prometheus A, started afterwards. B's queue is set like
# Scout's target: 4 shards, 2,000 samples per request, backoff up to 500 ms.
[ "${PEER:-1}" = 1 ] || exit 0
A_PORT=$(free_port) B_PORT=$(free_port)
echo "== OUT peer: the same $N samples remote-written by Prometheus 2.42 (B) to Prometheus 2.42 (A)"
start_prometheus "$B_PORT" b "global: {}
remote_write:
  - url: http://127.0.0.1:$A_PORT/api/v1/write
    queue_config: {min_shards: 4, max_shards: 4, max_samples_per_send: 2000, capacity: 10000,
                   batch_send_deadline: 5s, min_backoff: 30ms, max_backoff: 500ms}"
B_PID=$STARTED_PID
LOAD_START=$(date +%s)
"$BUILD/bench/scout-bench" remote-write --url "http://127.0.0.1:$B_PORT/api/v1/write" \
  --senders "$OUT_AGENTS" --series 1000 --requests "$OUT_BATCHES" --backdate 0s \
  >"$WORK/load-b.txt" || die "load into B failed: $(cat "$WORK/load-b.txt")"
grep -q "^accepted samples: $N " "$WORK/load-b.txt" || die "load into B: $(cat "$WORK/load-b.txt")"
wait_idle "$B_PID"
start_prometheus "$A_PORT" a2 "global: {}"
A_PID=$STARTED_PID
T0=$(date +%s.%N) B0=$(cpu_ticks "$B_PID") A0=$(cpu_ticks "$A_PID")
deadline=$((SECONDS + 300))
until [ "$(metric_at "$A_PORT" prometheus_tsdb_head_samples_appended_total)" -ge "$N" ]; do
  [ $SECONDS -lt $deadline ] || die "A has not got $N samples after 300 s"
  sleep 0.2
done
T1=$(date +%s.%N) B1=$(cpu_ticks "$B_PID") A1=$(cpu_ticks "$A_PID")
count=$(prom_count "$A_PORT" $((LOAD_START + OUT_BATCHES * 10 + 60)))
awk -v n="$N" -v t0="$T0" -v t1="$T1" -v b="$((B1 - B0))" -v a="$((A1 - A0))" -v hz="$HZ" -v count="$count" '
  BEGIN {
    d = t1 - t0
    printf "    drained in %.2f s after A was ready: %.0f samples/s\n", d, n / d
    printf "    sender (B) CPU: %.3f s per million samples sent; receiver (A) CPU: %.3f s per million\n", b / hz / (n / 1e6), a / hz / (n / 1e6)
    printf "    A counts %d samples (want %d)\n", count, n
  }'
[ "$count" = "$N" ] || die "A has $count samples, want $N"
