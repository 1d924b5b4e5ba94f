// scout-bench remote-write: Prometheus remote write 1.0 load (issue 17).
//
// N senders, each on its own keep-alive HTTP connection (one thread and one
// HttpPoster each), POST snappy-compressed prometheus.WriteRequests of M
// series x P points to a URL, unpaced: one request in flight per sender,
// the next sent as soon as the previous one is answered (so it compares with
// `scout-bench ingest --window 1`). The series have the shape of the gRPC
// ingest mode's (bench_metric_<s % 20>{host="bench-agent-<i>", series="<s>"}),
// timestamps 10 s apart starting one day back (--backdate), so the same
// workload can go either way into a collector.
//
// Security: --token-file (else $SCOUT_TOKEN_FILE / $SCOUT_TOKEN) becomes
// "Authorization: Bearer"; --ca, --cert/--key apply to an https:// URL,
// whose host must be the name in the server's certificate (--server-name is
// refused: libcurl checks the URL's host). Plaintext to a non-local URL
// needs --insecure, as for the gRPC modes. The token never reaches output.
//
// Against a Scout collector: with an agent-role token the collector sets
// every series' host label to the token's principal, so the senders'
// series collide (use an admin token, or no auth on loopback, to keep them
// apart); more than http.max_connections_per_ip (64) senders from one
// address are refused connections.
//
// A non-2xx answer or a transport error is counted (by HTTP status, 0 for
// transport) and the sender waits `error_backoff` before its next request,
// with new timestamps: the benchmark measures throughput, not delivery.
//
// Prints, like `ingest`: samples/s answered 2xx (for Scout: committed),
// request latency p50/p99/max, errors, client CPU. Returns 0 when no
// request failed and something was accepted.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "bench/bench_target.h"

namespace scout::bench {

struct RemoteWriteLoadOptions {
  std::string url;                    // http(s)://host:port/api/v1/write
  int senders = 50;
  int series = 1000;                  // per sender and request
  int points = 1;                     // per series and request
  int64_t requests = 0;               // per sender; 0 = until `duration`
  std::chrono::milliseconds duration{30'000};
  std::chrono::milliseconds timeout{30'000};  // per request
  std::chrono::milliseconds error_backoff{100};
  // The first timestamp is this far back (then 10 s apart). 0 for a
  // Prometheus whose own remote write should forward the samples: its WAL
  // reader skips samples older than its start.
  std::chrono::milliseconds backdate{86'400'000};
};

// `target` carries the resolved TLS files and token (ResolveSecurity with
// target.address = the URL's host:port, see RemoteWriteAddress).
int RunRemoteWriteLoad(const Target& target, const RemoteWriteLoadOptions& options);

// "host:port" of an http(s) URL (port defaulted from the scheme), for the
// plaintext-to-non-local check; an error for another scheme or no host.
absl::StatusOr<std::string> RemoteWriteAddress(const std::string& url);

}  // namespace scout::bench
