#!/usr/bin/env bash
# Reports end to end with real processes: a collector with an agent writing
# a day of data... is not possible in a test's minutes, so the collector is
# fed by the agent for a few seconds, then:
#   - `sctl report daily` for today renders HTML/Markdown/JSON through the
#     collector's Reports service (format from -o's extension or --format),
#   - the scheduler writes yesterday's and last week's reports into the
#     reports directory at start (catching up), `sctl report list` shows
#     them, `sctl report get` returns one byte for byte,
#   - usage errors (bad --date, format contradicting -o) exit 2 before
#     contacting the collector.
COLLECTOR=$1 AGENT=$2 SCTL=$3
source "$(dirname "$0")/../e2e/lib.sh"

cat >"$WORK/collector.yaml" <<YAML
reports:
  dir: reports
  timezone: Europe/Berlin
  daily_at: "00:00"
  weekly_at: "00:00"
  formats: [html, json]
YAML
"$COLLECTOR" --config "$WORK/collector.yaml" --listen 127.0.0.1:0 --db "$WORK/scout.db" \
  --ready-file "$WORK/ready" >"$WORK/collector.log" 2>&1 &
PIDS+=($!)
wait_for 20 "collector" test -s "$WORK/ready"
export SCOUT_COLLECTOR=$(cat "$WORK/ready")
"$AGENT" --collector "$SCOUT_COLLECTOR" --id report-host --interval 1s --spool-dir "$WORK/spool" \
  >"$WORK/agent.log" 2>&1 &
PIDS+=($!)
has_cpu() { [ -n "$("$SCTL" latest 'node_cpu_usage_ratio{host="report-host"}' -o csv | awk -F, 'NR==2')" ]; }
wait_for 20 "agent data" has_cpu
sleep 3

today=$(TZ=Europe/Berlin date +%F)
"$SCTL" report daily --date "$today" -o "$WORK/today.html" 2>"$WORK/sctl.err" || fail "sctl report daily failed: $(cat "$WORK/sctl.err")"
grep -q "wrote daily report $today (Europe/Berlin" "$WORK/sctl.err" || fail "no confirmation: $(cat "$WORK/sctl.err")"
html=$(cat "$WORK/today.html")
expect_contains "$html" "<svg" "the HTML report has inline SVG charts"
expect_contains "$html" "report-host" "the HTML report lists the agent's host"
if grep -qE '<(script|link)[^>]+(src|href)="https?:' "$WORK/today.html"; then fail "the HTML report loads external assets"; fi
pass "self-contained HTML ($(wc -c <"$WORK/today.html") bytes)"
"$SCTL" report daily --date "$today" --format json >"$WORK/today.json" || fail "json report failed"
expect_contains "$(cat "$WORK/today.json")" '"report-host"' "JSON report to stdout"
"$SCTL" report daily --date "$today" -o "$WORK/today.md" || fail "md report failed"
head -c 200 "$WORK/today.md" | grep -q "^#" || fail "the Markdown report does not start with a heading"
pass "Markdown picked from the .md extension"

set +e
"$SCTL" report daily --date 2026-13-45x >/dev/null 2>"$WORK/err1"; c1=$?
"$SCTL" report daily --format md -o "$WORK/x.html" >/dev/null 2>"$WORK/err2"; c2=$?
"$SCTL" report weekly --week 2026-48 >/dev/null 2>"$WORK/err3"; c3=$?
set -e
[ "$c1" = 2 ] && [ "$c2" = 2 ] && [ "$c3" = 2 ] || fail "usage errors exit $c1 $c2 $c3, want 2: $(cat "$WORK"/err*)"
pass "bad --date / --week / format-vs-extension are usage errors (exit 2)"

# The scheduler caught up at start: yesterday's and last week's reports.
yesterday=$(TZ=Europe/Berlin date -d yesterday +%F)
has_reports() { [ -s "$WORK/reports/daily-$yesterday.html" ] && [ -s "$WORK/reports/daily-$yesterday.json" ] && ls "$WORK"/reports/weekly-*.html >/dev/null 2>&1; }
wait_for 60 "scheduled reports in the reports directory" has_reports
list=$("$SCTL" report list)
expect_contains "$list" "daily-$yesterday.html" "sctl report list shows the scheduled daily report"
expect_contains "$list" "weekly-" "... and the weekly one"
"$SCTL" report get "daily-$yesterday.json" -o "$WORK/got.json" || fail "report get failed"
cmp -s "$WORK/got.json" "$WORK/reports/daily-$yesterday.json" || fail "report get differs from the file"
pass "sctl report get returns the file byte for byte"
set +e
"$SCTL" report get ../scout.db >/dev/null 2>&1; c=$?
set -e
[ "$c" = 1 ] || fail "report get ../scout.db exited $c, want 1 (not found)"
pass "report get serves only report files from the reports directory"
