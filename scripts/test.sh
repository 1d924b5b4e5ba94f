#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds, runs every test
# (unit, in-process gRPC, and end-to-end with real processes).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
scripts/check-thread-safety.sh
cd build
ctest --output-on-failure -j"${JOBS:-2}" "$@"
