#!/usr/bin/env bash
# scripts/gen-certs.sh, run for real (openssl): the server certificate
# carries the Service names and completes a TLS handshake verified against
# the CA with the name agents use; tokens.yaml holds exactly the SHA-256 of
# each token and never a token; files are private; re-running keeps
# everything, --renew-server changes only the server certificate (same CA),
# --rotate-tokens only the tokens; per-node client certificates verify; the
# CA key never reaches a rendered Secret; git ignores every generated file.
#   gen_certs_test.sh WORK
set -euo pipefail
WORK=$1
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
GEN=$ROOT/scripts/gen-certs.sh
T=$(mktemp -d)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }
sum() { sha256sum "$@" | cut -d' ' -f1; }

D=$T/secrets
"$GEN" --dir "$D" --agent db-scenescout="$T/db-token" --node node-a >"$T/gen.log"
grep -q "$(cat "$D/clients/node-agents.token")" "$T/gen.log" && fail "a token was printed"
ok "no token printed"

# -------------------------------------------------------- certificates
openssl verify -CAfile "$D/ca/ca.crt" "$D/tls/tls.crt" >/dev/null || fail "server certificate does not verify"
cmp -s "$D/ca/ca.crt" "$D/tls/ca.crt" || fail "tls/ca.crt is not the CA"
sans=$(openssl x509 -in "$D/tls/tls.crt" -noout -ext subjectAltName)
for name in scout-collector scout-collector.scout scout-collector.scout.svc \
            scout-collector.scout.svc.cluster.local \
            scout-collector-0.scout-collector-headless.scout.svc localhost; do
  grep -q "DNS:$name\(,\|$\)" <<<"$sans" || fail "SAN $name missing: $sans"
done
grep -q "IP Address:127.0.0.1" <<<"$sans" || fail "SAN 127.0.0.1 missing"
openssl x509 -in "$D/tls/tls.crt" -noout -ext extendedKeyUsage | grep -q "Server Authentication" ||
  fail "server certificate is not for server auth"
openssl x509 -in "$D/ca/ca.crt" -noout -ext basicConstraints | grep -q "CA:TRUE" || fail "CA is not a CA"
ok "server certificate: CA-signed, Service SANs, server auth"

openssl verify -CAfile "$D/ca/ca.crt" "$D/nodes/node-a.crt" >/dev/null || fail "node certificate does not verify"
openssl x509 -in "$D/nodes/node-a.crt" -noout -subject | grep -q "CN *= *node-a" || fail "node certificate CN"
openssl x509 -in "$D/nodes/node-a.crt" -noout -ext extendedKeyUsage | grep -q "Client Authentication" ||
  fail "node certificate is not for client auth"
ok "per-node client certificate: CN=node-a, client auth, CA-signed"

# A real handshake: the key matches the certificate and a client that
# verifies the name the agents use (scout-collector.scout.svc) accepts it;
# another name is refused.
PORT=$((20000 + RANDOM % 20000))
openssl s_server -quiet -accept "127.0.0.1:$PORT" -cert "$D/tls/tls.crt" -key "$D/tls/tls.key" \
  -tls1_2 -www >/dev/null 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done
handshake() {  # NAME: succeeds when the handshake verified chain and name
  openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$D/tls/ca.crt" -verify_return_error \
    -verify_hostname "$1" -servername "$1" </dev/null >"$T/s_client.out" 2>&1 &&
    ! grep -q "verify error" "$T/s_client.out"
}
handshake scout-collector.scout.svc ||
  fail "TLS handshake verifying scout-collector.scout.svc: $(cat "$T/s_client.out")"
handshake scout-collector.elsewhere.svc && fail "a certificate for another name was accepted"
grep -q "hostname mismatch" "$T/s_client.out" || fail "refused, but not for the name: $(cat "$T/s_client.out")"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
ok "TLS handshake verified against ca.crt for scout-collector.scout.svc, refused for another name"

# -------------------------------------------------------------- tokens
expect_hash() {  # PRINCIPAL ROLE IDS
  local token hash line
  token=$(cat "$D/clients/$1.token")
  [ "${#token}" -ge 43 ] || fail "$1: token shorter than 256 bits"
  hash=$(printf %s "$token" | sha256sum | cut -d' ' -f1)
  line=$(grep "principal: $1," "$D/tokens/tokens.yaml") || fail "$1 not in tokens.yaml"
  grep -q "role: $2, sha256: $hash" <<<"$line" || fail "$1: tokens.yaml line $line (expected role $2, $hash)"
  if [ -n "$3" ]; then grep -qF "agent_ids: [\"$3\"]" <<<"$line" || fail "$1: agent_ids in $line"; fi
  grep -qF "$token" "$D/tokens/tokens.yaml" && fail "tokens.yaml holds the token of $1"
  return 0
}
expect_hash node-agents agent '*'
expect_hash db-scenescout agent db-scenescout
expect_hash sctl-operator operator ''
expect_hash sctl-reader reader ''
cmp -s "$D/clients/node-agents.token" "$D/tokens/token" || fail "tokens/token is not the node agents' token"
cmp -s "$D/clients/db-scenescout.token" "$T/db-token" || fail "--agent ID=FILE did not copy the token"
cmp -s "$D/clients/db-scenescout.token" "$D/clients/node-agents.token" && fail "two principals share a token"
[ "$(grep -c 'principal:' "$D/tokens/tokens.yaml")" = 4 ] || fail "tokens.yaml: expected 4 principals"
ok "tokens.yaml: one SHA-256 per token, roles and agent ids, no token"

for f in "$D"/ca/ca.key "$D"/tls/tls.key "$D"/tokens/token "$D"/tokens/tokens.yaml "$D"/clients/*.token "$D"/nodes/*.key; do
  [ "$(stat -c %a "$f")" = 600 ] || fail "$f has mode $(stat -c %a "$f")"
done
for d in "$D/ca" "$D/clients" "$D/nodes"; do
  [ "$(stat -c %a "$d")" = 700 ] || fail "$d has mode $(stat -c %a "$d")"
done
ok "keys and tokens 0600, their directories 0700"

# -------------------------------------------------- re-runs and rotation
snapshot() { sum "$D/ca/ca.key" "$D/ca/ca.crt" "$D/tls/tls.crt" "$D/tls/tls.key" "$D/tokens/token" \
  "$D/tokens/tokens.yaml" "$D/clients/sctl-operator.token" | tr '\n' ' '; }
before=$(snapshot)
"$GEN" --dir "$D" >/dev/null
[ "$(snapshot)" = "$before" ] || fail "a plain re-run changed something"
grep -q "principal: db-scenescout," "$D/tokens/tokens.yaml" || fail "a re-run without --agent dropped db-scenescout"
ok "re-running changes nothing"

ca=$(sum "$D/ca/ca.crt"); crt=$(sum "$D/tls/tls.crt"); key=$(sum "$D/tls/tls.key"); tokens=$(sum "$D/tokens/tokens.yaml")
"$GEN" --dir "$D" --renew-server >/dev/null
[ "$(sum "$D/ca/ca.crt")" = "$ca" ] || fail "--renew-server changed the CA"
[ "$(sum "$D/tls/tls.crt")" != "$crt" ] && [ "$(sum "$D/tls/tls.key")" != "$key" ] || fail "--renew-server kept the certificate or key"
[ "$(sum "$D/tokens/tokens.yaml")" = "$tokens" ] || fail "--renew-server changed tokens"
openssl verify -CAfile "$D/ca/ca.crt" "$D/tls/tls.crt" >/dev/null || fail "renewed certificate does not verify"
ok "--renew-server: new certificate and key from the same CA, tokens kept"

old_token=$(cat "$D/tokens/token")
"$GEN" --dir "$D" --rotate-tokens >/dev/null
[ "$(cat "$D/tokens/token")" != "$old_token" ] || fail "--rotate-tokens kept the node token"
expect_hash node-agents agent '*'
expect_hash db-scenescout agent db-scenescout
grep -q "$(printf %s "$old_token" | sha256sum | cut -d' ' -f1)" "$D/tokens/tokens.yaml" &&
  fail "the old token's hash is still accepted"
ok "--rotate-tokens: new tokens, tokens.yaml follows, old hash gone"

rm -rf "$T/only"
"$GEN" --dir "$T/only" --tokens-only >/dev/null
[ ! -e "$T/only/ca/ca.key" ] && [ ! -e "$T/only/tls/tls.crt" ] || fail "--tokens-only made certificates"
[ -s "$T/only/tokens/tokens.yaml" ] && [ -s "$T/only/tokens/token" ] || fail "--tokens-only made no tokens"
ok "--tokens-only: tokens, no certificates"

# A collector outside Kubernetes (examples/, README): extra names and IPs.
"$GEN" --dir "$T/vm" --san collector.example.com --san 10.0.0.5 >/dev/null
sans=$(openssl x509 -in "$T/vm/tls/tls.crt" -noout -ext subjectAltName)
case "$sans" in
  *"DNS:collector.example.com"*"IP Address:10.0.0.5"*) ok "--san: the extra DNS name and IP are in the server certificate" ;;
  *) fail "--san missing from the server certificate: $sans" ;;
esac
openssl verify -CAfile "$T/vm/ca/ca.crt" "$T/vm/tls/tls.crt" >/dev/null || fail "--san certificate does not verify"

# ------------------------------------ what reaches the cluster, what git sees
# The CA key is in no rendered object (render.sh used gen-certs.sh too).
# (The server key is, in scout-collector-tls: the same search finds it.)
ca_key_b64=$(base64 -w0 "$WORK/src/secrets/ca/ca.key")
tls_key_b64=$(base64 -w0 "$WORK/src/secrets/tls/tls.key")
tr -d ' \n' <"$WORK/rendered/default.yaml" | grep -qF "$tls_key_b64" ||
  fail "the search does not find the server key in default.yaml"
for r in "$WORK"/rendered/*.yaml; do
  tr -d ' \n' <"$r" | grep -qF "$ca_key_b64" && fail "$(basename "$r") contains the CA key"
done
ok "the CA key is in no rendered manifest (the server key is found where it belongs)"

if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
  for f in ca/ca.key ca/ca.crt tls/tls.crt tls/tls.key tls/ca.crt tokens/token tokens/tokens.yaml \
           clients/node-agents.token clients/node-agents.meta nodes/node-a.key; do
    git -C "$ROOT" check-ignore -q "deploy/k8s/secrets/$f" || fail "git would commit deploy/k8s/secrets/$f"
  done
  for f in db-agent-token probe-agent-token; do
    git -C "$ROOT" check-ignore -q "deploy/k8s/overlays/example/secrets/$f" || fail "git would commit overlays/example/secrets/$f"
  done
  for f in tls/kustomization.yaml tokens/kustomization.yaml README.md; do
    git -C "$ROOT" check-ignore -q "deploy/k8s/secrets/$f" && fail "git ignores deploy/k8s/secrets/$f"
  done
  ok "git ignores every generated secret file, not the kustomizations"
fi
echo PASS
