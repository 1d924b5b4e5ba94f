#!/usr/bin/env bash
# Query limits (issue 16): 14 days of 200 series at 1 min (4 million
# samples), then
#  - 15 days at a 3,600,001 ms step (no rollup fits) with a 2^32-1 series
#    limit -> RESOURCE_EXHAUSTED within the deadline, RSS grows < 64 MiB;
#  - alert evaluation (every 1 s) keeps its interval while queries run;
#  - more queries at once than max_concurrent -> the excess is refused.
#   query_limits_test.sh COLLECTOR BENCH SCTL
COLLECTOR=$1 BENCH=$2 SCTL=$3
source "$(dirname "$0")/lib.sh"
cat >"$WORK/rules.yaml" <<'YAML'
rules:
  - name: BackfillPresent
    expr: count(backfill_value) > 0
    for: 0s
    labels: {severity: info}
    annotations: {summary: "backfill present"}
YAML
start_collector "query:
  timeout: 30s
  max_samples: 2000000
  max_concurrent: 4
alerting:
  rules_file: $WORK/rules.yaml
  evaluation_interval: 1s"
echo "== backfill: 200 series x 14 days at 60 s"
bench backfill --series 200 --span 14d --interval 60s >"$WORK/backfill.txt" 2>&1 ||
  fail "backfill failed: $(cat "$WORK/backfill.txt")"
cat "$WORK/backfill.txt"
sleep 3

BENCH_TOKEN=$SEC/reader.token  # the queries below, as a reader
echo "== the hostile query"
before=$(rss_kib)
max_rss_while bench querystorm --range 15d --step-ms 3600001 --series-limit 4294967295 >"$WORK/bomb.txt" 2>&1
cat "$WORK/bomb.txt"
[ "$(kv "$WORK/bomb.txt" query_status_8)" = 1 ] || fail "expected RESOURCE_EXHAUSTED"
grep -q "query_message_8=.*max_samples" "$WORK/bomb.txt" || fail "the refusal does not name the limit"
ms=$(kv "$WORK/bomb.txt" query_max_ms)
awk -v m="$ms" 'BEGIN {exit !(m < 30000)}' || fail "refused after $ms ms, not within the 30 s deadline"
growth=$(((RSS_MAX - before) / 1024))
[ "$growth" -lt 64 ] || fail "RSS grew by $growth MiB during the query"
pass "RESOURCE_EXHAUSTED after $ms ms naming max_samples; RSS grew by $growth MiB"

echo "== alert evaluation while queries run"
evals() { latest_sum 'scout_collector_rule_evaluations_total'; }
e0=$(evals)
t0=$SECONDS
bench querystorm --range 14d --step-ms 3600001 --series-regex '[0-9]|[1-4][0-9]' --parallel 4 --rounds 20 \
  >"$WORK/storm.txt" 2>&1 &
storm_pid=$!
sleep 12
e1=$(evals)
t1=$SECONDS
wait "$storm_pid" || true
cat "$WORK/storm.txt"
[ -n "$(kv "$WORK/storm.txt" query_status_0)" ] || fail "no query of the storm succeeded"
cycles=$(awk -v a="$e0" -v b="$e1" 'BEGIN {print int(b - a)}')
[ "$cycles" -ge $(((t1 - t0) * 6 / 10)) ] || fail "only $cycles rule evaluations in $((t1 - t0)) s at a 1 s interval"
pass "$cycles rule evaluations in $((t1 - t0)) s while 4 queries ran back to back"

echo "== more queries at once than max_concurrent (4)"
bench querystorm --range 14d --step-ms 3600001 --series-regex '[0-9]|[1-4][0-9]' --parallel 12 --rounds 2 \
  >"$WORK/conc.txt" 2>&1
cat "$WORK/conc.txt"
[ -n "$(kv "$WORK/conc.txt" query_status_0)" ] || fail "no query succeeded"
[ -n "$(kv "$WORK/conc.txt" query_status_8)" ] || fail "no query was refused over max_concurrent"
grep -q "query_message_8=.*concurren" "$WORK/conc.txt" || fail "the refusal does not name the concurrency limit"
pass "$(kv "$WORK/conc.txt" query_status_8) of 24 refused at once over max_concurrent, $(kv "$WORK/conc.txt" query_status_0) answered"
refused=$(latest_sum 'scout_collector_queries_refused_total{reason="concurrency"}')
sleep 2
refused=$(latest_sum 'scout_collector_queries_refused_total{reason="concurrency"}')
[ "${refused%.*}" -gt 0 ] || fail "scout_collector_queries_refused_total{reason=concurrency} is $refused"
pass "counted: scout_collector_queries_refused_total{reason=\"concurrency\"} = $refused"
