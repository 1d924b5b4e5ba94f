# Shared by the side-by-side benchmark scripts (prom_bench.sh,
# remote_write_bench.sh): a work directory removed on exit, the pids to stop
# then, free_port, and wait_for.
#   source "$(dirname "$0")/lib.sh"; bench_init prom-bench
# Afterwards: $ROOT (the repository), $WORK, PIDS+=($!) for every process
# started. bench_fail (default: print and exit 1) may be redefined to add
# the logs.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/tests/common/free_port.sh"

bench_init() {  # bench_init NAME
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/scout-$1.XXXXXX")
  PIDS=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}

bench_fail() { echo "$*" >&2; exit 1; }

wait_for() {  # wait_for SECONDS COMMAND...: until COMMAND succeeds
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || bench_fail "timed out: $*"
    sleep 0.2
  done
}
