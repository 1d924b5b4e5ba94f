# Shared by the security tests. Usage: source lib.sh TOOLS_DIR
# Installs the pinned grpc-js client once into TOOLS_DIR (reused while the
# lock file is unchanged) and defines:
#   call ARGS...            one call with the independent gRPC client; prints its JSON line
#   expect_code JSON CODE WHAT
#   db_count SQL            a number from the collector's SQLite database ($DB)
SEC_TESTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SEC_TESTS/../.." && pwd)"
source "$ROOT/tests/e2e/lib.sh"
source "$ROOT/tests/common/security.sh"

TOOLS=$1
mkdir -p "$TOOLS"
if ! cmp -s "$SEC_TESTS/tools/package-lock.json" "$TOOLS/package-lock.json" ||
   [ ! -d "$TOOLS/node_modules/@grpc/grpc-js" ]; then
  cp "$SEC_TESTS/tools/package.json" "$SEC_TESTS/tools/package-lock.json" "$TOOLS/"
  (cd "$TOOLS" && npm install --no-audit --no-fund --loglevel=error) >&2
fi

call() {
  node "$SEC_TESTS/grpc_client.mjs" --tools "$TOOLS" --proto "$ROOT/proto" --addr "$ADDR" "$@"
}

# expect_code JSON CODE WHAT
expect_code() {
  local got
  got=$(printf '%s' "$1" | sed -n 's/.*"code":"\([A-Z_]*\)".*/\1/p')
  [ "$got" = "$2" ] || fail "$3: expected $2, got: $1"
  pass "$3 -> $2"
}

db_count() { sqlite3 -readonly "$DB" "$1"; }

# start_tls_collector [EXTRA_ARGS...]: TLS + client certs + tokens, on a free
# loopback port. Sets COLLECTOR_PID and ADDR.
start_tls_collector() {
  local tls
  read -ra tls <<<"$(collector_tls_args)"
  launch_collector "${tls[@]}" "$@"
}
