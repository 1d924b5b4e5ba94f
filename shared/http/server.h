// HTTP(S) server for the collector's HTTP face and the agent's
// --metrics-listen (issue 17; docs/prometheus.md).
//
// Built on libmicrohttpd (event-driven: an idle or slow connection costs
// memory, not a thread; connection, per-IP, timeout and memory limits;
// suspend/resume so a reply can wait for a worker without holding a thread)
// and GnuTLS for HTTPS.
//
// Contract:
// - Unknown path -> 404; known path, wrong method -> 405 with Allow unset;
//   a body over the route's max_body_bytes -> 413, decided from
//   Content-Length before reading it, or as soon as a chunked body passes
//   the bound. Request headers beyond connection_memory_bytes -> MHD's 431.
// - Connections beyond max_connections (or max_connections_per_ip from one
//   address) are closed at accept; a connection idle for
//   connection_timeout is closed. Every rejection is counted (ServerCounters).
// - Rate limit (rate_limit, off by default): one token bucket per caller,
//   the key from rate_limit_key (the collector: its principal, else the
//   peer IP), decided once the headers are in, before the body is read and
//   before the handler runs. Over the limit -> 429 with `Retry-After`
//   (whole seconds) and `Connection: close`, counted in rate_limited. Routes
//   with RouteOptions::rate_limited = false (health probes) are exempt.
// - TLS: cert and key re-read when their files change (checked at most
//   every reload_interval, on a handshake), so rotation needs no restart;
//   established connections keep their session. With client_ca_file, client
//   certificates are asked for and verified against the (re-read) CA file
//   on each request; a verified certificate's CN and SANs are in
//   Request::client_cert. With require_client_cert, a request without a
//   verified certificate gets 401 and the connection is closed (MHD cannot
//   fail the handshake itself).
// - Threads: libmicrohttpd's own pool of `threads` epoll workers. MHD names
//   them itself; we rename each to "scout-http" (or options.thread_name) on
//   its first connection, as MHD offers no hook at thread start.
//
// Thread-safe; Stop() is idempotent and also run by the destructor.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "shared/http/rate_limiter.h"
#include "shared/http/router.h"

namespace scout::http {

struct TlsFiles {
  std::string cert_file, key_file;  // PEM; the key must not be encrypted
  std::string client_ca_file;       // "" = client certificates are not asked for
  bool require_client_cert = false;  // needs client_ca_file
  std::chrono::milliseconds reload_interval = std::chrono::seconds(60);
};

// What the server counted. Shared so /metrics can be registered before the
// server exists. Thread-safe.
class ServerCounters {
 public:
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> connections_refused{0};  // over max_connections / per-IP limit
  std::atomic<uint64_t> connections_timed_out{0};
  std::atomic<int64_t> connections_open{0};
  std::atomic<uint64_t> bodies_too_large{0};  // 413s
  std::atomic<uint64_t> tls_client_cert_refused{0};  // require_client_cert, none verified
  std::atomic<uint64_t> rate_limited{0};             // 429s from the per-caller rate limit
  std::atomic<int64_t> rate_limit_callers{0};        // callers tracked by the limiter now

  void CountRequest(const std::string& handler, int code);
  // (handler, code) -> requests answered. handler is the route's pattern,
  // "none" for 404s.
  std::map<std::pair<std::string, int>, uint64_t> Requests() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_ ABSL_GUARDED_BY(mu_);
};

struct ServerOptions {
  std::string listen = "127.0.0.1:9470";  // host:port; port 0 = pick a free one
  std::optional<TlsFiles> tls;
  unsigned threads = 2;                   // epoll workers
  unsigned max_connections = 512;
  unsigned max_connections_per_ip = 64;   // 0 = no per-IP limit
  std::chrono::seconds connection_timeout{60};  // idle (or slow) connection closed
  size_t connection_memory_bytes = 64 << 10;    // per connection: headers + I/O buffers
  std::chrono::milliseconds stop_grace{5000};   // Stop() waits this long for pending replies
  std::string thread_name = "scout-http";
  RateLimit rate_limit;  // per caller; requests_per_second 0 = off
  // The caller's rate-limit key, from the headers, peer and client
  // certificate (no body yet). Null: the peer's IP ("ip:127.0.0.1").
  // Runs on the server threads for every request: must be cheap and must
  // not block; never put a secret in the key (it is a map key, not logged,
  // but hash it anyway).
  std::function<std::string(const Request&)> rate_limit_key;
  std::shared_ptr<ServerCounters> counters;  // null: the server makes its own
};

class Server {
 public:
  static absl::StatusOr<std::unique_ptr<Server>> Start(ServerOptions options, Router router);
  ~Server();

  int port() const { return port_; }
  const ServerCounters& counters() const { return *counters_; }
  // Stops accepting, waits (up to stop_grace) for pending replies, answers
  // the rest 503, joins the threads.
  void Stop();

  struct Impl;  // libmicrohttpd glue (server.cc)

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::shared_ptr<ServerCounters> counters_;
  int port_ = 0;
};

}  // namespace scout::http
