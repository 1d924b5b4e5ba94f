#!/usr/bin/env bash
# Probe benchmark (issue 5): one scout-agent probing N loopback HTTP
# endpoints every 10 s, against prometheus-blackbox-exporter probing the
# same targets at the same rate; plus our timing vs curl -w on one URL.
#   bench/probe_bench.sh [N=1000] [SECONDS=60]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000} DURATION=${2:-60}
WORK=$(mktemp -d /tmp/scout-probe-bench.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$WORK"' EXIT

ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
hwm() { awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' "/proc/$1/status"; }

build/tests/tools/scout-test-http-server --listen 127.0.0.1:0 --ready-file "$WORK/http" >/dev/null 2>&1 &
PIDS+=($!)
build/collector/scout-collector --listen 127.0.0.1:0 --db "$WORK/db" --ready-file "$WORK/col" --log-level warn 2>/dev/null &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$WORK/http" ] && [ -s "$WORK/col" ] && break; sleep 0.1; done
WEB=127.0.0.1:$(cat "$WORK/http")

{
  echo "collector: $(cat "$WORK/col")"
  echo "id: probe-bench"
  echo "interval: 10s"
  echo "collectors: [probes]"
  echo "spool: {dir: $WORK/spool}"
  echo "probes:"
  echo "  http:"
  for i in $(seq "$N"); do echo "    - {name: p$i, url: \"http://$WEB/ok?i=$i\", interval: 10s}"; done
} >"$WORK/agent.yaml"
build/agent/scout-agent --config "$WORK/agent.yaml" --log-level warn 2>"$WORK/agent.log" &
AGENT=$!
PIDS+=($AGENT)
sleep 5
t0=$(ticks $AGENT)
sleep "$DURATION"
t1=$(ticks $AGENT)
echo "scout-agent: $N probes every 10 s for ${DURATION}s: CPU $(awk -v a=$t0 -v b=$t1 -v d=$DURATION 'BEGIN{printf "%.2f%% of one core (%.2f s)", (b-a)/d, (b-a)/100}'), peak RSS $(hwm $AGENT)"
kill $AGENT

if command -v prometheus-blackbox-exporter >/dev/null; then
  printf 'modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n' >"$WORK/bb.yml"
  prometheus-blackbox-exporter --config.file="$WORK/bb.yml" --web.listen-address=127.0.0.1:9115 2>/dev/null &
  BB=$!
  PIDS+=($BB)
  sleep 1
  # A scraper asks blackbox for every target once per 10 s, 16 at a time
  # (its own CPU is not counted).
  scrape_round() {
    seq "$N" | xargs -P 16 -I{} curl -s -o /dev/null \
      "http://127.0.0.1:9115/probe?module=http_2xx&target=http://$WEB/ok?i={}"
  }
  scrape_round
  b0=$(ticks $BB)
  end=$((SECONDS + DURATION))
  while [ $SECONDS -lt $end ]; do
    start=$SECONDS
    scrape_round
    sleep $((10 - (SECONDS - start) > 0 ? 10 - (SECONDS - start) : 0))
  done
  b1=$(ticks $BB)
  echo "blackbox_exporter: $N targets every 10 s for ${DURATION}s: CPU $(awk -v a=$b0 -v b=$b1 -v d=$DURATION 'BEGIN{printf "%.2f%% of one core (%.2f s)", (b-a)/d, (b-a)/100}'), peak RSS $(hwm $BB)"
fi

# Timing overhead: the same URL 50 times with sctl probe and with curl -w.
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
for _ in $(seq 50); do
  build/ctl/sctl probe "http://$WEB/slow?ms=20" -o json | tr -d ' ' | sed -n 's/"duration_seconds":\([0-9.e-]*\),*/\1/p'
done | median >"$WORK/scout.med"
for _ in $(seq 50); do curl -s -o /dev/null -w '%{time_total}\n' "http://$WEB/slow?ms=20"; done | median >"$WORK/curl.med"
echo "timing of a 20 ms endpoint, median of 50: scout $(cat "$WORK/scout.med") s, curl -w $(cat "$WORK/curl.med") s"
