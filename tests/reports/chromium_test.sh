#!/usr/bin/env bash
# The HTML report in a real headless Chromium: it must load without console
# errors, render to a non-trivial screenshot, and every chart must have
# drawn (the DOM as Chromium built it has <svg> charts whose line paths have
# at least two points).
#
# usage: chromium_test.sh SCOUT_REPORT_FIXTURE_BINARY
# Exit 77 (skipped) only when no Chromium is installed at all; run
# scripts/install-deps.sh first (it installs Debian's `chromium`).
set -euo pipefail

fixture_bin=$1
chromium=""
for c in chromium chromium-browser google-chrome; do
  if command -v "$c" >/dev/null 2>&1; then chromium=$(command -v "$c"); break; fi
done
if [ -z "$chromium" ]; then
  echo "SKIP: no chromium found; scripts/install-deps.sh installs it" >&2
  exit 77
fi

work=$(mktemp -d /tmp/scout-chromium-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$fixture_bin" "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }

check_page() {
  local name=$1 min_charts=$2
  local html="$work/$name.html"
  [ -s "$html" ] || fail "$name.html was not written"
  # No external references: the file must be self-contained.
  if grep -Eq '(src|href)="(https?:)?//' "$html"; then fail "$name.html references external assets"; fi
  if grep -q '<script' "$html"; then fail "$name.html contains a script"; fi

  local common=(--headless=new --no-sandbox --disable-gpu --no-first-run --no-default-browser-check
                --disable-extensions --hide-scrollbars --user-data-dir="$work/profile-$name"
                --enable-logging=stderr --v=0)
  timeout 60 "$chromium" "${common[@]}" --window-size=1280,4000 \
      --screenshot="$work/$name.png" "file://$html" >"$work/$name.shot.out" 2>"$work/$name.shot.err" ||
    { cat "$work/$name.shot.err" >&2; fail "chromium --screenshot failed for $name"; }
  timeout 60 "$chromium" "${common[@]}" --dump-dom "file://$html" \
      >"$work/$name.dom" 2>"$work/$name.dom.err" ||
    { cat "$work/$name.dom.err" >&2; fail "chromium --dump-dom failed for $name"; }

  # Loaded: a PNG of real size (an empty page compresses to a few KB).
  [ -s "$work/$name.png" ] || fail "no screenshot for $name"
  head -c 8 "$work/$name.png" | od -An -tx1 | tr -d ' \n' | grep -q '^89504e470d0a1a0a$' ||
    fail "$name.png is not a PNG"
  local size
  size=$(stat -c %s "$work/$name.png")
  [ "$size" -gt 50000 ] || fail "$name.png is only $size bytes"

  # No console output at all: with --enable-logging=stderr Chromium logs
  # every page console message as "...:CONSOLE:<line>] ..." (uncaught
  # exceptions, console.error, failed resource loads). The report has no
  # script, so any such line is an error.
  if grep -E ':CONSOLE[:(]|Uncaught' "$work/$name.shot.err" "$work/$name.dom.err"; then
    fail "console messages while loading $name"
  fi
  # The page really is the report (not an error page).
  grep -q 'SceneScout Performance Report' "$work/$name.dom" || fail "$name DOM is not the report"

  # Charts drew: count <svg class="chart"> and line paths with >= 2 points.
  python3 - "$work/$name.dom" "$min_charts" <<'PY' || fail "charts did not draw in $name"
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
want = int(sys.argv[2])
svgs = re.findall(r'<svg[^>]*class="chart"[^>]*>(.*?)</svg>', dom, re.S)
drawn = 0
for body in svgs:
    paths = re.findall(r'<path[^>]*\bd="([^"]*)"', body)
    if any(len(re.findall(r'[ML]\s*-?[\d.]+\s+-?[\d.]+', d)) >= 2 for d in paths):
        drawn += 1
print(f"{len(svgs)} charts, {drawn} with a drawn line")
if len(svgs) < want or drawn < want:
    sys.exit(1)
PY
  echo "ok: $name ($size byte screenshot)"
}

# Daily: 5 endpoints + 3 hosts + ingestion = 9 charts; weekly: 2.
check_page daily 9
check_page weekly 2
echo "PASS"
