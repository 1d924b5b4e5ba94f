#include "shared/http/server_samples.h"

namespace scout::http {

std::vector<PromSample> HttpServerSamples(const ServerCounters& c) {
  std::vector<PromSample> out;
  for (const auto& [key, count] : c.Requests()) {
    out.push_back({"scout_http_requests_total",
                   {{"code", std::to_string(key.second)}, {"handler", key.first}},
                   static_cast<double>(count)});
  }
  auto add = [&](const char* name, double v) { out.push_back({name, {}, v}); };
  add("scout_http_connections_accepted_total", static_cast<double>(c.connections_accepted.load()));
  add("scout_http_connections_refused_total", static_cast<double>(c.connections_refused.load()));
  add("scout_http_connections_timed_out_total", static_cast<double>(c.connections_timed_out.load()));
  add("scout_http_connections_open", static_cast<double>(c.connections_open.load()));
  add("scout_http_request_bodies_too_large_total", static_cast<double>(c.bodies_too_large.load()));
  add("scout_http_client_cert_refused_total", static_cast<double>(c.tls_client_cert_refused.load()));
  add("scout_http_requests_rate_limited_total", static_cast<double>(c.rate_limited.load()));
  add("scout_http_rate_limit_callers", static_cast<double>(c.rate_limit_callers.load()));
  return out;
}

}  // namespace scout::http
