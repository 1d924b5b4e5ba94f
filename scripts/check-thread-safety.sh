#!/usr/bin/env bash
# Static check of the lock annotations (issue 14): builds the three programs
# with clang -Wthread-safety -Werror=thread-safety into ./build-clang. Every
# mutex in product code is an absl::Mutex whose guarded members carry
# ABSL_GUARDED_BY, so a field read without its lock, or a *Locked() helper
# called without it, fails here. Since issue 16 this is the build of
# scripts/sanitize-test.sh (the same clang build also carries ASan + UBSan
# and the fuzz targets), without running its tests.
set -euo pipefail
exec "$(dirname "$0")/sanitize-test.sh" --build-only
