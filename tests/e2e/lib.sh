# Helpers for the end-to-end scripts. Every process we start is recorded
# and killed by pid on exit, whatever happens.
set -euo pipefail

PIDS=()
WORK=$(mktemp -d "${TMPDIR:-/tmp}/scout-e2e.XXXXXX")

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for log in "$WORK"/*.log; do
    [ -f "$log" ] || continue
    echo "--- $log" >&2
    tail -n 30 "$log" >&2
  done
  exit 1
}

pass() { echo "ok: $*"; }

# wait_for SECONDS DESCRIPTION COMMAND...: polls until COMMAND succeeds.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || fail "timed out after ${seconds}s waiting for: $what"
    sleep 0.2
  done
}

# expect_contains TEXT NEEDLE DESCRIPTION
# launch_collector [ARGS...]: "$COLLECTOR" on a free loopback port with
# database "$DB", its log appended to "$WORK/collector.log". Waits until it
# is ready; sets COLLECTOR_PID (also in PIDS) and ADDR.
launch_collector() {
  rm -f "$WORK/ready"
  "$COLLECTOR" --listen 127.0.0.1:0 --db "$DB" --ready-file "$WORK/ready" "$@" \
    >>"$WORK/collector.log" 2>&1 &
  COLLECTOR_PID=$!
  PIDS+=("$COLLECTOR_PID")
  local deadline=$((SECONDS + 60))
  until [ -s "$WORK/ready" ]; do
    kill -0 "$COLLECTOR_PID" 2>/dev/null || fail "the collector exited at start-up"
    [ $SECONDS -lt $deadline ] || fail "timed out after 60s waiting for the collector to be ready"
    sleep 0.2
  done
  ADDR=$(cat "$WORK/ready")
}

expect_contains() {
  case "$1" in
    *"$2"*) pass "$3" ;;
    *) fail "$3: expected to find [$2] in: $1" ;;
  esac
}
