// The Prometheus HTTP API, read side (issue 17; docs/prometheus.md,
// "Prometheus HTTP API"): what Grafana's Prometheus data source, promtool
// and Prometheus client libraries call.
//
//   GET|POST /api/v1/query, /api/v1/query_range, /api/v1/series,
//            /api/v1/labels, /api/v1/query_exemplars (always empty)
//   GET      /api/v1/label/<name>/values, /api/v1/metadata,
//            /api/v1/status/buildinfo, /api/v1/status/runtimeinfo,
//            /api/v1/status/flags, /api/v1/rules, /api/v1/alerts
//
// Every handler authorizes first (kQuery; rules and alerts kAlertsRead).
// Handlers that read storage take a QueryGate slot on the server thread
// (refused → 503 "unavailable" at once, never queued), then run on a pool
// of query.max_concurrent threads named "scout-http-q" and reply from
// there, reading through a BudgetedSource (deadline, samples, series of
// query.*). The others answer from memory on the server thread.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "collector/alerting/alert_engine.h"
#include "collector/auth/authorizer.h"
#include "collector/prom_api/http.h"
#include "collector/query_limits.h"
#include "collector/storage/storage.h"
#include "shared/clock.h"

namespace scout::collector {

struct PromApiDeps {
  const Storage& storage;
  QueryGate& gate;  // the collector's one gate: gRPC and HTTP queries share it
  QueryLimits limits;
  auth::Authorizer& authorizer;
  const alerting::AlertEngine* engine;  // null: alerting off
  const Clock& clock;
  // For /api/v1/rules' group "interval" (the engine's evaluation_interval).
  std::chrono::milliseconds rule_evaluation_interval{15000};
};

// One route: `prefix` routes match every path starting with `path`.
struct PromApiRoute {
  std::string method;
  std::string path;
  bool prefix = false;
  http::Handler handler;
};

// The routes above, sharing one worker pool that lives as long as any of
// the handlers. RegisterPromApi adds them to a router; tests call them
// directly.
std::vector<PromApiRoute> PromApiRoutes(const PromApiDeps& deps);

// Adds the routes above. `deps`' references must outlive the router (and
// the server running it); the worker pool lives as long as the handlers.
void RegisterPromApi(http::Router& router, const PromApiDeps& deps);

}  // namespace scout::collector
