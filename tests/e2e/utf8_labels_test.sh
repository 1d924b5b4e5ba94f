#!/usr/bin/env bash
# Invalid UTF-8 end to end: the agent reads a fixture /proc whose process 100
# is called "node\xc3" (a name cut inside a character) and whose mount table
# has "/mnt/\xffdisk". Both arrive at a real collector repaired with U+FFFD
# ("node\uFFFD"), the rest of the cycle arrives too, nothing is rejected, and
# scout_agent_labels_sanitized_total counts the repairs.
COLLECTOR=$1 AGENT=$2 SCTL=$3
source "$(dirname "$0")/lib.sh"
FIXTURE=$(cd "$(dirname "$0")/../fixtures/proc/utf8_labels" && pwd)

"$COLLECTOR" --listen 127.0.0.1:0 --db "$WORK/scout.db" --ready-file "$WORK/ready" >"$WORK/collector.log" 2>&1 &
PIDS+=($!)
wait_for 20 "collector" test -s "$WORK/ready"
export SCOUT_COLLECTOR=$(cat "$WORK/ready")

# Only the process plugin reads the fixture, so exactly one bad string per
# cycle; the filesystem plugin is checked through --test below.
cat >"$WORK/agent.yaml" <<YAML
collector: $SCOUT_COLLECTOR
id: utf8-agent
interval: 1s
collectors: [processes, agent]
host: {proc: $FIXTURE}
spool: {dir: $WORK/spool, fsync: false}
YAML
"$AGENT" --config "$WORK/agent.yaml" >"$WORK/agent.log" 2>&1 &
PIDS+=($!)

FFFD=$'\xef\xbf\xbd'
latest() { "$SCTL" latest "$1" -o csv | awk -F, 'NR==2 {print $NF}'; }
has_sanitised() { [ -n "$(latest "scout_process_threads{name=\"node$FFFD\"}")" ]; }
wait_for 30 "the repaired process name at the collector" has_sanitised
pass "node\\xc3 arrives as node\\uFFFD"
[ -n "$(latest 'scout_process_threads{name="systemd"}')" ] || fail "the rest of the cycle is missing"
[ -n "$(latest 'node_processes')" ] || fail "node_processes missing"
pass "the rest of the cycle arrived"

has_count() { [ -n "$(latest 'scout_agent_labels_sanitized_total')" ] && [ "$(latest 'scout_agent_labels_sanitized_total')" != 0 ]; }
wait_for 30 "the sanitised counter" has_count
# The agent reports its counters as of the previous cycle: the first
# non-zero value is that of one cycle, 1 (one name on several series).
first=$("$SCTL" query 'scout_agent_labels_sanitized_total' --since 10m --step 1s --agg min -o csv 2>/dev/null |
        awk -F, 'NR>1 && $NF+0 > 0 {print $NF; exit}')
[ "$first" = 1 ] || fail "first non-zero scout_agent_labels_sanitized_total is '$first', want 1"
pass "scout_agent_labels_sanitized_total counts 1 per cycle"
rejected=$(latest 'scout_agent_samples_rejected_total')
[ "$rejected" = 0 ] || fail "the collector rejected $rejected samples"
[ "$(latest 'scout_agent_spool_dropped_batches_total')" = 0 ] || fail "the spool dropped batches"
pass "nothing rejected or dropped"

# The filesystem plugin over the same fixture: the stray byte is repaired.
out=$("$AGENT" --test --id t --config <(printf 'collectors: [filesystem]\nhost: {proc: %s}\n' "$FIXTURE"))
expect_contains "$out" "mountpoint=\"/mnt/${FFFD}disk\"" "--test shows /mnt/\\xffdisk repaired"
