# A throw-away PostgreSQL 15 cluster for tests: initdb in a temp dir, TCP on
# 127.0.0.1 with a free port, unix socket in the same dir,
# pg_stat_statements preloaded. Source it, then:
#   pg_start          sets PGHOST PGPORT PGUSER PGDATABASE (+ PG_PID, PG_DSN)
#   pg_stop           fast shutdown, by pid, and removes the cluster
#   pg_halt           fast shutdown, keeping the cluster (pg_resume starts it again)
# PostgreSQL refuses to run as root, so as root the cluster belongs to the
# `postgres` system user (created by the Debian package).
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

source "$(dirname "${BASH_SOURCE[0]}")/../common/free_port.sh"

pg_start() {
  [ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL 15 is not installed (scripts/install-deps.sh)" >&2; return 1; }
  PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/scout-pg.XXXXXX")
  chmod 755 "$PG_DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres "$PG_DIR"
  pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U scout --auth=trust -E UTF8 >"$PG_DIR/initdb.log" 2>&1 ||
    { cat "$PG_DIR/initdb.log" >&2; return 1; }
  PGPORT=$(free_port)
  cat >>"$PG_DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$PG_DIR'
shared_preload_libraries = 'pg_stat_statements'
fsync = off
max_connections = 50
CONF
  pg_as_owner "$PG_BIN/postgres" -D "$PG_DIR/data" >"$PG_DIR/postgres.log" 2>&1 &
  PG_PID=$!
  export PGHOST=127.0.0.1 PGPORT PGUSER=scout PGDATABASE=postgres
  export PG_DSN="host=127.0.0.1 port=$PGPORT user=scout dbname=postgres"
  for _ in $(seq 100); do
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT"; then
      PG_POSTMASTER_PID=$(head -1 "$PG_DIR/data/postmaster.pid")
      return 0
    fi
    kill -0 "$PG_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$PG_DIR/postgres.log" >&2
  return 1
}

pg_stop() {
  [ -n "${PG_PID:-}" ] || return 0
  # As root PG_PID is runuser, which does not pass signals on: signal the
  # postmaster itself (first line of postmaster.pid); SIGINT = fast shutdown.
  local postmaster
  postmaster=$(head -1 "$PG_DIR/data/postmaster.pid" 2>/dev/null || true)
  kill -INT "${postmaster:-$PG_PID}" 2>/dev/null || true
  wait "$PG_PID" 2>/dev/null || true
  rm -rf "$PG_DIR"
  PG_PID=
}

pg_halt() {
  local postmaster
  postmaster=$(head -1 "$PG_DIR/data/postmaster.pid" 2>/dev/null || true)
  kill -INT "${postmaster:-$PG_PID}" 2>/dev/null || true
  wait "$PG_PID" 2>/dev/null || true
}

pg_resume() {
  pg_as_owner "$PG_BIN/postgres" -D "$PG_DIR/data" >>"$PG_DIR/postgres.log" 2>&1 &
  PG_PID=$!
  for _ in $(seq 100); do
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT" && return 0
    sleep 0.1
  done
  cat "$PG_DIR/postgres.log" >&2
  return 1
}
