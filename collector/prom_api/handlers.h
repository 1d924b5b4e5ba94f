// The API's endpoints as plain functions from a request to a response
// (prom_api.cc does authorization, the gate and the worker pool around
// them). Internal to collector/prom_api; tests call them through the
// registered routes.
#pragma once

#include "collector/prom_api/http.h"
#include "collector/prom_api/prom_api.h"
#include "collector/query_limits.h"

namespace scout::collector::prom_api {

// query_handlers.cc — run on the worker pool, charging `ticket`'s budget.
http::Response HandleQuery(const PromApiDeps& deps, const http::Request& req,
                           QueryGate::Ticket& ticket);
http::Response HandleQueryRange(const PromApiDeps& deps, const http::Request& req,
                                QueryGate::Ticket& ticket);

// series_handlers.cc — run on the worker pool.
http::Response HandleSeries(const PromApiDeps& deps, const http::Request& req,
                            QueryGate::Ticket& ticket);
http::Response HandleLabels(const PromApiDeps& deps, const http::Request& req,
                            QueryGate::Ticket& ticket);
// Path /api/v1/label/<name>/values.
http::Response HandleLabelValues(const PromApiDeps& deps, const http::Request& req,
                                 QueryGate::Ticket& ticket);

// info_handlers.cc — from memory, on the server thread.
http::Response HandleMetadata(const http::Request& req);
http::Response HandleBuildInfo();
http::Response HandleRuntimeInfo(int64_t start_ms, int64_t now_ms);
http::Response HandleFlags();
// `type` = "alert" | "record" | "" (Prometheus's filter; Scout has only
// alerting rules).
http::Response HandleRules(const PromApiDeps& deps, const http::Request& req);
// An empty list after checking `query`, `start`, `end` (no exemplars stored).
http::Response HandleExemplars(const http::Request& req);
http::Response HandleAlerts(const PromApiDeps& deps);

}  // namespace scout::collector::prom_api
