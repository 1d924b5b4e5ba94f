#!/usr/bin/env bash
# The Markdown report under hostile data (issue 16): every data string of
# the fixture reports replaced by Markdown/HTML injection attempts
# (`scout-report-fixture --hostile`, tests/reports/hostile_report.h), then
# parsed by commonmark.js, the CommonMark reference parser: no link, image
# or raw HTML node may appear, and every hostile string must show as text.
#   markdown_commonmark_test.sh SCOUT_REPORT_FIXTURE WORK
# WORK/tools  the pinned npm tools (tests/reports/tools/package-lock.json),
#             installed with `npm ci` once and reused while the lock is unchanged
set -euo pipefail
FIXTURE=$1
WORK=$2
HERE="$(cd "$(dirname "$0")" && pwd)"

source "$HERE/../common/npm_tools.sh"
npm_tools "$HERE/tools" "$WORK/tools" node_modules/commonmark/package.json
cp "$HERE/tools/check_markdown.js" "$WORK/tools/"

rm -rf "$WORK/out"
mkdir -p "$WORK/out"
"$FIXTURE" --hostile "$WORK/out"
# The tool's own report is not empty of the constructs the check looks for
# by accident: the escaped text must still be there.
grep -q 'onerror' "$WORK/out/daily.md" || { echo "FAIL: hostile strings missing from daily.md"; exit 1; }
node "$WORK/tools/check_markdown.js" "$WORK/out/hostile.json" "$WORK/out/daily.md" "$WORK/out/weekly.md"

# The check itself can fail: unescaped, the same strings give link and HTML nodes.
printf '| %s |\n' "[x](javascript:alert(1))" "<img src=x onerror=alert(1)>" > "$WORK/out/unescaped.md"
if node "$WORK/tools/check_markdown.js" "$WORK/out/hostile.json" "$WORK/out/unescaped.md" >/dev/null 2>&1; then
  echo "FAIL: the check accepted unescaped links and HTML"
  exit 1
fi
echo "PASS: Markdown report renders hostile data as text (commonmark.js)"
