#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds, runs every test
# (unit, in-process gRPC, and end-to-end with real processes), plus the
# clang sanitizer build and the fuzz targets (issue 16).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
# The clang build: lock annotations, ASan + UBSan over the unit and loopback
# tests, the fuzz targets' regression inputs; then each fuzz target for
# FUZZ_SECONDS (10 s here, to keep the suite within its time budget).
scripts/sanitize-test.sh
FUZZ_SECONDS=${FUZZ_SECONDS:-10} scripts/fuzz.sh
cd build
ctest --output-on-failure -j"${JOBS:-2}" "$@"
