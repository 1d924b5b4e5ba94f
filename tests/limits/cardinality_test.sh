#!/usr/bin/env bash
# Cardinality bomb (issue 16): one agent sends 500,000 new series in 60 s
# (one in 50 with 100 labels, names 10x the length limit, values 10x the
# value limit) while a well-behaved agent sends 1,000 series every second.
# The bomb's excess is rejected per point and counted, its stream stays
# open, the collector's RSS stays under the cap the limits imply (and after
# a restart), and the good agent loses nothing with its ack p99 within 2x
# of its baseline measured in the same run.
#   cardinality_test.sh COLLECTOR BENCH SCTL
COLLECTOR=$1 BENCH=$2 SCTL=$3
source "$(dirname "$0")/lib.sh"
BOMB_SERIES=${BOMB_SERIES:-500000} BOMB_SECONDS=${BOMB_SECONDS:-60}
PER_AGENT=50000 TOTAL=100000
# What the limits allow to exist: 100,000 series of ~150 bytes in the index
# and head, plus the collector's base (~60 MiB) and gRPC's buffers (64 MiB).
RSS_CAP_MIB=${RSS_CAP_MIB:-512}
LIMITS="ingest:
  max_series_per_agent: $PER_AGENT
  max_new_series_per_agent_per_hour: $PER_AGENT
  max_series: $TOTAL
  grpc_memory_bytes: 67108864"
start_collector "$LIMITS"

good() {  # good agent: 1,000 series, one batch per second, for $1
  bench ingest --agents 1 --series 1000 --rate 1000 --duration "$1"
}
echo "== baseline: the good agent alone for 20 s"
good 20s >"$WORK/baseline.txt" 2>&1 || fail "baseline run failed: $(cat "$WORK/baseline.txt")"
cat "$WORK/baseline.txt"
base_p99=$(sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' "$WORK/baseline.txt")

echo "== the bomb ($BOMB_SERIES series in ${BOMB_SECONDS}s) and the good agent together"
good $((BOMB_SECONDS + 10))s >"$WORK/good.txt" 2>&1 &
good_pid=$!
bench bomb --agent bomb --series "$BOMB_SERIES" --duration "${BOMB_SECONDS}s" >"$WORK/bomb.txt" 2>&1 ||
  fail "bomb client failed: $(cat "$WORK/bomb.txt")"
wait "$good_pid" || fail "the good agent failed: $(cat "$WORK/good.txt")"
cat "$WORK/bomb.txt" "$WORK/good.txt"

# The bomb: stream open to the end, limits hit per point with their reasons.
[ "$(kv "$WORK/bomb.txt" bomb_status)" = 0 ] || fail "the bomb's stream did not end OK"
[ "$(kv "$WORK/bomb.txt" bomb_stream_open_to_end)" = 1 ] || fail "the bomb's stream was closed early"
pass "the bomb's stream stayed open to the end"
stored=$(kv "$WORK/bomb.txt" bomb_points_stored)
[ "$stored" -le "$PER_AGENT" ] || fail "the bomb stored $stored series, over max_series_per_agent $PER_AGENT"
[ "$stored" -ge $((PER_AGENT / 2)) ] || fail "the bomb stored only $stored: limits below the configured ones?"
pass "the bomb stored $stored new series (limit $PER_AGENT)"
for reason in SERIES_LIMIT TOO_MANY_LABELS NAME_TOO_LONG INVALID_LABELS; do
  n=$(kv "$WORK/bomb.txt" "bomb_rejected_$reason")
  [ "${n:-0}" -gt 0 ] || fail "no point rejected with $reason"
  pass "$n points rejected with $reason"
done
# A batch none of whose points may be stored is answered with a Rejection
# (the agent drops it) instead of an Ack: every batch got one or the other.
batches=$(( ($(kv "$WORK/bomb.txt" bomb_series_sent) + 4999) / 5000 ))
answered=$(( $(kv "$WORK/bomb.txt" bomb_batches_acked) + $(kv "$WORK/bomb.txt" bomb_batches_rejected) ))
[ "$answered" = "$batches" ] || fail "$answered of $batches batches answered"

# The good agent lost nothing and was not slowed down.
grep -q "rejected batches: 0  stream errors: 0" "$WORK/good.txt" || fail "the good agent lost batches"
acked=$(sed -n 's/^acked samples: \([0-9]*\).*/\1/p' "$WORK/good.txt")
[ "$acked" -ge $(((BOMB_SECONDS + 10 - 2) * 1000)) ] || fail "the good agent got only $acked samples acked"
p99=$(sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' "$WORK/good.txt")
pass "the good agent: $acked samples acked, none lost"
# Creating the bomb's admitted series is split into commits of
# ingest.max_new_series_per_commit (100) series, so a good batch waits at
# most for one such part.
awk -v p="$p99" -v b="$base_p99" 'BEGIN {exit !(p <= 2 * b)}' ||
  fail "the good agent's ack p99 $p99 ms is over 2x its baseline $base_p99 ms"
pass "the good agent's ack p99 $p99 ms is within 2x its baseline $base_p99 ms"

# Counted per agent and reason, where an operator looks.
sleep 3
counted=$(latest_sum 'scout_collector_samples_rejected_total{agent="bomb",reason="series_limit"}')
[ "${counted%.*}" -gt 0 ] || fail "scout_collector_samples_rejected_total{agent=bomb,reason=series_limit} is $counted"
pass "scout_collector_samples_rejected_total{agent=\"bomb\",reason=\"series_limit\"} = $counted"
grep -q "bomb" "$WORK/collector.log" || fail "the bomb's rejections were not logged"
logged=$(grep -c "max_series_per_agent" "$WORK/collector.log" || true)
[ "$logged" -le 2 ] || fail "the series limit was logged $logged times (once per episode expected)"
pass "the episode was logged $logged time(s)"

peak=$(rss_kib VmHWM)
[ "$peak" -lt $((RSS_CAP_MIB * 1024)) ] || fail "collector peak RSS $((peak / 1024)) MiB over the cap $RSS_CAP_MIB MiB"
pass "collector peak RSS $((peak / 1024)) MiB (cap $RSS_CAP_MIB MiB)"

echo "== restart after the bomb"
stop_collector
start_collector "$LIMITS"
sleep 5
peak=$(rss_kib VmHWM)
[ "$peak" -lt $((RSS_CAP_MIB * 1024)) ] || fail "after a restart: peak RSS $((peak / 1024)) MiB over the cap"
good 5s >"$WORK/after.txt" 2>&1 || fail "the good agent after the restart: $(cat "$WORK/after.txt")"
pass "restarted with peak RSS $((peak / 1024)) MiB; the good agent is served"
