#!/usr/bin/env bash
# scout-bench remote-write against a real collector that ships secured:
# TLS with client certificates required and bearer tokens on the HTTP port.
#  - with the CA, a client certificate and an agent token every request is
#    answered 204, and the collector counts exactly the samples sent;
#  - a wrong token: every request fails with 401, exit status 1, and the
#    token appears in no output;
#  - flags that cannot apply are refused before anything is sent (exit 2):
#    TLS files with an http:// URL, --server-name, plaintext to a
#    non-local URL without --insecure, a URL that is not http(s).
#   remote_write_load_test.sh COLLECTOR SCOUT_BENCH
COLLECTOR=$1 BENCH=$2
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../tests/e2e/lib.sh"
source "$HERE/../tests/common/security.sh"
source "$HERE/../tests/common/free_port.sh"
security_init
DB=$WORK/scout.db
HTTP_PORT=$(free_port) || fail "no free port"
cat >"$WORK/collector.yaml" <<YAML
$(collector_security_yaml require)
http:
  listen: 127.0.0.1:$HTTP_PORT
YAML
launch_collector --config "$WORK/collector.yaml"
URL=https://localhost:$HTTP_PORT/api/v1/write
TLS=(--ca "$SEC/ca.crt" --cert "$SEC/client-node-1.crt" --key "$SEC/client-node-1.key")
wait_for 30 "the HTTP port" curl -sf --cacert "$SEC/ca.crt" --cert "$SEC/client-node-1.crt" \
  --key "$SEC/client-node-1.key" "https://localhost:$HTTP_PORT/-/ready"

# bench OUT_FILE ARGS...: runs scout-bench, stdout+stderr to OUT_FILE; prints the exit status.
bench() {
  local out=$1 rc=0
  shift
  "$BENCH" "$@" >"$out" 2>&1 || rc=$?
  echo "$rc"
}
stored() {
  curl -sf --cacert "$SEC/ca.crt" --cert "$SEC/client-node-1.crt" --key "$SEC/client-node-1.key" \
    -H "Authorization: Bearer $TOKEN_READER" "https://localhost:$HTTP_PORT/metrics" |
    awk '/^scout_remote_write_in_samples_stored_total/ { printf "%.0f\n", $2 }'
}

# --- the secured path works and counts exactly ---------------------------------
rc=$(bench "$WORK/ok.txt" "${TLS[@]}" --token-file "$SEC/agent.token" remote-write --url "$URL" \
  --senders 2 --series 100 --points 2 --requests 5)
[ "$rc" = 0 ] || fail "scout-bench remote-write exited $rc: $(cat "$WORK/ok.txt")"
grep -q '^accepted samples: 2000  requests: 10  failed requests: 0$' "$WORK/ok.txt" ||
  fail "unexpected summary: $(cat "$WORK/ok.txt")"
grep -q '^request latency: p50 .* (10 requests)$' "$WORK/ok.txt" || fail "no latency line: $(cat "$WORK/ok.txt")"
[ "$(stored)" = 2000 ] || fail "the collector stored $(stored) samples, want 2000"
pass "TLS + client certificate + agent token: 10 requests, 2,000 samples, all committed"

# --- a wrong token: 401 counted, exit 1, the token never printed ---------------
WRONG="scout_$(openssl rand -hex 24)"
printf '%s\n' "$WRONG" >"$WORK/wrong.token"
rc=$(bench "$WORK/wrong.txt" "${TLS[@]}" --token-file "$WORK/wrong.token" remote-write --url "$URL" \
  --senders 1 --series 10 --requests 3)
[ "$rc" = 1 ] || fail "a wrong token: exit $rc, want 1: $(cat "$WORK/wrong.txt")"
grep -q '^accepted samples: 0  requests: 3  failed requests: 3 (by status 401:3)$' "$WORK/wrong.txt" ||
  fail "a wrong token: $(cat "$WORK/wrong.txt")"
! grep -qF "$WRONG" "$WORK/wrong.txt" "$WORK/ok.txt" || fail "a token appears in scout-bench's output"
! grep -qF "$TOKEN_AGENT" "$WORK/ok.txt" || fail "the agent token appears in scout-bench's output"
[ "$(stored)" = 2000 ] || fail "a refused request stored samples"
pass "a wrong token: 3 x 401 counted, exit 1, nothing stored, no token in the output"

# --- flags that cannot apply are refused before sending ------------------------
refused() {  # refused DESCRIPTION EXPECTED_TEXT ARGS...
  local what=$1 text=$2 rc
  shift 2
  rc=$(bench "$WORK/refused.txt" "$@")
  [ "$rc" = 2 ] || fail "$what: exit $rc, want 2: $(cat "$WORK/refused.txt")"
  grep -qF "$text" "$WORK/refused.txt" || fail "$what: $(cat "$WORK/refused.txt")"
}
refused "TLS files with http://" "need an https:// --url" \
  "${TLS[@]}" remote-write --url "http://127.0.0.1:$HTTP_PORT/api/v1/write" --requests 1
refused "--server-name" "put the certificate's name in --url" \
  "${TLS[@]}" --server-name localhost remote-write --url "$URL" --requests 1
refused "plaintext to a non-local URL" "insecure" \
  remote-write --url "http://192.0.2.1:9090/api/v1/write" --requests 1
refused "another scheme" "must start with http:// or https://" \
  remote-write --url "ftp://127.0.0.1/x" --requests 1
[ "$(stored)" = 2000 ] || fail "a refused invocation sent samples"
pass "TLS files with http://, --server-name, plaintext off-host and ftp:// refused (exit 2)"
