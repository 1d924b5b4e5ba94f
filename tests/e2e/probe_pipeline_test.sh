#!/usr/bin/env bash
# Probes end to end: the agent probes a real local HTTP server and a closed
# TCP port, the results reach the collector, sctl shows them; the auth
# secret reaches the server but never a log; `sctl probe` works one-shot.
COLLECTOR=$1 AGENT=$2 SCTL=$3 HTTP_SERVER=$4
source "$(dirname "$0")/lib.sh"

"$HTTP_SERVER" --listen 127.0.0.1:0 --ready-file "$WORK/http.ready" >"$WORK/http.log" 2>&1 &
PIDS+=($!)
wait_for 10 "http server" test -s "$WORK/http.ready"
WEB=127.0.0.1:$(cat "$WORK/http.ready")
"$COLLECTOR" --listen 127.0.0.1:0 --db "$WORK/scout.db" --ready-file "$WORK/ready" >"$WORK/collector.log" 2>&1 &
PIDS+=($!)
wait_for 20 "collector" test -s "$WORK/ready"
export SCOUT_COLLECTOR=$(cat "$WORK/ready")
export PROBE_TOKEN=s3cret

cat >"$WORK/agent.yaml" <<YAML
collector: $SCOUT_COLLECTOR
id: probe-agent
interval: 1s
collectors: [probes, agent]
spool: {dir: $WORK/spool, fsync: false}
probes:
  http:
    - {name: home, url: "http://$WEB/ok", interval: 1s}
    - {name: broken, url: "http://$WEB/status?code=500", interval: 1s}
    - {name: slowpage, url: "http://$WEB/slow?ms=300", interval: 1s, slow_after: 100ms}
    - name: events-api
      url: "http://$WEB/auth"
      interval: 1s
      headers: {Authorization: "Bearer \${PROBE_TOKEN}"}
      labels: {kind: api, source: eventbrite}
  tcp:
    - {name: closed-port, host: 127.0.0.1, port: 1, interval: 1s}
YAML
"$AGENT" --config "$WORK/agent.yaml" --log-level debug >"$WORK/agent.log" 2>&1 &
PIDS+=($!)

latest() { "$SCTL" latest "$1" -o csv | awk -F, 'NR==2 {print $NF}'; }
has_results() { [ -n "$(latest 'scout_probe_success{probe="closed-port"}')" ]; }
wait_for 30 "probe results at the collector" has_results
sleep 3  # a few more probe rounds
[ "$(latest 'scout_probe_success{probe="home"}')" = 1 ] || fail "home probe not successful"
[ "$(latest 'scout_probe_success{probe="broken"}')" = 0 ] || fail "500 not a failure"
[ "$(latest 'scout_probe_http_status_code{probe="broken"}')" = 500 ] || fail "status code not stored"
[ "$(latest 'scout_probe_success{probe="events-api",kind="api",source="eventbrite"}')" = 1 ] ||
  fail "auth header did not reach the server (or labels missing)"
[ "$(latest 'scout_probe_slow{probe="slowpage"}')" = 1 ] || fail "slow page not flagged"
[ "$(latest 'scout_probe_success{probe="closed-port",protocol="tcp"}')" = 0 ] || fail "closed port not a failure"
refused=$(latest 'scout_probe_failures_total{probe="closed-port",reason="refused"}')
awk -v n="$refused" 'BEGIN{exit !(n >= 2)}' || fail "refused failures not counted ($refused)"
pass "probe results stored: success, status, slow, tcp refused ($refused), labels"

errors=$(grep -c "error .*ERROR: broken returned 500" "$WORK/agent.log" || true)
[ "$errors" -eq 1 ] || fail "the repeating 500 should be logged once at error level, got $errors"
grep -q "warning .*SLOW: slowpage" "$WORK/agent.log" || fail "no SLOW line"
grep -q "error .*FAILED: closed-port" "$WORK/agent.log" || fail "no FAILED line"
pass "log lines like the guide's, once per state change"
if grep -q "s3cret" "$WORK"/agent.log "$WORK"/collector.log; then fail "the secret leaked into a log"; fi
pass "the auth secret appears in no log (debug level)"

out=$("$SCTL" probe "http://$WEB/ok")
expect_contains "$out" "OK 200" "sctl probe prints the result"
expect_contains "$out" "connect" "sctl probe prints the phases"
set +e
"$SCTL" probe "http://$WEB/status?code=503" >/dev/null; code=$?
set -e
[ "$code" -eq 1 ] || fail "sctl probe of a 503 should exit 1, got $code"
pass "sctl probe exits 1 on a failed probe"

table=$("$SCTL" probes)
expect_contains "$table" "home" "sctl probes lists the probes"
echo "$table" | grep -E "^probe-agent +broken +DOWN" >/dev/null || fail "broken probe not DOWN: $table"
echo "$table" | grep -E "^probe-agent +home +UP" >/dev/null || fail "home probe not UP: $table"
json=$("$SCTL" probes -o json)
echo "$json" | tr -d ' \n' | grep -q '"probe":"home","target":"[^"]*","kind":"","last_success":1,.*' ||
  fail "JSON for home not as expected: $json"
home_avail=$(echo "$json" | tr -d ' \n' | sed 's/.*"probe":"home"[^}]*"availability_24h":\([0-9.e-]*\).*/\1/')
broken_avail=$(echo "$json" | tr -d ' \n' | sed 's/.*"probe":"broken"[^}]*"availability_24h":\([0-9.e-]*\).*/\1/')
[ "$home_avail" = 1 ] && [ "$broken_avail" = 0 ] || fail "availability home=$home_avail broken=$broken_avail"
pass "sctl probes: availability 100% for home, 0% for broken; UP/DOWN status"
