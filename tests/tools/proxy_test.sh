#!/usr/bin/env bash
# Self-test for scout-test-proxy with real processes on loopback: an echo
# server (the same binary with --echo) behind the proxy, driven through bash's
# /dev/tcp so nothing beyond bash is needed.
#   usage: proxy_test.sh PATH/TO/scout-test-proxy
set -euo pipefail
BIN=$1
WORK=$(mktemp -d "${TMPDIR:-/tmp}/scout-proxy-test.XXXXXX")
ECHO_PID="" PROXY_PID=""

cleanup() {  # kill only our own children, by pid
  local pid
  for pid in $ECHO_PID $PROXY_PID; do kill "$pid" 2>/dev/null || true; done
  for pid in $ECHO_PID $PROXY_PID; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "--- proxy log:" >&2; cat "$WORK/proxy.log" >&2 || true
  exit 1
}
pass() { echo "ok: $*"; }

wait_file() {  # wait_file FILE: print its content once the process wrote it
  local i
  for i in $(seq 100); do
    if [ -s "$1" ]; then cat "$1"; return; fi
    sleep 0.05
  done
  fail "timed out waiting for $1"
}

wait_log() {  # wait_log TEXT: the proxy logged TEXT (signals are async)
  local i
  for i in $(seq 100); do
    grep -qF -- "$1" "$WORK/proxy.log" && return
    sleep 0.05
  done
  fail "proxy never logged '$1'"
}

# read_line FD: one line within 2 s into $LINE; returns read's status
# (0 = line, 1 = EOF or error such as a reset, >128 = timeout).
read_line() { LINE=""; local rc=0; IFS= read -r -t 2 LINE <&"$1" || rc=$?; return $rc; }

"$BIN" --echo --listen 127.0.0.1:0 --ready-file "$WORK/echo.addr" 2>"$WORK/echo.log" &
ECHO_PID=$!
ECHO_ADDR=$(wait_file "$WORK/echo.addr")
"$BIN" --listen 127.0.0.1:0 --target "$ECHO_ADDR" --ready-file "$WORK/proxy.addr" \
  2>"$WORK/proxy.log" &
PROXY_PID=$!
PROXY_ADDR=$(wait_file "$WORK/proxy.addr")
[[ $PROXY_ADDR =~ ^127\.0\.0\.1:[0-9]+$ ]] || fail "bad ready file content '$PROXY_ADDR'"
pass "echo server on $ECHO_ADDR, proxy on $PROXY_ADDR"

# (1) Bytes round-trip through the proxy.
exec 3<>"/dev/tcp/${PROXY_ADDR%:*}/${PROXY_ADDR##*:}"
printf 'hello proxy\n' >&3
read_line 3 || fail "no echo through the proxy (read status $?)"
[ "$LINE" = "hello proxy" ] || fail "echo mismatch: '$LINE'"
pass "bytes round-trip through the proxy"

# (2) Partition: silence, not a reset, on the old connection and on a new one.
kill -USR1 "$PROXY_PID"
wait_log "partition ON (1 connections frozen"
printf 'sent during partition\n' >&3
rc=0; read_line 3 || rc=$?
[ "$rc" -gt 128 ] || fail "expected a read timeout while partitioned, got status $rc, line '$LINE'"
pass "partitioned: no echo within 2 s and the connection was not reset or closed"
exec 4<>"/dev/tcp/${PROXY_ADDR%:*}/${PROXY_ADDR##*:}"  # kernel completes the handshake
printf 'new during partition\n' >&4
rc=0; read_line 4 || rc=$?
[ "$rc" -gt 128 ] || fail "new connection during partition: status $rc, line '$LINE'"
pass "partitioned: a new connection is accepted by the kernel but gets silence"

# (3) Heal: the bytes held back in kernel buffers arrive on both connections.
kill -USR2 "$PROXY_PID"
wait_log "partition OFF"
read_line 3 || fail "old connection got nothing after heal (read status $?)"
[ "$LINE" = "sent during partition" ] || fail "after heal got '$LINE'"
read_line 4 || fail "pending connection got nothing after heal (read status $?)"
[ "$LINE" = "new during partition" ] || fail "pending connection after heal got '$LINE'"
printf 'after heal\n' >&3
read_line 3 && [ "$LINE" = "after heal" ] || fail "no round-trip after heal: '$LINE'"
pass "healed: pending bytes arrived, pending accept serviced, traffic flows again"

# A client close propagates: the proxy closes its side and logs it.
exec 4>&-
wait_log "conn #2 closed"
pass "client close is propagated and logged"

# A refused target closes the client: stop the echo server, then connect.
kill -TERM "$ECHO_PID"
rc=0; wait "$ECHO_PID" || rc=$?
ECHO_PID=""
[ "$rc" -eq 0 ] || fail "echo server exited $rc on SIGTERM"
rc=0; read_line 3 || rc=$?
[ "$rc" -eq 1 ] || fail "old connection not closed after the target died: status $rc"
exec 3>&-
exec 5<>"/dev/tcp/${PROXY_ADDR%:*}/${PROXY_ADDR##*:}"
rc=0; read_line 5 || rc=$?
[ "$rc" -eq 1 ] || fail "expected EOF when the target refuses, got status $rc"
exec 5>&-
wait_log "target connect failed"
pass "target gone: existing connection closed, new one closed on refusal"

# (4) SIGTERM exits 0.
kill -TERM "$PROXY_PID"
rc=0; wait "$PROXY_PID" || rc=$?
PROXY_PID=""
[ "$rc" -eq 0 ] || fail "proxy exited $rc on SIGTERM"
pass "SIGTERM exits 0"

echo "--- proxy log:"
cat "$WORK/proxy.log"
