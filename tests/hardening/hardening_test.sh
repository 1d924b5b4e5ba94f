#!/usr/bin/env bash
# Issue 16: checks the hardening of release binaries from their ELF headers
# (the flags are set in the top-level CMakeLists.txt):
#   PIE          ELF type DYN (position-independent executable)
#   full RELRO   a GNU_RELRO segment and BIND_NOW (FLAGS BIND_NOW or
#                FLAGS_1 NOW): every relocation resolved at start, then the
#                GOT made read-only
#   stack protector   __stack_chk_fail imported
#   _FORTIFY_SOURCE   at least one fortified libc call (__*_chk) imported
# Usage: hardening_test.sh BINARY...
set -uo pipefail
command -v readelf >/dev/null || { echo "readelf not found (binutils)"; exit 1; }
[ $# -gt 0 ] || { echo "usage: $0 BINARY..."; exit 2; }

failures=0
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }

for bin in "$@"; do
  name=$(basename "$bin")
  [ -f "$bin" ] || { fail "$name" "no such file $bin"; continue; }
  header=$(readelf -hW "$bin") || { fail "$name" "readelf -h failed"; continue; }
  dynamic=$(readelf -dW "$bin")
  segments=$(readelf -lW "$bin")
  symbols=$(readelf --dyn-syms -W "$bin")

  grep -Eq 'Type:[[:space:]]+DYN' <<<"$header" || fail "$name" "not a PIE (ELF type is not DYN)"
  grep -q 'GNU_RELRO' <<<"$segments" || fail "$name" "no GNU_RELRO segment"
  if ! grep -Eq '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*[[:space:]]NOW|\(BIND_NOW\)' <<<"$dynamic"; then
    fail "$name" "no BIND_NOW / FLAGS_1 NOW (only partial RELRO)"
  fi
  grep -Eq '\(FLAGS_1\).*PIE' <<<"$dynamic" || fail "$name" "FLAGS_1 lacks PIE"
  grep -q '__stack_chk_fail' <<<"$symbols" || fail "$name" "__stack_chk_fail not imported (no stack protector)"
  chk=$(grep -Eo '__[a-z_]+_chk(@[A-Z_0-9.]+)?' <<<"$symbols" | grep -v '^__stack_chk' | sort -u)
  if [ -z "$chk" ]; then
    fail "$name" "no fortified __*_chk call imported (_FORTIFY_SOURCE off?)"
  else
    echo "ok   $name: PIE, full RELRO, stack protector, fortified: $(echo $chk | tr '\n' ' ')"
  fi
done
[ "$failures" -eq 0 ] || { echo "$failures hardening check(s) failed"; exit 1; }
echo "hardening: all ${#} binaries hardened"
