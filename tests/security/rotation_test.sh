#!/usr/bin/env bash
# Certificate rotation under load (issue 15): an agent streams 10,000
# samples/s over TLS while the collector's server certificate (now from a
# new CA) and its client-CA bundle are replaced on disk. New connections
# must see the new certificate within the reload interval, the open stream
# must keep going (one connection for the whole run) and every sample must
# be stored exactly once (scout-bench verify: 0 missing, 0 duplicates).
#   rotation_test.sh COLLECTOR AGENT BENCH TOOLS_DIR
COLLECTOR=$1 AGENT=$2 BENCH=$3
source "$(dirname "$0")/lib.sh" "$4"
security_init
DB=$WORK/scout.db
SERIES=10000 SAMPLES=${ROTATION_SAMPLES:-40}
RELOAD_S=1

# What the collector reads; replaced below by rename, as cert-manager's
# kubelet secret update (atomic symlink swap) and cron jobs do.
TLS_DIR=$WORK/tls
mkdir -p "$TLS_DIR"
cp "$SEC/server.crt" "$TLS_DIR/tls.crt"
cp "$SEC/server.key" "$TLS_DIR/tls.key"
cp "$SEC/ca.crt" "$TLS_DIR/clients-ca.crt"
cat >"$WORK/collector.yaml" <<YAML
tls:
  cert_file: $TLS_DIR/tls.crt
  key_file: $TLS_DIR/tls.key
  client_ca_file: $TLS_DIR/clients-ca.crt
  client_auth: require
  reload_interval: ${RELOAD_S}s
auth:
  tokens_file: $SEC/tokens.yaml
YAML
launch_collector --config "$WORK/collector.yaml"

# Clients trust both CAs during the rotation (the trust bundle is rolled out first).
cat "$SEC/ca.crt" "$SEC/ca2.crt" >"$WORK/trust.crt"
export AGENT_CA=$WORK/trust.crt CLIENT_CA=$WORK/trust.crt
cat >"$WORK/agent.yaml" <<YAML
collector: $ADDR
id: node-1
interval: 1s
collectors: [synthetic]
synthetic: {series: $SERIES, samples: $SAMPLES}
reconnect_max_backoff: 2s
spool: {dir: $WORK/spool, fsync: false}
$(agent_tls_yaml)
YAML
"$AGENT" --config "$WORK/agent.yaml" >"$WORK/agent.log" 2>&1 &
AGENT_PID=$!
PIDS+=("$AGENT_PID")

issuer() {  # the issuer CN a new TLS connection sees
  echo | timeout 5 openssl s_client -connect "$ADDR" -alpn h2 -CAfile "$WORK/trust.crt" \
    -cert "$SEC/client-node-1.crt" -key "$SEC/client-node-1.key" 2>/dev/null |
    openssl x509 -noout -issuer 2>/dev/null || true
}
expect_contains "$(issuer)" "Scout Test CA" "before: the server certificate is from the first CA"
sleep 12

echo "== rotating the server certificate and the client-CA bundle"
cp "$SEC/server-ca2.crt" "$TLS_DIR/tls.crt.new"
cp "$SEC/server-ca2.key" "$TLS_DIR/tls.key.new"
cat "$SEC/ca2.crt" "$SEC/ca.crt" >"$TLS_DIR/clients-ca.crt.new"
mv "$TLS_DIR/tls.key.new" "$TLS_DIR/tls.key"
mv "$TLS_DIR/tls.crt.new" "$TLS_DIR/tls.crt"
mv "$TLS_DIR/clients-ca.crt.new" "$TLS_DIR/clients-ca.crt"
rotated_at=$SECONDS
until issuer | grep -q "Scout Test CA 2"; do
  [ $((SECONDS - rotated_at)) -le $((RELOAD_S + 5)) ] || fail "new connections still see the old certificate after $((SECONDS - rotated_at)) s"
  sleep 0.2
done
pass "new connections see the new certificate $((SECONDS - rotated_at)) s after the files changed (reload interval ${RELOAD_S} s)"
expect_code "$(call --ca "$SEC/ca2.crt" --server-name localhost --cert "$SEC/client-reader.crt" \
  --key "$SEC/client-reader.key" --token "$TOKEN_READER" --call list-agents)" OK \
  "a client trusting only the new CA connects"

read -ra BENCH_TLS <<<"$(client_tls_args)"
deadline=$((SECONDS + 180))
until "$BENCH" --collector "$ADDR" "${BENCH_TLS[@]}" verify --host node-1 --series $SERIES \
      --samples $SAMPLES --window 2h >"$WORK/verify.out" 2>&1; do
  [ $SECONDS -lt $deadline ] || { cat "$WORK/verify.out" >&2; fail "stored data not exact"; }
  sleep 2
done
pass "$(cat "$WORK/verify.out")"
connects=$(grep -c "agent node-1 connected" "$WORK/collector.log" || true)
[ "$connects" -eq 1 ] || fail "the agent's stream was re-established $((connects - 1)) time(s) during the rotation"
pass "the agent's stream stayed open through the rotation (1 connection)"
