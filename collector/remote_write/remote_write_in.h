// Remote write in: POST /api/v1/write accepts Prometheus remote write 1.0
// (snappy-compressed prometheus.WriteRequest) from Prometheus, Grafana
// Alloy, vmagent or an OpenTelemetry collector, through the same steps as
// gRPC ingest (IngestPipeline: validation, series limits, rejections
// counted per agent and reason, the WriteQueue's group commit).
//
// Per request:
//   1. authorize (Deps::authorize; kIngest). The principal's name is the
//      sender's agent id for the series limits and the rejection counters;
//      a principal of the agent role has every series' `host` label set to
//      its name, as for gRPC (one sender cannot write as another host).
//   2. Content-Encoding: snappy and Content-Type: application/x-protobuf,
//      else 415.
//   3. The write queue is over its memory budget -> 503 + Retry-After.
//   4. Decode, bounded (remote_write_codec.h): the body is at most
//      max_body_bytes (the route refuses more with 413), the decompressed
//      request at most max_decoded_bytes, at most max_series series; over a
//      bound 413, malformed snappy or protobuf 400 bad_data.
//   5. `__name__` becomes the metric; samples keep their timestamps;
//      staleness markers are kept bit-exact (PointLimits::allow_stale_nan).
//      Invalid samples are dropped and counted; if nothing is left, 400
//      bad_data with the summary (a 4xx: the sender must not retry).
//   6. The rest goes to the WriteQueue. The handler returns at once; the
//      reply is sent from the commit callback: 204 after the commit, 503 +
//      Retry-After when storage refused it or the collector is stopping
//      (a 5xx: the sender retries; a retried sample is stored once, as
//      storage writes are idempotent per series and timestamp).
// Error bodies use Prometheus's envelope:
//   {"status":"error","errorType":"bad_data","error":"..."}.
//
// Thread safety: the handler may run on many server threads at once.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "collector/auth/principal.h"
#include "collector/batch_validation.h"
#include "collector/ingest_pipeline.h"
#include "shared/http/router.h"
#include "collector/remote_write/remote_write_codec.h"
#include "shared/clock.h"

namespace scout::collector::remote_write {

struct RemoteWriteInOptions {
  size_t max_body_bytes = 32u << 20;  // compressed, the route's limit
  DecodeLimits decode;                // 64 MiB decompressed, 100,000 series
  PointLimits points;                 // the `ingest:` limits; allow_stale_nan forced on
  std::chrono::seconds retry_after{5};
};

// scout_remote_write_in_* (docs/metrics.md).
class RemoteWriteInCounters {
 public:
  std::atomic<uint64_t> samples_received{0};
  std::atomic<uint64_t> samples_stored{0};    // committed
  std::atomic<uint64_t> samples_rejected{0};  // invalid or over a series limit
  std::atomic<uint64_t> samples_failed{0};    // refused by storage/queue (sender retries)
  void CountRequest(int status);
  // requests_total by HTTP status code.
  std::map<int, uint64_t> requests() const;

 private:
  mutable absl::Mutex mu_;
  std::map<int, uint64_t> requests_ ABSL_GUARDED_BY(mu_);  // few distinct codes
};

struct RemoteWriteInDeps {
  IngestPipeline& pipeline;
  const Clock& clock;
  // Integration: [&](const http::Request& r) { return AuthorizeHttp(authorizer, r, kIngest); }
  std::function<absl::StatusOr<auth::Principal>(const http::Request&)> authorize;
  // Integration: http::AuthErrorResponse. Unset: 401/403 with the envelope.
  std::function<http::Response(const absl::Status&)> auth_error;
  RemoteWriteInCounters& counters;  // outlives the router
  RemoteWriteInOptions options;
};

// Registers POST /api/v1/write.
void RegisterRemoteWriteIn(http::Router& router, const RemoteWriteInDeps& deps);

// The handler itself (what RegisterRemoteWriteIn registers), for tests.
http::Handler MakeRemoteWriteHandler(const RemoteWriteInDeps& deps);

}  // namespace scout::collector::remote_write
