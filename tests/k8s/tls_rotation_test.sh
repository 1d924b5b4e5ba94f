#!/usr/bin/env bash
# Certificate and token rotation the way Kubernetes delivers it. The
# collector runs on the default render's /etc/scout (collector.yaml, rules,
# tls/ and auth/ from the Secrets made by scripts/gen-certs.sh), laid out
# like the kubelet's projected volume: files are symlinks into `..data`,
# which is swapped atomically to a new timestamped directory. A node agent
# with the DaemonSet's agent.yaml (TLS, server_name
# scout-collector.scout.svc, token) streams to it. Then:
#   - `gen-certs.sh --renew-server` + the kubelet's swap: new connections
#     get the new certificate within tls.reload_interval, the agent's open
#     stream keeps delivering without reconnecting;
#   - `gen-certs.sh --rotate-tokens` + the swap: the new sctl token is
#     accepted, the old one refused with UNAUTHENTICATED;
#   - no token appears in any log.
#   tls_rotation_test.sh WORK SCOUT_AGENT SCOUT_COLLECTOR SCTL
K8S_WORK=$1 AGENT=$2 COLLECTOR=$3 SCTL=$4
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$HERE/../e2e/lib.sh"

SRC="$K8S_WORK/configs/default/scout-collector/root/etc/scout"
AGENT_SRC="$K8S_WORK/configs/default/scout-agent/root/etc/scout"
S="$WORK/secrets"
cp -r "$K8S_WORK/src/secrets" "$S"
ETC="$WORK/etc-scout"
mkdir -p "$ETC"
SERVER_NAME=scout-collector.scout.svc

source "$HERE/kubelet_volume.sh"   # publish NAME DIR

# version DIR: /etc/scout as the pod sees it, from the current secrets in $S,
# with what cannot be used here changed: loopback, a work-dir database, no
# health port, a 1 s reload interval, no receivers.
version() {
  mkdir -p "$1/tls" "$1/auth"
  cp "$SRC/rules.yaml" "$1/"
  sed -e "s|^listen: .*|listen: 127.0.0.1:0|" \
      -e '/^health_listen:/d' \
      -e "s|^  path: /var/lib/scout/scout.db|  path: $WORK/scout.db|" \
      -e "s|^  reload_interval: .*|  reload_interval: 1s|" \
      -e '/^  alertmanagers:/,$d' "$SRC/collector.yaml" >"$1/collector.yaml"
  grep -q '^  reload_interval: 1s' "$1/collector.yaml" || fail "collector.yaml has no tls.reload_interval"
  grep -q '^  tokens_file: /etc/scout/auth/tokens.yaml' "$1/collector.yaml" || fail "collector.yaml: tokens_file"
  # The pod's absolute paths, pointed into this kubelet-style directory.
  sed -i "s|/etc/scout/|$ETC/|g" "$1/collector.yaml"
  cp "$S/tls/tls.crt" "$S/tls/tls.key" "$S/tls/ca.crt" "$1/tls/"
  cp "$S/tokens/tokens.yaml" "$1/auth/"
}

version "$WORK/v1"
publish 2026_12_07_10_00_00.1 "$WORK/v1"
"$COLLECTOR" --config "$ETC/collector.yaml" --ready-file "$WORK/ready" >"$WORK/collector.log" 2>&1 &
PIDS+=($!)
wait_for 20 "collector" test -s "$WORK/ready"
ADDR=$(cat "$WORK/ready")

served_serial() {
  openssl s_client -connect "$ADDR" -servername "$SERVER_NAME" -alpn h2 </dev/null 2>/dev/null |
    openssl x509 -noout -serial
}
file_serial() { openssl x509 -in "$1" -noout -serial; }
[ "$(served_serial)" = "$(file_serial "$S/tls/tls.crt")" ] || fail "the collector does not serve tls/tls.crt"
pass "the collector serves the Secret's certificate over TLS"

# The node agent: the DaemonSet's agent.yaml with the collector's address,
# the CA and the token moved into the work dir.
mkdir -p "$WORK/token"
cp "$S/tokens/token" "$WORK/token/token"
sed -e "s|^collector: .*|collector: $ADDR|" \
    -e "s|^interval: .*|interval: 1s|" \
    -e "s|^plugin_timeout: .*|plugin_timeout: 900ms|" \
    -e "s|ca_file: /etc/scout/tls/ca.crt|ca_file: $S/tls/ca.crt|" \
    -e "s|^token_file: .*|token_file: $WORK/token/token|" \
    "$AGENT_SRC/agent.yaml" >"$WORK/agent.yaml"
grep -q "server_name: $SERVER_NAME" "$WORK/agent.yaml" || fail "agent.yaml does not verify $SERVER_NAME"
"$AGENT" --config "$WORK/agent.yaml" --id node-a --hostname node-a --spool-dir "$WORK/spool" \
  --alive-file "$WORK/alive" >"$WORK/agent.log" 2>&1 &
PIDS+=($!)

sctl_as() {  # TOKEN_FILE ARGS...
  local token=$1
  shift
  "$SCTL" --collector "$ADDR" --ca "$S/tls/ca.crt" --server-name "$SERVER_NAME" --token-file "$token" "$@"
}
latest() {  # METRIC: its latest value for node-a
  sctl_as "$S/clients/sctl-reader.token" latest "$1{host=\"node-a\"}" -o csv | tail -n +2 | awk -F, '{ print $NF }'
}
agent_up() { sctl_as "$S/clients/sctl-reader.token" agents | grep -q '^node-a .* up'; }
wait_for 30 "node-a streaming over TLS with its token" agent_up
# A function, so wait_for re-runs the query (a "$(...)" argument is expanded once).
has_counters() { [ -n "$(latest scout_agent_samples_acked_total)" ]; }
wait_for 15 "node-a's own counters" has_counters
pass "the node agent streams over TLS with the node-agents token"

# ---------------------------------------------- server certificate renewal
old_serial=$(file_serial "$S/tls/tls.crt")
connects_before=$(latest scout_agent_connects_total)
"$ROOT/scripts/gen-certs.sh" --dir "$S" --renew-server >/dev/null
new_serial=$(file_serial "$S/tls/tls.crt")
[ "$new_serial" != "$old_serial" ] || fail "gen-certs.sh --renew-server kept the certificate"
version "$WORK/v2"
publish 2026_12_07_10_05_00.2 "$WORK/v2"
renewed_at=$SECONDS
serving_new() { [ "$(served_serial)" = "$new_serial" ]; }
wait_for 10 "the renewed certificate on new connections" serving_new
pass "new connections get the renewed certificate $((SECONDS - renewed_at)) s after the swap (reload_interval 1s)"

acked_at_swap=$(latest scout_agent_samples_acked_total)
more_acked() { [ "$(latest scout_agent_samples_acked_total)" != "$acked_at_swap" ]; }
wait_for 15 "the agent's stream after the renewal" more_acked
[ "$(latest scout_agent_connects_total)" = "$connects_before" ] ||
  fail "the agent reconnected during the renewal ($connects_before -> $(latest scout_agent_connects_total))"
pass "the agent's open stream kept delivering through the renewal, no reconnect"

# ------------------------------------------------------------ token rotation
old_reader=$(cat "$S/clients/sctl-reader.token")
cp "$S/clients/sctl-reader.token" "$WORK/old-reader.token"
"$ROOT/scripts/gen-certs.sh" --dir "$S" --rotate-tokens >/dev/null
version "$WORK/v3"
publish 2026_12_07_10_10_00.3 "$WORK/v3"
new_token_works() { sctl_as "$S/clients/sctl-reader.token" agents; }
wait_for 15 "the rotated reader token" new_token_works
old_refused() { ! sctl_as "$WORK/old-reader.token" agents >"$WORK/old-token.out" 2>&1; }
wait_for 15 "the old reader token refused" old_refused
grep -qi "not authenticated" "$WORK/old-token.out" || fail "old token refused, but not as unauthenticated: $(cat "$WORK/old-token.out")"
pass "after the tokens.yaml swap the new token works and the old one is UNAUTHENTICATED"

for token in "$old_reader" "$(cat "$S/clients/sctl-reader.token")" "$(cat "$S/clients/node-agents.token")" \
             "$(cat "$WORK/token/token")"; do
  grep -qF "$token" "$WORK/collector.log" "$WORK/agent.log" && fail "a token appears in a log"
done
pass "no token in the collector's or the agent's log"
