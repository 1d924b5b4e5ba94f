#!/usr/bin/env bash
# Config mistakes: each one names file, line and key and exits 2.
COLLECTOR=$1 AGENT=$2 SCTL=$3
source "$(dirname "$0")/lib.sh"

expect_config_error() {  # expect_config_error BINARY FILE_CONTENT EXPECTED_MESSAGE_START
  local bin=$1 content=$2 want=$3
  printf '%s' "$content" >"$WORK/bad.yaml"
  set +e
  out=$("$bin" --config "$WORK/bad.yaml" --check-config 2>&1)
  code=$?
  set -e
  [ "$code" -eq 2 ] || fail "$(basename "$bin") exit code $code (want 2) for: $content"
  expect_contains "$out" "$WORK/bad.yaml:$want" "$(basename "$bin") reports $want"
}

expect_config_error "$AGENT" $'collector: a:1\nintervall: 10s\n' "2:1: key 'intervall': unknown key"
expect_config_error "$AGENT" $'labels: [a]\n' "1:9: key 'labels': expected a mapping"
expect_config_error "$AGENT" $'interval: 10 seconds\n' "1:11: key 'interval': invalid duration"
expect_config_error "$AGENT" $'probes:\n  http:\n    - {name: a, url: "http://x/", expect_status: [2xx]}\n' "3:50: key 'probes.http[0].expect_status': \"2xx\" is not a status"
expect_config_error "$AGENT" $'probes:\n  tcp:\n    - {name: db, host: h, prot: 5432}\n' "3:27: key 'probes.tcp[0].prot': unknown key"
expect_config_error "$COLLECTOR" $'storage:\n  pth: x.db\n' "2:3: key 'storage.pth': unknown key"
expect_config_error "$COLLECTOR" $'ingest:\n  max_batch_bytes: big\n' "2:20: key 'ingest.max_batch_bytes': expected an integer"
expect_config_error "$COLLECTOR" $'shutdown_grace: 20\n' "1:17: key 'shutdown_grace': invalid duration"

set +e
out=$("$AGENT" --interval 5x --check-config 2>&1); code=$?
set -e
[ "$code" -eq 2 ] || fail "bad --interval flag exit $code"
expect_contains "$out" "--interval: invalid duration" "bad --interval flag is named"

set +e
out=$("$SCTL" query 'm{a=' 2>&1); code=$?
set -e
[ "$code" -eq 2 ] || fail "sctl bad selector exit $code"
expect_contains "$out" "bad selector" "sctl rejects a bad selector with exit 2"

printf 'collector: 127.0.0.1:7070\n' >"$WORK/good.yaml"
"$AGENT" --config "$WORK/good.yaml" --check-config >/dev/null || fail "good agent config rejected"
pass "a good config passes --check-config"

# --test prints one cycle: text and JSON forms.
text=$("$AGENT" --test --id testhost)
expect_contains "$text" 'node_load1{host="testhost"}' "--test prints samples in text form"
json=$("$AGENT" --test --id testhost -o json)
expect_contains "$json" '"metric":"node_memory_MemTotal_bytes"' "--test -o json prints JSON lines"

# The shipped example configs are valid.
EXAMPLES=$(cd "$(dirname "$0")/../../examples" && pwd)
"$AGENT" --config "$EXAMPLES/agent.yaml" --check-config >/dev/null || fail "examples/agent.yaml rejected"
"$COLLECTOR" --config "$EXAMPLES/collector.yaml" --check-config >/dev/null || fail "examples/collector.yaml rejected"
pass "examples/*.yaml pass --check-config"

# Every metric the agent emits is documented in docs/metrics.md.
METRICS_DOC="$(dirname "$0")/../../docs/metrics.md"
missing=""
for m in $("$AGENT" --test --id doc | sed 's/[{ ].*//' | sort -u); do
  grep -q "\`$m\`" "$METRICS_DOC" || missing="$missing $m"
done
[ -z "$missing" ] || fail "metrics missing from docs/metrics.md:$missing"
pass "every emitted metric is in docs/metrics.md"
