#!/usr/bin/env bash
# The connection and role matrices (issue 15), against a real collector with
# TLS (client certificates required) and a tokens file, called by an
# independent gRPC client (grpc-js) so every status code is checked exactly,
# by openssl s_client for the protocol version, and by the real agent and
# sctl. Only a valid certificate with a valid token may store anything:
# after each refused case the database itself is checked, not just the code.
#   connection_matrix_test.sh COLLECTOR AGENT SCTL TOOLS_DIR
COLLECTOR=$1 AGENT=$2 SCTL=$3
source "$(dirname "$0")/lib.sh" "$4"
security_init
DB=$WORK/scout.db

echo "== start-up refusals"
if "$COLLECTOR" --listen 0.0.0.0:0 --db "$WORK/refused.db" >"$WORK/refused.out" 2>&1; then
  fail "collector served plaintext on 0.0.0.0 without insecure: true"
fi
expect_contains "$(cat "$WORK/refused.out")" "insecure" "plaintext on a non-local address is refused"
if "$COLLECTOR" --listen 0.0.0.0:0 --db "$WORK/refused.db" --tls-cert "$SEC/server.crt" \
     --tls-key "$SEC/server.key" >"$WORK/refused2.out" 2>&1; then
  fail "collector ran without authentication on 0.0.0.0"
fi
expect_contains "$(cat "$WORK/refused2.out")" "auth" "no authentication on a non-local address is refused"

start_tls_collector
TLS=(--ca "$SEC/ca.crt" --server-name localhost)
NODE1=(--cert "$SEC/client-node-1.crt" --key "$SEC/client-node-1.key")
nothing_stored() {
  local n
  n=$(db_count "SELECT (SELECT count(*) FROM series) + (SELECT count(*) FROM agents) + (SELECT count(*) FROM samples_log)")
  [ "$n" -eq 0 ] || fail "$1: $n rows stored"
}

echo "== connection matrix (ingest as node-1)"
expect_code "$(call --plaintext --token "$TOKEN_AGENT" --call ingest)" UNAVAILABLE "plaintext client to a TLS server"
nothing_stored "plaintext client"
expect_code "$(call "${TLS[@]}" --cert "$SEC/client-self-signed.crt" --key "$SEC/client-self-signed.key" \
  --token "$TOKEN_AGENT" --call ingest)" UNAVAILABLE "self-signed client certificate"
expect_code "$(call "${TLS[@]}" --cert "$SEC/client-other-ca.crt" --key "$SEC/client-other-ca.key" \
  --token "$TOKEN_AGENT" --call ingest)" UNAVAILABLE "client certificate from another CA"
expect_code "$(call "${TLS[@]}" --cert "$SEC/client-expired.crt" --key "$SEC/client-expired.key" \
  --token "$TOKEN_AGENT" --call ingest)" UNAVAILABLE "expired client certificate"
expect_code "$(call "${TLS[@]}" --token "$TOKEN_AGENT" --call ingest)" UNAVAILABLE "no client certificate (client_auth: require)"
nothing_stored "bad client certificates"
expect_code "$(call "${TLS[@]}" "${NODE1[@]}" --call ingest)" UNAUTHENTICATED "valid certificate, missing token"
expect_code "$(call "${TLS[@]}" "${NODE1[@]}" --token "scout_wrong_$RANDOM" --call ingest)" UNAUTHENTICATED \
  "valid certificate, wrong token"
nothing_stored "missing or wrong token"

echo "== TLS versions"
s_client() {  # s_client VERSION_FLAG: the handshake transcript
  echo | timeout 10 openssl s_client -connect "$ADDR" "$1" -cipher 'DEFAULT@SECLEVEL=0' -alpn h2 \
    -CAfile "$SEC/ca.crt" -cert "$SEC/client-node-1.crt" -key "$SEC/client-node-1.key" 2>&1 || true
}
out=$(s_client -tls1_1)
# s_client prints a session summary even when the handshake fails; a
# completed handshake names a cipher.
case "$out" in
  *"Cipher is (NONE)"*) ;;
  *) fail "a TLS 1.1 handshake completed: $out" ;;
esac
grep -q "unsupported protocol" "$WORK/collector.log" ||
  fail "the collector did not log refusing the TLS 1.1 client"
pass "TLS 1.1 refused by the collector (unsupported protocol)"
expect_contains "$(s_client -tls1_2)" "TLSv1.2" "TLS 1.2 accepted (control)"

expect_code "$(call "${TLS[@]}" "${NODE1[@]}" --token "$TOKEN_AGENT" --call ingest --points 5)" OK \
  "valid certificate, valid token"
[ "$(db_count 'SELECT count(*) FROM series')" -eq 5 ] || fail "expected 5 series stored"
[ "$(db_count 'SELECT count(*) FROM agents')" -eq 1 ] || fail "expected 1 agent record"
[ "$(db_count "SELECT agent_id FROM agents")" = node-1 ] || fail "agent record is not node-1"
pass "only the valid certificate + valid token stored rows (5 series, agent node-1)"

echo "== role matrix"
as() {  # as CERT TOKEN CALL [ARGS...]
  local cert=$1 token=$2
  shift 2
  call "${TLS[@]}" --cert "$SEC/client-$cert.crt" --key "$SEC/client-$cert.key" --token "$token" --call "$@"
}
expect_code "$(as node-1 "$TOKEN_AGENT" list-agents)" PERMISSION_DENIED "agent token: Query"
expect_code "$(as node-1 "$TOKEN_AGENT" add-silence)" PERMISSION_DENIED "agent token: AddSilence"
expect_code "$(as node-1 "$TOKEN_AGENT" generate)" PERMISSION_DENIED "agent token: Reports.Generate"
expect_code "$(as reader "$TOKEN_READER" ingest --agent-id reader-host)" PERMISSION_DENIED "reader token: Ingest"
expect_code "$(as reader "$TOKEN_READER" add-silence)" PERMISSION_DENIED "reader token: AddSilence"
expect_code "$(as reader "$TOKEN_READER" generate)" PERMISSION_DENIED "reader token: Reports.Generate"
expect_code "$(as reader "$TOKEN_READER" list-agents)" OK "reader token: Query"
expect_code "$(as reader "$TOKEN_READER" list-reports)" OK "reader token: Reports.List"
expect_code "$(as operator "$TOKEN_OPERATOR" ingest --agent-id operator-host)" PERMISSION_DENIED "operator token: Ingest"
expect_code "$(as operator "$TOKEN_OPERATOR" generate)" OK "operator token: Reports.Generate"
[ "$(db_count "SELECT count(*) FROM agents")" -eq 1 ] || fail "a denied Ingest left an agent record"

echo "== agent identity binding"
expect_code "$(as node-1 "$TOKEN_AGENT_NODE1" ingest --agent-id node-2)" PERMISSION_DENIED \
  "node-1's token sending a Hello for node-2"
[ "$(db_count "SELECT count(*) FROM agents WHERE agent_id = 'node-2'")" -eq 0 ] || fail "node-2 was recorded"
[ "$(db_count "SELECT count(*) FROM series WHERE key LIKE '%\"node-2\"%'")" -eq 0 ] ||
  fail "series for node-2 stored"
expect_code "$(as node-1 "$TOKEN_AGENT_NODE1" ingest --agent-id node-1)" OK "node-1's token as node-1"

echo "== sctl (C++ client) over TLS"
read -ra SCTL_TLS <<<"$(client_tls_args)"
out=$("$SCTL" --collector "$ADDR" "${SCTL_TLS[@]}" agents 2>&1) || fail "sctl agents as reader: $out"
expect_contains "$out" "node-1" "sctl with a reader token lists the agents"
read -ra SCTL_AGENT <<<"$(client_tls_args "$SEC/agent.token")"
if out=$("$SCTL" --collector "$ADDR" "${SCTL_AGENT[@]}" agents 2>&1); then
  fail "sctl with an agent token could list agents"
fi
expect_contains "$out" "ermission" "sctl with an agent token is refused"
if out=$("$SCTL" --collector "$ADDR" --ca "$SEC/ca.crt" --server-name localhost agents 2>&1); then
  fail "sctl without a client certificate could list agents"
fi
pass "sctl without a client certificate fails ($out)"

echo "== the real agent: wrong server name, then the right one"
start_wrong_san() {
  rm -f "$WORK/ready2"
  "$COLLECTOR" --listen 127.0.0.1:0 --db "$WORK/wrong.db" --ready-file "$WORK/ready2" \
    --tls-cert "$SEC/server-wrong-san.crt" --tls-key "$SEC/server-wrong-san.key" \
    --tls-client-ca "$SEC/ca.crt" --client-auth require --tokens-file "$SEC/tokens.yaml" \
    >>"$WORK/collector-wrong.log" 2>&1 &
  PIDS+=($!)
  wait_for 30 "second collector ready" test -s "$WORK/ready2"
}
start_wrong_san
cat >"$WORK/agent.yaml" <<YAML
collector: $(cat "$WORK/ready2")
id: node-1
interval: 1s
collectors: [synthetic]
synthetic: {series: 3, samples: 0}
reconnect_max_backoff: 2s
spool: {dir: $WORK/spool}
$(agent_tls_yaml)
YAML
"$AGENT" --config "$WORK/agent.yaml" >"$WORK/agent.log" 2>&1 &
AGENT_PID=$!
PIDS+=("$AGENT_PID")
sleep 5
[ "$(sqlite3 -readonly "$WORK/wrong.db" 'SELECT count(*) FROM agents')" -eq 0 ] ||
  fail "the agent talked to a collector whose certificate names another host"
kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null || true
pass "the agent refuses a server certificate with the wrong SAN (nothing stored there)"

echo "== secrets stay out of logs"
for token in "$TOKEN_AGENT" "$TOKEN_AGENT_NODE1" "$TOKEN_READER" "$TOKEN_OPERATOR" "$TOKEN_ADMIN"; do
  if grep -rqF "$token" "$WORK"/*.log "$WORK"/*.out 2>/dev/null; then fail "a token appears in a log"; fi
done
if grep -qF -- "-----BEGIN" "$WORK"/*.log; then fail "key or certificate material in a log"; fi
pass "no token or key material in any log"
