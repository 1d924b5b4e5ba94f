// The agent's own /metrics (issue 17; `scout-agent --metrics-listen`, off
// by default): the scout_agent_* values of the `agent` plugin
// (agent/self/agent_plugin.h), read at scrape time, plus the listener's
// scout_http_* counters, in the Prometheus text format. Also /-/healthy.
//
// No authentication (the values are counters, no secrets), so a
// non-loopback address needs TLS (cert + key): plaintext is refused there,
// as for the collector's ports. Served by shared/http (thread
// "scout-agt-http", one worker, 16 connections).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "agent/agent_counters.h"
#include "shared/spool.h"
#include "shared/http/server.h"

namespace scout::agent {

struct MetricsListenOptions {
  std::string listen;  // "" = off
  std::string tls_cert_file, tls_key_file;  // both or neither
};

// InvalidArgument for a non-loopback listen without TLS or half a TLS pair.
absl::Status CheckMetricsListen(const MetricsListenOptions& options);

// `spool` may be null. Both must outlive the server.
absl::StatusOr<std::unique_ptr<http::Server>> StartMetricsListener(
    const MetricsListenOptions& options, const AgentCounters& counters, const Spool* spool);

}  // namespace scout::agent
