// Agent: builds and owns every piece of a running agent — the spool, the
// plugins, the scheduler and the ingest client — in dependency order, and
// stops them in reverse. Mirrors collector::CollectorServer.
//
// main() builds the config (file, then flags), starts an Agent with the
// SystemClock and the built-in PluginRegistry, waits for SIGINT/SIGTERM
// and calls Stop(). Tests may start one the same way.
//
// Threads, each named, owned and joined here (docs/architecture.md):
// the scheduler's "scout-collect"; one "scout-p-<plugin>" per plugin
// (PluginRunner); "scout-agt-http" with --metrics-listen; the ingest
// client's "scout-send" and, per stream,
// "scout-recv"; and the threads plugins own themselves (probes: "scout-probe";
// filesystem and postgres: DeadlineCall workers).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/agent_config.h"
#include "agent/agent_counters.h"
#include "agent/host/host_fs.h"
#include "agent/plugin_registry.h"
#include "agent/self/metrics_listener.h"
#include "shared/clock.h"

namespace scout::agent {

class IngestClient;
}  // namespace scout::agent
namespace scout::http {
class Server;
}
namespace scout::agent {
class Scheduler;
using scout::Spool;  // shared/spool.h (agent_config.h includes it)

class Agent {
 public:
  struct Options {
    // Touched after every collection cycle (for --check-alive); empty: none.
    std::string alive_file;
    // Issue 17: the agent's own /metrics (agent/self/metrics_listener.h);
    // metrics.listen "" = off. Holds the metrics token: never log it.
    MetricsListenOptions metrics;
  };

  // Opens the spool, creates the enabled plugins (config.collectors, or the
  // registry's defaults), then starts the ingest client and the scheduler.
  // REQUIRES: `config` validated, id and hostname set; `plugins` and
  // `clock` outlive the Agent.
  // Errors, ready to print: FailedPrecondition when the spool cannot be
  // opened; InvalidArgument when a plugin cannot be created from the
  // config.
  static absl::StatusOr<std::unique_ptr<Agent>> Start(const AgentConfig& config,
                                                      const PluginRegistry& plugins,
                                                      const Clock& clock, Options options);
  ~Agent();  // Stop()

  // Port of --metrics-listen (0 when off).
  int metrics_port() const;

  // Stops the scheduler (no new batches), then the ingest client (up to 5 s
  // to deliver what is spooled), and logs the final counters. Idempotent.
  void Stop();

 private:
  explicit Agent(const AgentConfig& config);

  const AgentConfig config_;
  AgentCounters counters_;
  HostFs host_;
  bool stopped_ = false;
  std::unique_ptr<Spool> spool_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<IngestClient> client_;
  std::unique_ptr<http::Server> metrics_;  // null without --metrics-listen
};

// The enabled plugins: config.collectors, or the registry's defaults when
// the config lists none.
absl::StatusOr<std::vector<std::unique_ptr<Plugin>>> CreateEnabledPlugins(
    const PluginRegistry& plugins, const PluginContext& context);

}  // namespace scout::agent
