#!/usr/bin/env bash
# Alerting end to end with real processes: an agent probes a web server
# through a proxy; partitioning the proxy makes the probe fail, the
# collector's rule goes pending -> firing, a real Alertmanager 0.25 shows the
# alert through its own API; healing the proxy resolves it and Alertmanager
# drops it. Also: --check-rules on the shipped rules and on a broken file,
# and the collector re-reading an edited rules file without a restart.
COLLECTOR=$1 AGENT=$2 SCTL=$3 HTTP_SERVER=$4 PROXY=$5
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../e2e/lib.sh"
source "$HERE/alertmanager_harness.sh"
trap 'am_stop; cleanup' EXIT

# --- rules files are checked without starting anything ---------------------
out=$("$COLLECTOR" --check-rules "$HERE/../../rules/default.yaml") || fail "rules/default.yaml rejected"
expect_contains "$out" "rules OK" "rules/default.yaml passes --check-rules ($out)"
# Every metric the shipped rules read exists (is documented); a typo'd name
# or a rule on a metric we never emit would silently never fire.
missing=""
for m in $(grep 'expr:' "$HERE/../../rules/default.yaml" | grep -oE '\b(node|scout|scenescout)_[a-z0-9_]+' | sort -u); do
  grep -q "\`$m\`" "$HERE/../../docs/metrics.md" || missing="$missing $m"
done
[ -z "$missing" ] || fail "rules/default.yaml reads metrics not in docs/metrics.md:$missing"
pass "every metric in rules/default.yaml is a documented metric"
printf 'rules:\n  - name: Broken\n    expr: avg_over_time(cpu[5m] > 0.7\n' >"$WORK/broken.yaml"
set +e
err=$("$COLLECTOR" --check-rules "$WORK/broken.yaml" 2>&1); code=$?
set -e
[ "$code" = 2 ] || fail "--check-rules on a broken file exited $code, want 2"
expect_contains "$err" "broken.yaml:3:11: key 'rules[0].expr': column" "a broken rule names file:line:col, key and column"

# --- the pipeline ------------------------------------------------------------
am_start
"$HTTP_SERVER" --listen 127.0.0.1:0 --ready-file "$WORK/http.ready" >"$WORK/http.log" 2>&1 &
PIDS+=($!)
wait_for 10 "http server" test -s "$WORK/http.ready"
"$PROXY" --listen 127.0.0.1:0 --target "127.0.0.1:$(cat "$WORK/http.ready")" \
  --ready-file "$WORK/proxy.ready" >"$WORK/proxy.log" 2>&1 &
PROXY_PID=$!
PIDS+=($PROXY_PID)
wait_for 10 "proxy" test -s "$WORK/proxy.ready"
WEB=$(cat "$WORK/proxy.ready")
case "$WEB" in *:*) ;; *) WEB=127.0.0.1:$WEB ;; esac

cat >"$WORK/rules.yaml" <<'YAML'
rules:
  - name: EndpointDown
    expr: scout_probe_success{protocol="http"} == 0
    for: 2s
    labels: {severity: critical, team: web}
    annotations:
      summary: "{{ $labels.probe }} is down (probe from {{ $labels.host }})"
YAML
cat >"$WORK/collector.yaml" <<YAML
alerting:
  rules_file: rules.yaml
  evaluation_interval: 500ms
  resend_interval: 2s
  resolved_retention: 10s
  startup_grace: 0s
  external_url: http://scout.example/
  alertmanagers: [{name: am, url: "$AM_URL", timeout: 2s}]
YAML
"$COLLECTOR" --config "$WORK/collector.yaml" --listen 127.0.0.1:0 --db "$WORK/scout.db" \
  --ready-file "$WORK/ready" >"$WORK/collector.log" 2>&1 &
PIDS+=($!)
wait_for 20 "collector" test -s "$WORK/ready"
export SCOUT_COLLECTOR=$(cat "$WORK/ready")
cat >"$WORK/agent.yaml" <<YAML
collector: $SCOUT_COLLECTOR
id: web-agent
interval: 1s
collectors: [probes]
spool: {dir: $WORK/spool, fsync: false}
probes:
  http:
    - {name: home, url: "http://$WEB/ok", interval: 1s, timeout: 700ms}
YAML
"$AGENT" --config "$WORK/agent.yaml" >"$WORK/agent.log" 2>&1 &
PIDS+=($!)

probe_ok() { [ "$("$SCTL" latest 'scout_probe_success{probe="home"}' -o csv 2>/dev/null | awk -F, 'NR==2 {print $NF}')" = 1 ]; }
wait_for 20 "the probe succeeds" probe_ok
am_alerts() { curl -s "$AM_URL/api/v2/alerts?active=true&silenced=true&inhibited=true"; }
sleep 2
[ "$(am_alerts)" = "[]" ] || fail "Alertmanager has alerts before any failure: $(am_alerts)"
pass "healthy: no alert in Alertmanager"

kill -USR1 "$PROXY_PID"   # partition: the probe times out
am_has_alert() { am_alerts | grep -q '"alertname":"EndpointDown"'; }
wait_for 30 "EndpointDown in Alertmanager" am_has_alert
alerts=$(am_alerts)
expect_contains "$alerts" '"summary":"home is down (probe from web-agent)"' "annotation templated with the series' labels"
expect_contains "$alerts" '"severity":"critical"' "rule labels sent"
expect_contains "$alerts" '"probe":"home"' "series labels sent"
expect_contains "$alerts" '"generatorURL":"http://scout.example/' "generatorURL from external_url"
grep -q "alert EndpointDown .* inactive -> pending" "$WORK/collector.log" || fail "no pending transition logged"
grep -q "alert EndpointDown .* pending -> firing" "$WORK/collector.log" || fail "no firing transition logged"
pass "pending then firing (for: 2s) logged by the collector"

kill -USR2 "$PROXY_PID"   # heal
am_no_alert() { ! am_has_alert; }
wait_for 30 "Alertmanager drops the resolved alert" am_no_alert
grep -q "alert EndpointDown .* firing -> resolved" "$WORK/collector.log" || fail "no resolved transition logged"
pass "resolved: Alertmanager no longer lists it"

# --- an edited rules file is picked up without a restart ---------------------
cat >>"$WORK/rules.yaml" <<'YAML'
  - name: AlwaysOn
    expr: scout_probe_success{probe="home"} >= 0
    labels: {severity: info}
YAML
am_has_always() { am_alerts | grep -q '"alertname":"AlwaysOn"'; }
wait_for 20 "the added rule fires without a restart" am_has_always
pass "edited rules file re-read: the new rule fired"
echo 'rules: [ {name: Oops, expr: "(("} ]' >"$WORK/rules.yaml"
wait_for 10 "the reload error is logged" grep -q "rules file not reloaded, keeping the 2 previous rules" "$WORK/collector.log"
sleep 2
am_has_always || fail "a broken rules file stopped the old rules"
pass "a broken edit keeps the previous rules running"
