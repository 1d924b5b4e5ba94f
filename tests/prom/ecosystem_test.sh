#!/usr/bin/env bash
# Scout in the Prometheus ecosystem (issue 17), with real processes only:
# a collector with TLS and tokens on both ports, an agent, Debian's
# node_exporter, Prometheus 2.42 and promtool.
#  - promtool query instant / range / series / labels against Scout succeed
#    and agree with sctl;
#  - /metrics passes `promtool check metrics` and a real Prometheus scrapes
#    it (up == 1); /-/healthy and /-/ready answer without a token, /metrics
#    does not;
#  - Prometheus remote-writes node_exporter's samples into Scout: the same
#    values on both sides at the same instant;
#  - a wrong token gets 401 and stores nothing; a body that is not snappy
#    gets 400.
#   ecosystem_test.sh COLLECTOR AGENT SCTL
COLLECTOR=$1 AGENT=$2 SCTL=$3
source "$(dirname "$0")/../e2e/lib.sh"
source "$(dirname "$0")/../common/security.sh"
source "$(dirname "$0")/../common/free_port.sh"
for tool in prometheus promtool prometheus-node-exporter node curl; do
  command -v "$tool" >/dev/null || fail "$tool not found (scripts/install-deps.sh installs it)"
done
security_init
DB=$WORK/scout.db
HTTP_PORT=$(free_port) || fail "no free port"

# promtool cannot send a bearer token or a client certificate: the HTTP
# port accepts the token as a basic-auth password, and client certificates
# are optional (tokens identify the caller).
cat >"$WORK/collector.yaml" <<YAML
$(collector_security_yaml request)
http:
  listen: 127.0.0.1:$HTTP_PORT
self_metrics_interval: 1s
YAML
launch_collector --config "$WORK/collector.yaml"
API=https://127.0.0.1:$HTTP_PORT
export SSL_CERT_FILE=$SEC/ca.crt  # what promtool and Prometheus (Go) trust
wait_for 30 "the HTTP port" curl -sf --cacert "$SEC/ca.crt" "$API/-/healthy"
pass "collector: gRPC $ADDR, HTTP $API"

cat >"$WORK/agent.yaml" <<YAML
collector: $ADDR
id: eco-agent
interval: 1s
reconnect_max_backoff: 1s
spool: {dir: $WORK/spool, fsync: false}
$(agent_tls_yaml)
YAML
"$AGENT" --config "$WORK/agent.yaml" >"$WORK/agent.log" 2>&1 &
PIDS+=($!)
read -ra SCTL_TLS <<<"$(client_tls_args)"
sctl() { "$SCTL" --collector "$ADDR" "${SCTL_TLS[@]}" "$@"; }
wait_for 30 "the agent's samples" sh -c "\"$SCTL\" --collector $ADDR ${SCTL_TLS[*]} latest node_load1 | grep -q eco-agent"

# --- health, auth, /metrics -------------------------------------------------
code() { curl -s -o /dev/null -w '%{http_code}' --cacert "$SEC/ca.crt" "$@"; }
[ "$(code "$API/-/healthy")" = 200 ] || fail "/-/healthy"
[ "$(code "$API/-/ready")" = 200 ] || fail "/-/ready"
[ "$(code "$API/metrics")" = 401 ] || fail "/metrics without a token is not 401"
[ "$(code -H "Authorization: Bearer wrong" "$API/api/v1/query?query=up")" = 401 ] ||
  fail "a wrong token is not 401"
[ "$(code -H "Authorization: Bearer $TOKEN_AGENT" "$API/api/v1/query?query=up")" = 403 ] ||
  fail "the agent token may query"
pass "health answers without a token; /metrics and the API want the right one"
curl -sf --cacert "$SEC/ca.crt" -H "Authorization: Bearer $TOKEN_READER" "$API/metrics" >"$WORK/metrics.txt" ||
  fail "GET /metrics"
promtool check metrics <"$WORK/metrics.txt" >"$WORK/check.txt" 2>&1 || fail "promtool check metrics: $(cat "$WORK/check.txt")"
grep -q '^scout_collector_batches_received_total' "$WORK/metrics.txt" || fail "/metrics lacks the ingest counters"
pass "/metrics passes promtool check metrics ($(grep -vc '^#' "$WORK/metrics.txt") samples)"

# --- promtool against Scout, compared with sctl -----------------------------
PROM_URL=https://reader:$TOKEN_READER@127.0.0.1:$HTTP_PORT
json_value() {  # the value of the only element of an instant-query JSON array
  node -e 'const r=JSON.parse(require("fs").readFileSync(0,"utf8")); if (r.length!==1) {console.error(JSON.stringify(r)); process.exit(1)} console.log(r[0].value[1])'
}
t=$(date +%s)
total=$(promtool query instant -o json --time="$t" "$PROM_URL" 'node_memory_MemTotal_bytes{host="eco-agent"}' | json_value) ||
  fail "promtool query instant"
want=$(sctl latest 'node_memory_MemTotal_bytes{host="eco-agent"}' -o json |
  node -e 'const j=JSON.parse(require("fs").readFileSync(0,"utf8")); const r=Array.isArray(j)?j:j.series; console.log(r[0].value ?? r[0].points[0].value)')
[ "$total" = "$want" ] || fail "promtool says MemTotal $total, sctl $want"
pass "promtool query instant agrees with sctl: MemTotal $total"

# A 20 s range that ended 15 s ago: committed on both sides even when the
# agent's cycles run late on a loaded machine.
sleep 37
t=$(date +%s)
start=$((t - 35)) end=$((t - 15))
promtool query range -o json --start="$start" --end="$end" --step=1s "$PROM_URL" \
  'node_load1{host="eco-agent"}' >"$WORK/range.json" || fail "promtool query range"
sctl query 'node_load1{host="eco-agent"}' --start "$((start * 1000))" --end "$((end * 1000))" \
  --step 1s --agg last -o csv >"$WORK/range.csv" || fail "sctl query"
node - "$WORK/range.json" "$WORK/range.csv" <<'JS' || fail "query_range and sctl disagree"
const fs = require("fs");
const m = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
if (m.length !== 1) { console.error("series: " + m.length); process.exit(1); }
const raw = new Map();
for (const line of fs.readFileSync(process.argv[3], "utf8").trim().split("\n").slice(1)) {
  const cells = line.split(",");  // series, timestamp_ms, time, value
  raw.set(Math.round(Number(cells[cells.length - 3]) / 1000), Number(cells[cells.length - 1]));
}
let checked = 0;
for (const [ts, v] of m[0].values) {  // each step's newest point at or before it (1 s buckets)
  let best = -Infinity;
  for (const t of raw.keys()) if (t <= ts && t > best) best = t;
  if (best === -Infinity) continue;
  if (Number(v) !== raw.get(best)) { console.error(`at ${ts}: ${v} vs ${raw.get(best)}`); process.exit(1); }
  checked++;
}
if (checked < 10) { console.error("only " + checked + " steps compared"); process.exit(1); }
console.log("steps compared: " + checked);
JS
pass "promtool query range agrees with sctl's raw points"
promtool query series --match='node_load1' "$PROM_URL" | grep -q 'host="eco-agent"' || fail "promtool query series"
labels=$(promtool query labels "$PROM_URL" host 2>&1) || fail "promtool query labels: $labels"
grep -q eco-agent <<<"$labels" || fail "promtool query labels host: $labels"
pass "promtool query series and labels"

# --- a real Prometheus: scrapes Scout's /metrics, remote-writes into Scout ---
NODE_PORT=$(free_port) PROM_PORT=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$NODE_PORT" >"$WORK/node.log" 2>&1 &
PIDS+=($!)
cat >"$WORK/prometheus.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: scout
    scheme: https
    authorization: {credentials_file: $SEC/reader.token}
    tls_config: {ca_file: $SEC/ca.crt, server_name: localhost}
    static_configs: [{targets: ["127.0.0.1:$HTTP_PORT"]}]
  - job_name: node
    static_configs: [{targets: ["127.0.0.1:$NODE_PORT"]}]
remote_write:
  - url: $API/api/v1/write
    authorization: {credentials_file: $SEC/agent.token}
    tls_config: {ca_file: $SEC/ca.crt, server_name: localhost}
    queue_config: {batch_send_deadline: 1s}
    write_relabel_configs: [{source_labels: [job], regex: node, action: keep}]
YAML
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom" \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$WORK/prometheus.log" 2>&1 &
PIDS+=($!)
PROM=http://127.0.0.1:$PROM_PORT
up() { curl -sf "$PROM/api/v1/query" --data-urlencode "query=up{job=\"$1\"}" | grep -q '"value":\[[0-9.]*,"1"\]'; }
wait_for 60 "Prometheus scraping Scout's /metrics" up scout
pass "a real Prometheus scrapes Scout's /metrics: up == 1"
wait_for 60 "Prometheus scraping node_exporter" up node

has_remote() { promtool query instant "$PROM_URL" 'node_load1{job="node"}' 2>/dev/null | grep -q node; }
wait_for 60 "node_exporter's samples remote-written into Scout" has_remote
sleep 5
t=$(( $(date +%s) - 3 ))
for expr in 'node_load1{job="node"}' 'node_memory_MemTotal_bytes{job="node"}' \
            'sum(node_cpu_seconds_total{job="node",mode="idle"})'; do
  a=$(promtool query instant -o json --time="$t" "$PROM" "$expr" | json_value) || fail "Prometheus: $expr"
  b=$(promtool query instant -o json --time="$t" "$PROM_URL" "$expr" | json_value) || fail "Scout: $expr"
  [ "$a" = "$b" ] || fail "$expr at $t: Prometheus $a, Scout $b"
  pass "$expr at $t: Prometheus and Scout both say $b"
done

# --- remote write refusals --------------------------------------------------
# A valid remote-write 1.0 body made here: protobuf by hand, snappy as
# literals only (a valid snappy block), so nothing else decides what is sent.
cat >"$WORK/rw.js" <<'JS'
const varint = (n) => { const b = []; n = BigInt(n); while (n >= 128n) { b.push(Number(n & 127n) | 128); n >>= 7n; } b.push(Number(n)); return Buffer.from(b); };
const field = (no, bytes) => Buffer.concat([varint(no << 3 | 2), varint(bytes.length), bytes]);
const label = (n, v) => field(1, Buffer.concat([field(1, Buffer.from(n)), field(2, Buffer.from(v))]));
const value = Buffer.alloc(9); value[0] = 1 << 3 | 1; value.writeDoubleLE(Number(process.argv[3]), 1);
const sample = field(2, Buffer.concat([value, varint(2 << 3), varint(Date.now())]));
const series = field(1, Buffer.concat([label("__name__", process.argv[2]), label("job", "eco"), sample]));
const chunks = [varint(series.length)];
for (let i = 0; i < series.length; i += 60) {
  const part = series.subarray(i, i + 60);
  chunks.push(Buffer.from([(part.length - 1) << 2]), part);
}
process.stdout.write(Buffer.concat(chunks));
JS
node "$WORK/rw.js" eco_remote_probe 42 >"$WORK/valid.bin"
printf 'not snappy' >"$WORK/garbage"
post() {  # post TOKEN FILE -> HTTP code
  curl -s -o "$WORK/post.out" -w '%{http_code}' --cacert "$SEC/ca.crt" -H "Authorization: Bearer $1" \
    -H 'Content-Encoding: snappy' -H 'Content-Type: application/x-protobuf' \
    -H 'X-Prometheus-Remote-Write-Version: 0.1.0' --data-binary "@$2" "$API/api/v1/write"
}
stored() { promtool query series --match=eco_remote_probe "$PROM_URL" | grep -c eco_remote_probe; }
[ "$(post wrong "$WORK/valid.bin")" = 401 ] || fail "remote write with a wrong token: $(cat "$WORK/post.out")"
[ "$(post "$TOKEN_READER" "$WORK/valid.bin")" = 403 ] || fail "remote write with a reader token"
[ "$(stored)" = 0 ] || fail "a refused remote write was stored"
[ "$(post "$TOKEN_AGENT" "$WORK/garbage")" = 400 ] || fail "a body that is not snappy: $(cat "$WORK/post.out")"
pass "remote write: wrong token 401, reader 403 (nothing stored), not snappy 400"
code=$(post "$TOKEN_AGENT" "$WORK/valid.bin")
[ "$code" = 204 ] || [ "$code" = 200 ] || fail "a valid remote write got $code: $(cat "$WORK/post.out")"
[ "$(stored)" = 1 ] || fail "the valid remote write is not stored"
v=$(promtool query instant -o json "$PROM_URL" eco_remote_probe | json_value)
[ "$v" = 42 ] || fail "eco_remote_probe is $v"
pass "the same body with the agent token: $code, stored, value 42"
echo "PASS"
