#!/usr/bin/env bash
# A throw-away Alertmanager (Debian 12: prometheus-alertmanager 0.25) for
# tests: loopback only, a free port, clustering off, its own temp storage,
# one route to a receiver with no integrations (alerts are accepted and shown
# by the API, never forwarded anywhere).
#
# Two ways to use it:
#   * Run it:   bash tests/alerting/alertmanager_harness.sh
#     Starts Alertmanager, waits until /-/ready answers, leaves it running
#     and prints three lines on stdout:
#       AM_URL=http://127.0.0.1:PORT   (POST $AM_URL/api/v2/alerts)
#       AM_PID=PID                     (the alertmanager process itself)
#       AM_DIR=DIR                     (config, storage, alertmanager.log)
#     The caller stops it: SIGTERM to AM_PID, wait for it to exit, rm -rf
#     AM_DIR. tests/alerting/notifier_test.cc has a C++ wrapper
#     (StartAlertmanager / StopAlertmanager) doing exactly that.
#   * Source it from another script: am_start sets and exports AM_URL,
#     AM_PID, AM_DIR; am_stop stops it by pid and removes AM_DIR.
# Exit status 1 (and the log on stderr) if it does not become ready in 10 s.
AM_BIN=${AM_BIN:-/usr/bin/prometheus-alertmanager}

source "$(dirname "${BASH_SOURCE[0]}")/../common/free_port.sh"

# HTTP GET of a path on 127.0.0.1:$1 without curl; prints the status line.
am_http_status() {
  local port=$1 path=$2 line
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path" >&3
  IFS= read -r -t 2 line <&3 || line=
  exec 3<&-
  printf '%s\n' "$line"
}

am_start() {
  [ -x "$AM_BIN" ] || { echo "$AM_BIN missing (scripts/install-deps.sh: prometheus-alertmanager)" >&2; return 1; }
  AM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/scout-am.XXXXXX")
  mkdir -p "$AM_DIR/data"
  cat >"$AM_DIR/alertmanager.yml" <<'CONF'
route:
  receiver: "null"
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: "null"
CONF
  local port
  port=$(free_port) || { echo "no free port" >&2; return 1; }
  # stdout/stderr to a file: the process must not hold the caller's pipe.
  "$AM_BIN" --config.file="$AM_DIR/alertmanager.yml" --storage.path="$AM_DIR/data" \
    --web.listen-address="127.0.0.1:$port" --cluster.listen-address= \
    --log.level=info </dev/null >"$AM_DIR/alertmanager.log" 2>&1 &
  AM_PID=$!
  AM_URL="http://127.0.0.1:$port"
  export AM_URL AM_PID AM_DIR
  for _ in $(seq 100); do
    case "$(am_http_status "$port" /-/ready 2>/dev/null)" in
      *" 200"*) return 0 ;;
    esac
    kill -0 "$AM_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$AM_DIR/alertmanager.log" >&2
  am_stop
  return 1
}

am_stop() {
  [ -n "${AM_PID:-}" ] || return 0
  kill -TERM "$AM_PID" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$AM_PID" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$AM_PID" 2>/dev/null || true
  wait "$AM_PID" 2>/dev/null || true
  rm -rf "$AM_DIR"
  AM_PID=
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  am_start
  echo "AM_URL=$AM_URL"
  echo "AM_PID=$AM_PID"
  echo "AM_DIR=$AM_DIR"
fi
