# Scout container images: scout-agent and scout-collector (+ sctl).
#
#   docker build --target agent     -t registry.example.com/scout/scout-agent:0.1.0 .
#   docker build --target collector -t registry.example.com/scout/scout-collector:0.1.0 .
#
# Needs BuildKit (the default builder since Docker 23; `buildah bud` and
# `podman build` work too) for the ccache cache mount in the build stage.
#
# Both stages use the same pinned Debian point release, so the shared
# libraries the binaries were linked against in `build` are exactly the ones
# `runtime` installs. For reproducible builds pin the digest as well, e.g.
#   FROM debian:12.15-slim@sha256:<digest> AS build
# (`docker buildx imagetools inspect debian:12.15-slim` prints it) and use the
# same reference in both FROM lines.
#
# tests/k8s/image_test.sh (ctest -R k8s_image) checks this file statically:
# pinned bases, the runtime packages against what the binaries link (ldd ->
# dpkg -S), no build tools at runtime, a numeric non-root USER, the targets,
# and SCOUT_VERSION against project(scout VERSION ...) in CMakeLists.txt.

ARG SCOUT_VERSION=0.1.0

# ---------------------------------------------------------------------------
FROM debian:12.15-slim AS build

# Build packages only (from scripts/install-deps.sh, minus test/demo tools):
# SCOUT_BUILD_TESTS=OFF leaves tests/ and bench/ out, so no GoogleTest.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ccache pkg-config \
      protobuf-compiler protobuf-compiler-grpc \
      libgrpc++-dev libprotobuf-dev libabsl-dev libre2-dev \
      libpqxx-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev zlib1g-dev \
      libspdlog-dev libyaml-cpp-dev libcli11-dev \
      libmicrohttpd-dev libgnutls28-dev libsnappy-dev nlohmann-json3-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .

# CMakeLists.txt uses ccache when found; the cache mount keeps it across builds.
ENV CCACHE_DIR=/ccache
RUN --mount=type=cache,target=/ccache \
    cmake -S /src -B /build -DCMAKE_BUILD_TYPE=Release -DSCOUT_BUILD_TESTS=OFF \
 && cmake --build /build -j"$(nproc)" --target scout-agent scout-collector sctl \
 && install -d /out \
 && install -m 0755 /build/agent/scout-agent /build/collector/scout-collector /build/ctl/sctl /out/ \
 && strip --strip-unneeded /out/scout-agent /out/scout-collector /out/sctl

# ---------------------------------------------------------------------------
FROM debian:12.15-slim AS runtime

ARG SCOUT_VERSION
ARG SCOUT_SOURCE=https://example.com/scout/scout
LABEL org.opencontainers.image.version="${SCOUT_VERSION}" \
      org.opencontainers.image.source="${SCOUT_SOURCE}" \
      org.opencontainers.image.base.name="docker.io/library/debian:12.15-slim"

# Exactly the packages whose libraries the binaries link directly (readelf -d
# NEEDED; their own dependencies come with them), plus data packages:
# ca-certificates for HTTPS probes / TLS to the collector and alert
# receivers, tzdata for report time zones (absl::LoadTimeZone).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates tzdata \
      libc6 libgcc-s1 libstdc++6 zlib1g \
      libabsl20220623 libprotobuf32 libgrpc29 libgrpc++1.51 libre2-9 \
      libcurl4 libssl3 libpq5 libpqxx-6.4 libsqlite3-0 \
      libspdlog1.10 libfmt9 libyaml-cpp0.7 \
      libmicrohttpd12 libsnappy1v5 \
 && rm -rf /var/lib/apt/lists/*

# Non-root user with a fixed uid/gid (Kubernetes runAsUser/fsGroup: 10001).
# /var/lib/scout: collector database, agent spool (/var/lib/scout/spool).
RUN groupadd --gid 10001 scout \
 && useradd --uid 10001 --gid 10001 --home-dir /var/lib/scout \
      --no-create-home --shell /usr/sbin/nologin scout \
 && install -d -m 0750 -o 10001 -g 10001 /var/lib/scout

WORKDIR /var/lib/scout
USER 10001:10001

# ---------------------------------------------------------------------------
FROM runtime AS agent
LABEL org.opencontainers.image.title="scout-agent" \
      org.opencontainers.image.description="Scout host agent: procfs/sysfs sampling, HTTP(S)/TCP probes, PostgreSQL; streams to scout-collector"
COPY --from=build /out/scout-agent /usr/local/bin/scout-agent
# The DaemonSet mounts the node's / at /host and passes --host-root /host.
ENTRYPOINT ["/usr/local/bin/scout-agent"]

# ---------------------------------------------------------------------------
FROM runtime AS collector
LABEL org.opencontainers.image.title="scout-collector" \
      org.opencontainers.image.description="Scout collector (SQLite storage, queries, alerting, reports) and the sctl CLI"
COPY --from=build /out/scout-collector /out/sctl /usr/local/bin/
# Data dir: the database lives under /var/lib/scout (mount a volume there).
VOLUME ["/var/lib/scout"]
# 7070: gRPC with TLS and tokens; 7071: plaintext grpc.health.v1 only;
# 9470: HTTP (Prometheus API, /metrics, remote write) with the same TLS and tokens.
EXPOSE 7070 7071 9470
ENTRYPOINT ["/usr/local/bin/scout-collector"]
# Defaults for a bare `docker run`; Kubernetes args (e.g. --config) replace
# them. TLS and tokens from the files scripts/gen-certs.sh writes:
#   docker run -v $PWD/deploy/k8s/secrets/tls:/etc/scout/tls:ro \
#     -v $PWD/deploy/k8s/secrets/tokens:/etc/scout/auth:ro -p 7070:7070 <image>
# (the collector refuses plaintext on 0.0.0.0 unless given --insecure).
CMD ["--listen", "0.0.0.0:7070", "--health-listen", "0.0.0.0:7071", \
     "--db", "/var/lib/scout/scout.db", \
     "--tls-cert", "/etc/scout/tls/tls.crt", "--tls-key", "/etc/scout/tls/tls.key", \
     "--tokens-file", "/etc/scout/auth/tokens.yaml"]
