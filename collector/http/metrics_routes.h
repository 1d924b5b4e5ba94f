// /metrics, /-/healthy and /-/ready on the collector's HTTP port (issue 17;
// docs/prometheus.md "HTTP listener and /metrics").
//
//   GET /metrics     kQuery. SelfMetrics::Snapshot() (ingest, storage,
//                    alerting, notifier, reports, limits: the series the
//                    collector also stores, labels as stored, `host`
//                    included) plus the HTTP port's own scout_http_*
//                    counters (not stored), in the text format 0.0.4.
//                    Snapshot reads counters and in-memory gauges only, so
//                    the handler answers on the server thread.
//   GET /-/healthy   no auth, no rate limit (probes); 200 while the process serves.
//   GET /-/ready     no auth, no rate limit; 200 when storage is open and the writer runs
//                    (deps.ready), else 503.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "collector/auth/authorizer.h"
#include "shared/http/server.h"
#include "shared/http/server_samples.h"
#include "shared/metric.h"
#include "shared/prom_text.h"

namespace scout::collector {

struct MetricsDeps {
  // The collector's self-metrics, as SelfMetrics::Snapshot() returns them.
  std::function<std::vector<SeriesPoints>()> snapshot;
  auth::Authorizer& authorizer;
  std::function<bool()> ready;
  std::shared_ptr<const http::ServerCounters> http_counters;  // may be null
};

void RegisterMetricsRoutes(http::Router& router, const MetricsDeps& deps);

// The latest point of every series, as exposition samples.
std::vector<PromSample> SamplesOf(const std::vector<SeriesPoints>& series);

}  // namespace scout::collector
