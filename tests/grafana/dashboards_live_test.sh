#!/usr/bin/env bash
# Issue 17's dashboard test: every panel query and template-variable query
# of deploy/grafana/dashboards, variables substituted with real values from
# /api/v1/label/<name>/values, runs against Scout's Prometheus HTTP API as
# query_range over the last 30 minutes and returns data without error
# (dashboards_live.mjs; panels that legitimately stay empty on a test box
# are listed, with the reason, in live_allow_empty.txt).
#
# Against a running collector:
#   dashboards_live_test.sh --url https://HOST:9470 --token-file F --ca F
# (a reader token; --ca the CA of the collector's certificate).
#
# Self-contained (the ctest grafana_dashboards_live):
#   dashboards_live_test.sh COLLECTOR AGENT HTTP_TEST_SERVER
# starts what the dashboards need and stops it by pid: certificates and
# tokens (scripts/gen-certs.sh), a throw-away PostgreSQL 15 with
# pg_stat_statements, the guide's SceneScout tables, an unused index, a
# blocked session and a long query (tests/postgres/pg_cluster.sh; without
# PostgreSQL installed the PostgreSQL panels are allowed empty), a local
# HTTP server to probe, the collector with TLS, tokens, the default rules,
# a webhook receiver and its HTTP listener, and an agent with every host
# plugin, HTTP/HTTPS/TCP probes (kind=api among them), a process group and
# the PostgreSQL target with examples/scenescout-queries.yaml; one request
# with a wrong token (so the auth-failure panel has a series); waits
# LIVE_WAIT seconds (default 150) for rates over $__rate_interval, then runs
# the check with --minutes 30.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
ALLOW="$HERE/live_allow_empty.txt"

if [ "${1:-}" = --url ]; then
  exec node "$HERE/dashboards_live.mjs" --allow "$ALLOW" --minutes 30 "$@"
fi

COLLECTOR=$1 AGENT=$2 HTTP_SERVER=$3
source "$ROOT/tests/e2e/lib.sh"
source "$ROOT/tests/postgres/pg_cluster.sh"
BG=()
stop_all() {
  local pid
  for pid in "${BG[@]}"; do kill "$pid" 2>/dev/null || true; done
  pg_stop
  cleanup
}
trap stop_all EXIT

source "$(dirname "${BASH_SOURCE[0]}")/../common/free_port.sh"

# ---- certificates and tokens: an agent token bound to live-agent, a reader
# token for the dashboards (as Grafana would have).
"$ROOT/scripts/gen-certs.sh" --dir "$WORK/certs" --san 127.0.0.1 --san localhost \
  --agent "live-agent=$WORK/agent.token" --reader "grafana=$WORK/grafana.token" >"$WORK/gen-certs.log"
CA=$WORK/certs/tls/ca.crt

# ---- something to probe
"$HTTP_SERVER" --listen 127.0.0.1:0 --ready-file "$WORK/http.ready" >"$WORK/http.log" 2>&1 &
PIDS+=($!)
wait_for 10 "http test server" test -s "$WORK/http.ready"
WEB=127.0.0.1:$(cat "$WORK/http.ready")

# ---- PostgreSQL with the guide's tables and conditions
POSTGRES_YAML=""
COLLECTORS="cpu, memory, filesystem, load, diskio, network, pressure, processes, probes, agent"
if [ -x "$PG_BIN/initdb" ]; then
  pg_start
  PSQL="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1"
  $PSQL -c "CREATE EXTENSION pg_stat_statements" -c "CREATE DATABASE appdb"
  $PSQL -d appdb <<'SQL'
CREATE TABLE scanned (id int PRIMARY KEY, payload text);
INSERT INTO scanned SELECT g, md5(g::text) FROM generate_series(1, 5000) g;
CREATE INDEX scanned_payload_unused ON scanned (payload);
DELETE FROM scanned WHERE id % 10 = 0;
CREATE TABLE lock_t (id int PRIMARY KEY, v int);
INSERT INTO lock_t VALUES (1, 0);
SELECT count(*) FROM scanned \gset
SQL
  $PSQL <<'SQL'
CREATE TABLE events (source text, created_at timestamptz, ingestion_duration_ms int);
CREATE TABLE ingestion_logs (source text, error_type text, status text, created_at timestamptz);
CREATE TABLE api_logs (source text, response_time_ms int, status text, created_at timestamptz);
INSERT INTO events SELECT 'ticketmaster', now() - g * interval '1 second', 100 FROM generate_series(1, 700) g;
INSERT INTO events SELECT 'eventbrite', now() - g * interval '2 second', 300 FROM generate_series(1, 500) g;
INSERT INTO ingestion_logs VALUES ('eventbrite', 'timeout', 'error', now());
INSERT INTO api_logs SELECT 'eventbrite', 1000, CASE WHEN g <= 9 THEN 'success' ELSE 'error' END, now() FROM generate_series(1, 10) g;
SQL
  # A session holding a row lock (idle in transaction), one blocked on it,
  # and a long query: the "now" tables of the PostgreSQL dashboard.
  mkfifo "$WORK/holder.in"
  $PSQL -d appdb <"$WORK/holder.in" >/dev/null 2>&1 &
  BG+=($!)
  exec 7>"$WORK/holder.in"
  echo "BEGIN; UPDATE lock_t SET v = 1 WHERE id = 1;" >&7
  sleep 0.5
  $PSQL -d appdb -c "UPDATE lock_t SET v = 2 WHERE id = 1" >/dev/null 2>&1 &
  BG+=($!)
  $PSQL -d appdb -c "SELECT pg_sleep(600) /* scout grafana live long query */" >/dev/null 2>&1 &
  BG+=($!)
  export SCOUT_PG_DSN=$PG_DSN
  COLLECTORS="$COLLECTORS, postgres"
  POSTGRES_YAML="postgres:
  targets:
    - name: main
      dsn: \"\${SCOUT_PG_DSN}\"
      interval: 5s
      long_query_threshold: 2s
      allow_superuser: true  # the test cluster's only role is its bootstrap superuser
      queries_file: $ROOT/examples/scenescout-queries.yaml"
else
  echo "note: PostgreSQL 15 not installed: the PostgreSQL panels are allowed empty"
  grep -v '^#' "$ALLOW" >"$WORK/allow.txt"
  echo "scout-postgres | * | PostgreSQL 15 is not installed on this box" >>"$WORK/allow.txt"
  echo "scout-fleet | Avg query time | no PostgreSQL" >>"$WORK/allow.txt"
  echo "scout-fleet | Connection pool usage (peak) | no PostgreSQL" >>"$WORK/allow.txt"
  echo "scout-fleet | Lock wait time (max) | no PostgreSQL" >>"$WORK/allow.txt"
  echo "scout-fleet | Transactions/s | no PostgreSQL" >>"$WORK/allow.txt"
  echo "scout-fleet | Throughput (API calls logged) | no SceneScout database" >>"$WORK/allow.txt"
  echo "scout-fleet | Ingestion rate (events, last hour) | no SceneScout database" >>"$WORK/allow.txt"
  echo "scout-fleet | Data freshness (worst lag) | no SceneScout database" >>"$WORK/allow.txt"
  echo "scout-fleet | Database avg query time | no PostgreSQL" >>"$WORK/allow.txt"
  echo "scout-fleet | Events ingested (last hour) | no SceneScout database" >>"$WORK/allow.txt"
  echo "scout-fleet | Data freshness lag | no SceneScout database" >>"$WORK/allow.txt"
  echo "scout-endpoints | Logged API * | no SceneScout database" >>"$WORK/allow.txt"
  echo "scout-endpoints | Events ingested per source (last hour) | no SceneScout database" >>"$WORK/allow.txt"
  echo "scout-endpoints | Time since last event per source | no SceneScout database" >>"$WORK/allow.txt"
  ALLOW=$WORK/allow.txt
fi

# ---- the collector, HTTPS query API on HTTP_PORT
GRPC_PORT=$(free_port)
HTTP_PORT=$(free_port)
cat >"$WORK/collector.yaml" <<YAML
listen: 127.0.0.1:$GRPC_PORT
tls:
  cert_file: $WORK/certs/tls/tls.crt
  key_file: $WORK/certs/tls/tls.key
  client_auth: none
auth:
  tokens_file: $WORK/certs/tokens/tokens.yaml
storage:
  path: $WORK/scout.db
alerting:
  rules_file: $ROOT/rules/default.yaml
  evaluation_interval: 5s
  startup_grace: 10s
  webhooks:
    - {name: hook, url: "http://$WEB/ok"}
http:
  listen: 127.0.0.1:$HTTP_PORT
YAML
"$COLLECTOR" --config "$WORK/collector.yaml" --ready-file "$WORK/ready" >"$WORK/collector.log" 2>&1 &
PIDS+=($!)
wait_for 30 "collector" test -s "$WORK/ready"
API=https://127.0.0.1:$HTTP_PORT
https_ok() { node -e "
  const https = require('https');
  https.get('$API/-/ready', {ca: require('fs').readFileSync('$CA')}, (r) => process.exit(r.statusCode === 200 ? 0 : 1))
    .on('error', () => process.exit(1));"; }
wait_for 30 "the collector's HTTPS API ($API/-/ready)" https_ok

# ---- the agent
cat >"$WORK/agent.yaml" <<YAML
collector: 127.0.0.1:$GRPC_PORT
tls: {ca_file: $CA}
token_file: $WORK/agent.token
id: live-agent
interval: 5s
collectors: [$COLLECTORS]
spool: {dir: $WORK/spool, fsync: false}
processes:
  groups:
    - {name: scout, comm: "scout-.*"}
probes:
  http:
    - {name: home, url: "http://$WEB/ok", interval: 5s}
    - {name: broken, url: "http://$WEB/status?code=500", interval: 5s}
    - {name: slowpage, url: "http://$WEB/slow?ms=150", interval: 5s, slow_after: 100ms}
    - {name: events-api, url: "http://$WEB/ok", interval: 5s, labels: {kind: api, source: eventbrite}}
    # HTTPS with a certificate: the collector's own port (not verified: the
    # expiry is reported either way).
    - {name: collector-https, url: "$API/-/healthy", interval: 5s, tls_verify: false}
  tcp:
    - {name: web-tcp, host: 127.0.0.1, port: ${WEB##*:}, interval: 5s}
$POSTGRES_YAML
YAML
"$AGENT" --config "$WORK/agent.yaml" >"$WORK/agent.log" 2>&1 &
PIDS+=($!)

# One refused call: scout_collector_auth_failures_total gets a series.
node -e "
  const https = require('https');
  https.get('$API/api/v1/labels', {ca: require('fs').readFileSync('$CA'), headers: {Authorization: 'Bearer wrong'}},
    (r) => process.exit(r.statusCode === 401 ? 0 : 1)).on('error', () => process.exit(1));" ||
  fail "a wrong token was not refused with 401"

WAIT=${LIVE_WAIT:-150}
echo "waiting ${WAIT}s for data (rates need two samples within \$__rate_interval = 1m)"
sleep "$WAIT"
node "$HERE/dashboards_live.mjs" --url "$API" --token-file "$WORK/grafana.token" --ca "$CA" \
  --allow "$ALLOW" --minutes 30 || fail "dashboard queries failed (above)"
pass "every dashboard panel has data or is in the allow list"
