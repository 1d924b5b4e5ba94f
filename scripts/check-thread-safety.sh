#!/usr/bin/env bash
# Static check of the lock annotations: builds the three programs (not the
# tests) with clang -Wthread-safety -Werror=thread-safety into
# ./build-clang. Every mutex in product code is an absl::Mutex whose guarded
# members carry ABSL_GUARDED_BY, so a field read without its lock, or a
# *Locked() helper called without it, fails here.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR=$PWD
cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
  -DSCOUT_BUILD_TESTS=OFF >/dev/null
cmake --build build-clang -j"${JOBS:-2}" --target scout-agent scout-collector sctl
echo "check-thread-safety: clang -Wthread-safety passed"
