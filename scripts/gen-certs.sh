#!/usr/bin/env bash
# Certificates and tokens for Scout on Kubernetes without cert-manager
# (docs/security.md). Writes the files the kustomize components
# deploy/k8s/secrets/tls and deploy/k8s/secrets/tokens turn into Secrets, so
#   scripts/gen-certs.sh && kubectl apply -k deploy/k8s
# runs Scout with TLS and tokens. Nothing it writes is committed
# (deploy/k8s/secrets/.gitignore); keep DIR/ca/ca.key and DIR/clients/ somewhere
# safe (a password manager, your secret store), they are not deployed.
#
#   scripts/gen-certs.sh [--dir DIR] [--namespace NS] [--service NAME]
#                        [--cluster-domain D] [--days N] [--node-ids GLOB]
#                        [--agent ID[=FILE]]... [--reader NAME[=FILE]]...
#                        [--node NAME]...
#                        [--san DNS_OR_IP]... [--tokens-only] [--renew-server]
#                        [--rotate-tokens]
#
# --dir DIR        output directory (default deploy/k8s/secrets)
# --namespace NS   the collector's namespace (default scout)
# --service NAME   the collector's Service (default scout-collector)
# --cluster-domain the cluster's DNS domain (default cluster.local)
# --days N         validity of the server and client certificates (default 365)
# --node-ids GLOB  agent ids the node agents' token may use (default "*";
#                  e.g. "ip-10-*" when every node name has that prefix, so the
#                  node credential cannot write as a database or probe agent)
# --agent ID[=FILE] a token for a Deployment agent (database, probes), bound to
#                  exactly that agent id; the token is also copied to FILE (the
#                  example overlay: --agent db-scenescout=deploy/k8s/overlays/
#                  example/secrets/db-agent-token)
# --reader NAME[=FILE] a token with the `reader` role for principal NAME (a
#                  dashboard: --reader grafana=deploy/k8s/overlays/grafana/
#                  secrets/token), also copied to FILE
# --san NAME       one more name (or IP address) for the server certificate:
#                  a collector outside Kubernetes, e.g. --dir /etc/scout
#                  --san collector.example.com --san 10.0.0.5 (examples/)
# --node NAME      a client certificate with CN=NAME (per-node identity,
#                  docs/security.md) in DIR/nodes/NAME.{crt,key}
# --tokens-only    tokens only (cert-manager issues the certificates)
# --renew-server   a new server certificate (and key) from the existing CA
# --rotate-tokens  new values for every token (hashes in tokens.yaml change)
#
# Re-running keeps what exists (CA, certificates, tokens) and rebuilds
# tokens.yaml from the token files, so it is safe to add an --agent later.
# To revoke one principal, delete DIR/clients/<principal>.token and .meta,
# re-run, and `kubectl apply -k` (the collector re-reads tokens.yaml).
#
# What it writes (mode 0600, directories 0700):
#   DIR/ca/ca.crt, ca.key          the CA; the key stays here, never in a Secret
#   DIR/tls/ca.crt, tls.crt, tls.key   -> Secrets scout/scout-collector-tls,
#                                      scout-agents/scout-agent-tls (ca.crt)
#   DIR/tokens/tokens.yaml         only SHA-256 hashes -> scout/scout-tokens
#   DIR/tokens/token               the node agents' token -> scout-agents/scout-agent-token
#   DIR/clients/<principal>.token  every token (node-agents, sctl-operator,
#                                  sctl-reader, each --agent); for sctl --token-file
#   DIR/clients/<principal>.meta   "role agent_ids" of each principal
#   DIR/nodes/<node>.crt, .key     per-node client certificates (--node)
set -euo pipefail
umask 077

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$ROOT/deploy/k8s/secrets"
NAMESPACE=scout
SERVICE=scout-collector
CLUSTER_DOMAIN=cluster.local
DAYS=365
NODE_IDS='*'
TOKENS_ONLY=0
RENEW_SERVER=0
ROTATE_TOKENS=0
AGENTS=()
READERS=()
NODES=()
EXTRA_SANS=()

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR=$2; shift ;;
    --namespace) NAMESPACE=$2; shift ;;
    --service) SERVICE=$2; shift ;;
    --cluster-domain) CLUSTER_DOMAIN=$2; shift ;;
    --days) DAYS=$2; shift ;;
    --node-ids) NODE_IDS=$2; shift ;;
    --agent) AGENTS+=("$2"); shift ;;
    --reader) READERS+=("$2"); shift ;;
    --node) NODES+=("$2"); shift ;;
    --san) EXTRA_SANS+=("$2"); shift ;;
    --tokens-only) TOKENS_ONLY=1 ;;
    --renew-server) RENEW_SERVER=1 ;;
    --rotate-tokens) ROTATE_TOKENS=1 ;;
    -h|--help) usage 0 ;;
    *) echo "gen-certs: unknown argument $1" >&2; usage 2 ;;
  esac
  shift
done
command -v openssl >/dev/null || { echo "gen-certs: openssl not found" >&2; exit 1; }
case "$DAYS" in ''|*[!0-9]*) echo "gen-certs: --days needs a number" >&2; exit 2 ;; esac
valid_name() { [[ $1 =~ ^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$ ]]; }

mkdir -p "$DIR/ca" "$DIR/tls" "$DIR/tokens" "$DIR/clients"
chmod 700 "$DIR/ca" "$DIR/clients"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
say() { echo "gen-certs: $*"; }

# ------------------------------------------------------------ certificates
# ECDSA P-256: small, fast handshakes, supported by gRPC and every client.
newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
serial() { echo "0x$(openssl rand -hex 16)"; }

# sign CSR OUT EXTFILE: a leaf certificate from the CA.
sign() {
  openssl x509 -req -in "$1" -CA "$DIR/ca/ca.crt" -CAkey "$DIR/ca/ca.key" \
    -set_serial "$(serial)" -days "$DAYS" -sha256 -extfile "$3" -out "$2" 2>/dev/null
}

if [ "$TOKENS_ONLY" = 0 ]; then
  if [ ! -s "$DIR/ca/ca.key" ]; then
    newkey "$DIR/ca/ca.key"
    openssl req -x509 -new -key "$DIR/ca/ca.key" -sha256 -days 3650 -subj "/CN=Scout CA" \
      -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -addext "subjectKeyIdentifier=hash" -out "$DIR/ca/ca.crt"
    say "new CA $DIR/ca/ca.crt (10 years; ca.key stays in $DIR/ca)"
  fi

  # Every name a client may use for the collector: the Service in its short
  # and long forms, the StatefulSet pod behind the headless Service, and
  # localhost for `kubectl port-forward`.
  SVC="$SERVICE.$NAMESPACE.svc"
  POD="$SERVICE-0.$SERVICE-headless.$NAMESPACE.svc"
  SANS="DNS:$SERVICE,DNS:$SERVICE.$NAMESPACE,DNS:$SVC,DNS:$SVC.$CLUSTER_DOMAIN"
  SANS+=",DNS:$POD,DNS:$POD.$CLUSTER_DOMAIN,DNS:localhost,IP:127.0.0.1"
  for san in "${EXTRA_SANS[@]}"; do
    if [[ $san =~ ^[0-9.]+$ || $san == *:* ]]; then SANS+=",IP:$san"; else SANS+=",DNS:$san"; fi
  done
  if [ "$RENEW_SERVER" = 1 ] || [ ! -s "$DIR/tls/tls.crt" ] ||
     ! openssl verify -CAfile "$DIR/ca/ca.crt" "$DIR/tls/tls.crt" >/dev/null 2>&1; then
    newkey "$TMP/tls.key"
    openssl req -new -key "$TMP/tls.key" -subj "/CN=$SVC" -out "$TMP/tls.csr"
    cat >"$TMP/server.ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$SANS
authorityKeyIdentifier=keyid
EOF
    sign "$TMP/tls.csr" "$TMP/tls.crt" "$TMP/server.ext"
    # Key first, then certificate: a reader between the two renames sees a
    # pair that does not match for a moment; the collector reloads again.
    mv "$TMP/tls.key" "$DIR/tls/tls.key"
    mv "$TMP/tls.crt" "$DIR/tls/tls.crt"
    say "server certificate $DIR/tls/tls.crt ($DAYS days) for $SANS"
  fi
  cp "$DIR/ca/ca.crt" "$DIR/tls/ca.crt"

  for node in "${NODES[@]}"; do
    valid_name "$node" || { echo "gen-certs: bad node name $node" >&2; exit 2; }
    mkdir -p "$DIR/nodes"
    chmod 700 "$DIR/nodes"
    [ -s "$DIR/nodes/$node.crt" ] && continue
    newkey "$DIR/nodes/$node.key"
    openssl req -new -key "$DIR/nodes/$node.key" -subj "/CN=$node" -out "$TMP/$node.csr"
    cat >"$TMP/client.ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectAltName=DNS:$node
authorityKeyIdentifier=keyid
EOF
    sign "$TMP/$node.csr" "$DIR/nodes/$node.crt" "$TMP/client.ext"
    say "client certificate $DIR/nodes/$node.crt (CN=$node)"
  done
fi

# ------------------------------------------------------------------ tokens
# principal ROLE AGENT_IDS [COPY_TO]: make (or keep) the principal's token.
principal() {
  local name=$1 role=$2 ids=$3 copy=${4:-}
  local file="$DIR/clients/$name.token"
  valid_name "$name" || { echo "gen-certs: bad principal $name" >&2; exit 2; }
  if [ "$ROTATE_TOKENS" = 1 ] || [ ! -s "$file" ]; then
    # 256 random bits, URL-safe base64 without padding (43 characters).
    openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n' >"$file.new"
    mv "$file.new" "$file"
    say "token for $name ($role) in $file"
  fi
  printf '%s %s\n' "$role" "$ids" >"$DIR/clients/$name.meta"
  if [ -n "$copy" ]; then
    mkdir -p "$(dirname "$copy")"
    cp "$file" "$copy"
  fi
}
principal node-agents agent "$NODE_IDS" "$DIR/tokens/token"
principal sctl-operator operator ""
principal sctl-reader reader ""
for a in "${AGENTS[@]}"; do
  id=${a%%=*}
  copy=""
  [ "$a" != "$id" ] && copy=${a#*=}
  principal "$id" agent "$id" "$copy"
done
for r in "${READERS[@]}"; do
  name=${r%%=*}
  copy=""
  [ "$r" != "$name" ] && copy=${r#*=}
  principal "$name" reader "" "$copy"
done

# tokens.yaml from every principal's token: hashes only.
{
  echo "# Generated by scripts/gen-certs.sh: SHA-256 of each token, never the token."
  echo "tokens:"
  for meta in "$DIR"/clients/*.meta; do
    name=$(basename "$meta" .meta)
    read -r role ids <"$meta" || true
    hash=$(printf %s "$(cat "$DIR/clients/$name.token")" | sha256sum | cut -d' ' -f1)
    if [ "$role" = agent ]; then
      printf '  - {principal: %s, role: %s, sha256: %s, agent_ids: ["%s"]}\n' "$name" "$role" "$hash" "$ids"
    else
      printf '  - {principal: %s, role: %s, sha256: %s}\n' "$name" "$role" "$hash"
    fi
  done
} >"$TMP/tokens.yaml"
mv "$TMP/tokens.yaml" "$DIR/tokens/tokens.yaml"
say "tokens.yaml ($(grep -c 'principal:' "$DIR/tokens/tokens.yaml") principals) in $DIR/tokens"
# Secret files are read by kustomize as the invoking user only.
chmod 600 "$DIR"/tokens/tokens.yaml "$DIR"/tokens/token
[ "$TOKENS_ONLY" = 1 ] || chmod 600 "$DIR"/tls/*.crt "$DIR"/tls/tls.key
