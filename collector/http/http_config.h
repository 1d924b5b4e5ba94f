// The collector's `http:` config section (issue 17; docs/prometheus.md):
//
//   http:
//     listen: 127.0.0.1:9470       # "" = no HTTP port
//     threads: 2                   # epoll workers
//     max_connections: 512
//     max_connections_per_ip: 64   # 0 = no per-IP limit
//     connection_timeout: 60s      # idle or slow connection closed
//     max_header_bytes: 65536      # per connection: headers + buffers (431 beyond)
//     rate_limit:                  # per caller: its principal, else its IP (429 beyond)
//       requests_per_second: 1000  # token refill rate; 0 = no rate limit
//       burst: 2000                # bucket size: requests a fresh caller may send at once
//       max_callers: 10000         # callers tracked; least recently seen evicted
//
// TLS comes from the collector's `tls:` section, identities and roles from
// `auth:` (the same as the gRPC port's).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "shared/yaml_config.h"

namespace scout::collector {

// Defaults sized for one Grafana shared by ~30 users (its data source sends
// one identity for all of them: 20-panel dashboards refreshed every 10 s)
// plus a remote-write sender; a runaway script is held to 100 requests/s.
struct HttpRateLimitConfig {
  // A Grafana opening a few dashboards sends one query per panel and
  // variable at once, all under one identity: hundreds in a second.
  double requests_per_second = 1000;
  unsigned burst = 2000;
  unsigned max_callers = 10000;
};

struct HttpConfig {
  std::string listen = "127.0.0.1:9470";
  unsigned threads = 2;
  unsigned max_connections = 512;
  unsigned max_connections_per_ip = 64;
  std::chrono::milliseconds connection_timeout = std::chrono::seconds(60);
  size_t max_header_bytes = 64 << 10;
  HttpRateLimitConfig rate_limit;
};

// Reads `http:` from `root` when present (errors name file:line:key).
absl::Status ReadHttpConfig(ConfigMap& root, HttpConfig* out);

}  // namespace scout::collector
