// The HTTP server's counters as /metrics samples (docs/metrics.md,
// scout_http_*): shared by the collector's and the agent's /metrics.
#pragma once

#include <vector>

#include "shared/http/server.h"
#include "shared/prom_text.h"

namespace scout::http {

std::vector<PromSample> HttpServerSamples(const ServerCounters& counters);

}  // namespace scout::http
