#include "collector/http/metrics_routes.h"

#include "collector/http/http_auth.h"

namespace scout::collector {

std::vector<PromSample> SamplesOf(const std::vector<SeriesPoints>& series) {
  std::vector<PromSample> out;
  out.reserve(series.size());
  for (const SeriesPoints& s : series) {
    if (s.points.empty()) continue;
    out.push_back({s.key.metric, s.key.labels, s.points.back().value});
  }
  return out;
}

void RegisterMetricsRoutes(http::Router& router, const MetricsDeps& deps) {
  router.Handle("GET", "/metrics", [deps](http::Request req, http::Reply reply) {
    if (auto who = AuthorizeHttp(deps.authorizer, req, auth::Permission::kQuery); !who.ok()) {
      reply(AuthErrorResponse(who.status()));
      return;
    }
    std::vector<PromSample> samples = SamplesOf(deps.snapshot());
    if (deps.http_counters) {
      for (PromSample& s : http::HttpServerSamples(*deps.http_counters)) samples.push_back(std::move(s));
    }
    http::Response r;
    r.content_type = kPromTextContentType;
    r.body = WritePromText(std::move(samples));
    reply(std::move(r));
  }, http::RouteOptions{0});
  router.Handle("GET", "/-/healthy", [](http::Request, http::Reply reply) {
    reply(http::Response{200, "text/plain; charset=utf-8", "Scout collector is Healthy.\n", {}});
  }, http::RouteOptions{0, /*rate_limited=*/false});
  router.Handle("GET", "/-/ready", [deps](http::Request, http::Reply reply) {
    if (deps.ready && deps.ready()) {
      reply(http::Response{200, "text/plain; charset=utf-8", "Scout collector is Ready.\n", {}});
    } else {
      reply(http::Response{503, "text/plain; charset=utf-8", "Scout collector is not ready.\n", {}});
    }
  }, http::RouteOptions{0, /*rate_limited=*/false});
}

}  // namespace scout::collector
