#!/usr/bin/env bash
# The collector reloads its rules when Kubernetes updates the mounted
# ConfigMap. The kubelet never edits a mounted file in place: it writes the
# new files into a fresh timestamped directory, swaps the `..data` symlink
# to it, and deletes the old directory; `rules.yaml` itself is a symlink to
# `..data/rules.yaml`. This test lays out the example overlay's
# /etc/scout exactly that way (rendered by k8s_render), runs the real
# collector on it and performs the kubelet's swap: a good edit is loaded
# without a restart, a broken one keeps the previous rules.
#   rules_reload_test.sh WORK SCOUT_COLLECTOR SCTL
K8S_WORK=$1 COLLECTOR=$2 SCTL=$3
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../e2e/lib.sh"

SRC="$K8S_WORK/configs/example/scout-collector/etc-scout"
ETC="$WORK/etc-scout"
mkdir -p "$ETC"

source "$HERE/kubelet_volume.sh"   # publish NAME DIR

# The pod's files, with what cannot be used here changed: a database in the
# work dir, a loopback port, a 200 ms evaluation interval, no receivers,
# and no tls/auth/health_listen (the pod's certificate and token paths do
# not exist here; plaintext without auth is what a loopback listen allows,
# and this test is about the rules file, not the transport).
mkdir "$WORK/v1"
cp "$SRC/rules.yaml" "$WORK/v1/rules.yaml"
sed -e "s|^listen: .*|listen: 127.0.0.1:0|" \
    -e "s|^  path: /var/lib/scout/scout.db|  path: $WORK/scout.db|" \
    -e "s|^  evaluation_interval: .*|  evaluation_interval: 200ms|" \
    -e '/^health_listen:/d' \
    -e '/^  alertmanagers:/,$d' "$SRC/collector.yaml" |
  awk '/^[^ #]/ { skip = ($1 == "tls:" || $1 == "auth:") } !skip' >"$WORK/v1/collector.yaml"
grep -Eq '^(tls|auth):' "$WORK/v1/collector.yaml" && fail "tls/auth left in the test's collector.yaml"
grep -q "rules_file: rules.yaml" "$WORK/v1/collector.yaml" || fail "collector.yaml does not name rules.yaml"
publish 2026_11_27_10_00_00.1 "$WORK/v1"

"$COLLECTOR" --config "$ETC/collector.yaml" --ready-file "$WORK/ready" >"$WORK/collector.log" 2>&1 &
PIDS+=($!)
wait_for 20 "collector" test -s "$WORK/ready"
ADDR=$(cat "$WORK/ready")

rule_count() { "$SCTL" --collector "$ADDR" -o json rules | grep -o '"name":' | wc -l; }
before=$(rule_count)
[ "$before" -eq "$(grep -c '^  - name:' "$WORK/v1/rules.yaml")" ] || fail "sctl rules shows $before rules"
pass "collector on a kubelet-style /etc/scout serves $before rules"

# A new rule arrives as a new ConfigMap version.
mkdir "$WORK/v2"
cp "$WORK/v1/collector.yaml" "$WORK/v2/"
{ cat "$WORK/v1/rules.yaml"; printf '  - name: K8sReloadCheck\n    expr: node_load1 > 1000\n'; } >"$WORK/v2/rules.yaml"
"$COLLECTOR" --check-rules "$WORK/v2/rules.yaml" >/dev/null || fail "the edited rules do not pass --check-rules"
publish 2026_11_27_10_05_00.2 "$WORK/v2"
has_new_rule() { "$SCTL" --collector "$ADDR" rules | grep -q K8sReloadCheck; }
wait_for 15 "the rule from the swapped ConfigMap" has_new_rule
pass "the ..data swap was reloaded without a restart ($(rule_count) rules)"

# A broken version keeps the previous rules and says why.
mkdir "$WORK/v3"
cp "$WORK/v1/collector.yaml" "$WORK/v3/"
echo 'rules: [ {name: Oops, expr: "(("} ]' >"$WORK/v3/rules.yaml"
publish 2026_11_27_10_10_00.3 "$WORK/v3"
reload_error() { "$SCTL" --collector "$ADDR" rules 2>&1 >/dev/null | grep -q "reload FAILED, older rules still running: .*rules.yaml:1"; }
wait_for 15 "the reload error in sctl rules" reload_error
has_new_rule || fail "a broken ConfigMap version dropped the running rules"
pass "a broken ConfigMap version keeps the previous rules"
