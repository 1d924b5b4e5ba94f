#!/usr/bin/env bash
# Every rendered kustomization (render.sh) validates against the
# Kubernetes API schema, has no unknown fields, and keeps Scout's
# invariants (validate.mjs); the validator itself catches each of a list
# of deliberate breaks; the configs copied into deploy/k8s are the ones the
# rest of the repo tests.
#   manifests_test.sh WORK
set -euo pipefail
WORK=$1
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

same() {  # copy original
  if ! cmp -s "$ROOT/$1" "$ROOT/$2"; then
    echo "FAIL: $1 differs from $2 (cp $2 $1)"
    exit 1
  fi
  echo "ok: $1 is $2"
}
same deploy/k8s/base/config/rules.yaml rules/default.yaml
same deploy/k8s/overlays/example/config/scenescout-queries.yaml examples/scenescout-queries.yaml
# overlays/grafana's collector.yaml is base's plus its http section.
base_lines=$(wc -l <"$ROOT/deploy/k8s/base/config/collector.yaml")
if ! head -n "$base_lines" "$ROOT/deploy/k8s/overlays/grafana/config/collector.yaml" |
     cmp -s - "$ROOT/deploy/k8s/base/config/collector.yaml"; then
  echo "FAIL: deploy/k8s/overlays/grafana/config/collector.yaml does not start with deploy/k8s/base/config/collector.yaml"
  exit 1
fi
echo "ok: overlays/grafana/config/collector.yaml is base's plus the http section"

R=$WORK/rendered
# default, base and example: their /etc/scout is written for configs_test.sh
# and rules_reload_test.sh. base.yaml mounts the TLS/token Secrets without
# creating them; node-capabilities.yaml is the one render allowed to give
# the node agent its two capabilities.
node "$HERE/validate.mjs" --tools "$WORK/tools" --repo "$ROOT" --out "$WORK/configs" \
  "$R/default.yaml" --base "$R/base.yaml" "$R/example.yaml"
node "$HERE/validate.mjs" --tools "$WORK/tools" --repo "$ROOT" \
  "$R/cert-manager.yaml" --node-capabilities "$R/node-capabilities.yaml" --grafana "$R/grafana.yaml"
node "$HERE/validate.mjs" --tools "$WORK/tools" --repo "$ROOT" --self-test \
  "$R/example.yaml" "$R/cert-manager.yaml" --node-capabilities "$R/node-capabilities.yaml" \
  --grafana "$R/grafana.yaml"
echo "PASS"
