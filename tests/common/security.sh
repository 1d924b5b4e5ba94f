# Shell helpers for tests that run Scout the way it ships: TLS (client
# certificates required) and bearer tokens checked against a tokens file
# of SHA-256 hashes. Sourced after tests/e2e/lib.sh (needs $WORK).
#
#   security_init            certificates in $SEC (tests/common/make_test_certs.sh),
#                            tokens and $SEC/tokens.yaml; sets TOKEN_AGENT,
#                            TOKEN_READER, TOKEN_OPERATOR, TOKEN_ADMIN
#   collector_tls_args       scout-collector flags: TLS + client certs + tokens
#   agent_tls_yaml TOKENFILE agent config lines (tls + token_file)
#   client_tls_args TOKENFILE sctl / scout-bench flags
# AGENT_CA / CLIENT_CA override the CA bundle the agent / sctl trust.
SEC_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# sha256_hex TEXT: what the tokens file stores.
sha256_hex() { printf %s "$1" | sha256sum | cut -d' ' -f1; }

# new_token NAME: a random token in $SEC/NAME.token; prints the token.
new_token() {
  local token
  token="scout_$(openssl rand -hex 24)"
  (umask 077 && printf '%s\n' "$token" >"$SEC/$1.token")
  printf %s "$token"
}

security_init() {
  SEC=$WORK/sec
  bash "$SEC_HERE/make_test_certs.sh" "$SEC"
  TOKEN_AGENT=$(new_token agent)
  TOKEN_AGENT_NODE1=$(new_token agent-node-1)
  TOKEN_READER=$(new_token reader)
  TOKEN_OPERATOR=$(new_token operator)
  TOKEN_ADMIN=$(new_token admin)
  cat >"$SEC/tokens.yaml" <<YAML
tokens:
  - {principal: test-agents, role: agent, sha256: $(sha256_hex "$TOKEN_AGENT"), agent_ids: ["*"]}
  - {principal: node-1-agent, role: agent, sha256: $(sha256_hex "$TOKEN_AGENT_NODE1"), agent_ids: ["node-1"]}
  - {principal: test-reader, role: reader, sha256: $(sha256_hex "$TOKEN_READER")}
  - {principal: test-operator, role: operator, sha256: $(sha256_hex "$TOKEN_OPERATOR")}
  - {principal: test-admin, role: admin, sha256: $(sha256_hex "$TOKEN_ADMIN")}
YAML
}

# collector_security_yaml CLIENT_AUTH: the collector config's tls: and auth:
# sections for the files security_init made (client_auth: none | request |
# require), to paste into a config heredoc.
collector_security_yaml() {
  cat <<YAML
tls:
  cert_file: $SEC/server.crt
  key_file: $SEC/server.key
  client_ca_file: $SEC/ca.crt
  client_auth: $1
auth:
  tokens_file: $SEC/tokens.yaml
YAML
}

collector_tls_args() {
  echo --tls-cert "$SEC/server.crt" --tls-key "$SEC/server.key" \
    --tls-client-ca "$SEC/ca.crt" --client-auth require --tokens-file "$SEC/tokens.yaml"
}

agent_tls_yaml() {
  cat <<YAML
tls:
  ca_file: ${AGENT_CA:-$SEC/ca.crt}
  cert_file: $SEC/client-node-1.crt
  key_file: $SEC/client-node-1.key
  server_name: localhost
token_file: ${1:-$SEC/agent.token}
YAML
}

client_tls_args() {
  echo --ca "${CLIENT_CA:-$SEC/ca.crt}" --cert "$SEC/client-reader.crt" --key "$SEC/client-reader.key" \
    --server-name localhost --token-file "${1:-$SEC/reader.token}"
}
