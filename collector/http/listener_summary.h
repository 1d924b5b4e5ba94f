// The collector's start-up log line for its HTTP port (issue 17): what an
// operator needs to know at a glance, that the port is more than /metrics.
//
//   http: listening on 127.0.0.1:9470 (TLS on, client certificates
//   optional, auth on, rate limit 1000/s burst 2000 per caller): /-/* (2
//   routes), /api/v1/* (13 routes), /api/v1/write, /metrics
//
// Route families: /api/v1/write (remote write in) on its own, other
// /api/v1/... folded into /api/v1/*, /-/... into /-/*, the rest as
// registered. Pure.
#pragma once

#include <string>
#include <vector>

namespace scout::collector {

struct ListenerFacts {
  std::string address;  // "127.0.0.1:9470" (the bound port, not 0)
  bool tls = false;
  std::string client_certs = "off";  // "off", "optional", "required"
  bool auth = false;
  double rate_per_second = 0;  // 0 = off
  unsigned burst = 0;
  std::vector<std::string> patterns;  // Router::Patterns()
};

// "/-/* (2 routes), /api/v1/* (13 routes), /api/v1/write, /metrics"
std::string RouteFamilies(const std::vector<std::string>& patterns);

std::string ListenerSummary(const ListenerFacts& facts);

}  // namespace scout::collector
