#!/usr/bin/env bash
# The configs embedded in the ConfigMaps, as each workload sees them under
# /etc/scout (written by validate.mjs into WORK/configs/<kustomization>/
# <workload>/etc-scout), load in the real binaries: scout-agent
# --check-config, scout-collector --check-config and --check-rules. A
# config with a mistake must fail naming the file and the key.
#   configs_test.sh WORK SCOUT_AGENT SCOUT_COLLECTOR
set -euo pipefail
WORK=$1 AGENT=$2 COLLECTOR=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

checked=0
for dir in "$WORK"/configs/*/*/; do
  name="$(basename "$(dirname "$dir")")/$(basename "$dir")"
  case "$(cat "$dir/kind")" in
    agent)
      "$AGENT" --config "$dir/etc-scout/agent.yaml" --check-config
      ;;
    collector)
      "$COLLECTOR" --config "$dir/etc-scout/collector.yaml" --check-config
      "$COLLECTOR" --check-rules "$dir/etc-scout/rules.yaml"
      ;;
    *) echo "FAIL: $name: unknown kind"; exit 1 ;;
  esac
  echo "ok: $name"
  checked=$((checked + 1))
done
# default, base: agent + collector; example: + database and probe agents.
if [ "$checked" -ne 8 ]; then
  echo "FAIL: expected 8 workload configs, checked $checked"
  exit 1
fi

# The checks can fail: a misspelt key in the DaemonSet's agent config and
# in the collector's config are reported with file, line and key.
expect_failure() {  # binary-args... ; the last line of output must name $KEY
  local out
  if out=$("$@" 2>&1); then
    echo "FAIL: '$*' accepted a broken config"
    exit 1
  fi
  echo "$out" | grep -q "$EXPECT" || { echo "FAIL: '$*' printed: $out (expected $EXPECT)"; exit 1; }
  echo "ok: rejected: $out"
}
cp -r "$WORK/configs/example/scout-agent/etc-scout" "$T/agent"
sed -i 's/^interval: 10s/intervall: 10s/' "$T/agent/agent.yaml"
EXPECT="agent.yaml:.*intervall" expect_failure "$AGENT" --config "$T/agent/agent.yaml" --check-config
cp -r "$WORK/configs/example/scout-collector/etc-scout" "$T/collector"
sed -i 's/^  evaluation_interval: 15s/  evaluation_interval: 15 parsecs/' "$T/collector/collector.yaml"
EXPECT="collector.yaml:.*evaluation_interval" expect_failure "$COLLECTOR" --config "$T/collector/collector.yaml" --check-config
cp -r "$WORK/configs/example/scout-collector/etc-scout" "$T/rules"
sed -i '0,/expr: /s/expr: /expr: rate(/' "$T/rules/rules.yaml"
EXPECT="rules.yaml:" expect_failure "$COLLECTOR" --config "$T/rules/collector.yaml" --check-config
echo "PASS"
