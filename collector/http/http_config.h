// The collector's `http:` config section (issue 17; docs/prometheus.md):
//
//   http:
//     listen: 127.0.0.1:9470       # "" = no HTTP port
//     threads: 2                   # epoll workers
//     max_connections: 512
//     max_connections_per_ip: 64   # 0 = no per-IP limit
//     connection_timeout: 60s      # idle or slow connection closed
//     max_header_bytes: 65536      # per connection: headers + buffers (431 beyond)
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

struct HttpConfig {
  std::string listen = "127.0.0.1:9470";
  unsigned threads = 2;
  unsigned max_connections = 512;
  unsigned max_connections_per_ip = 64;
  std::chrono::milliseconds connection_timeout = std::chrono::seconds(60);
  size_t max_header_bytes = 64 << 10;
};

// Reads `http:` from `root` when present (errors name file:line:key).
absl::Status ReadHttpConfig(ConfigMap& root, HttpConfig* out);

}  // namespace scout::collector
