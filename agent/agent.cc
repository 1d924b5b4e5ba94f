#include "agent/agent.h"

#include "agent/self/metrics_listener.h"
#include "shared/http/server.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <random>
#include <utility>

#include "absl/strings/str_format.h"
#include "agent/alive_file.h"
#include "agent/ingest_client.h"
#include "agent/scheduler.h"
#include "shared/spool.h"
#include "shared/duration.h"
#include "shared/logging.h"
#include "shared/utf8.h"
#include "shared/version.h"

namespace scout::agent {
namespace {

std::string NewIncarnationId() {
  std::random_device rd;
  return absl::StrFormat("%08x%08x%08x%08x", rd(), rd(), rd(), rd());
}

// The id, hostname and labels come from the config file and the kernel's
// hostname, which may hold any bytes; proto3 cannot parse a Hello whose
// strings are not UTF-8, so they are repaired (and counted) once here.
std::string SanitizedField(const std::string& text, AgentCounters& counters) {
  if (IsValidUtf8(text)) return text;
  ++counters.labels_sanitized;
  return SanitizeUtf8(text);
}

IngestClientOptions ClientOptions(const AgentConfig& config, AgentCounters& counters) {
  IngestClientOptions options;
  options.address = config.collector;
  options.security = config.security;
  options.agent_id = SanitizedField(config.id, counters);
  options.hostname = SanitizedField(config.hostname, counters);
  std::vector<std::pair<std::string, std::string>> labels;
  for (const auto& [name, value] : config.labels) {
    labels.emplace_back(SanitizedField(name, counters), SanitizedField(value, counters));
  }
  options.labels = MakeLabels(std::move(labels));
  options.incarnation_id = NewIncarnationId();
  options.interval_ms = config.interval.count();
  options.max_backoff = config.reconnect_max_backoff;
  options.replay_samples_per_second = config.replay_samples_per_second;
  return options;
}

std::function<void()> AfterCycle(const std::string& alive_file) {
  if (alive_file.empty()) return nullptr;
  auto alive = std::make_shared<AliveFile>(alive_file);
  alive->RemoveStale();
  return [alive] { alive->Touch(); };
}

}  // namespace

absl::StatusOr<std::vector<std::unique_ptr<Plugin>>> CreateEnabledPlugins(
    const PluginRegistry& plugins, const PluginContext& context) {
  const AgentConfig& config = context.config;
  return plugins.Create(config.collectors.empty() ? plugins.DefaultNames(config)
                                                  : config.collectors,
                        context);
}

Agent::Agent(const AgentConfig& config)
    : config_(config), host_(config.host) {}

absl::StatusOr<std::unique_ptr<Agent>> Agent::Start(const AgentConfig& config,
                                                    const PluginRegistry& plugins,
                                                    const Clock& clock, Options options) {
  if (absl::Status files = CheckClientFiles(config.security); !files.ok()) {
    return absl::InvalidArgumentError(files.message());
  }
  std::unique_ptr<Agent> agent(new Agent(config));
  auto spool = Spool::Open(config.spool, clock);
  if (!spool.ok()) {
    return absl::FailedPreconditionError(
        absl::StrFormat("cannot open the spool: %s", spool.status().message()));
  }
  agent->spool_ = *std::move(spool);
  auto created = CreateEnabledPlugins(
      plugins, {agent->host_, clock, agent->config_, agent->counters_, agent->spool_.get()});
  if (!created.ok()) return absl::InvalidArgumentError(created.status().message());
  IngestClientOptions client_options = ClientOptions(config, agent->counters_);
  // The host label is the (repaired) agent id, as in the Hello.
  agent->scheduler_ = std::make_unique<Scheduler>(*std::move(created), client_options.agent_id,
                                                  clock, agent->counters_,
                                                  std::min(config.plugin_timeout, config.interval));
  agent->client_ = std::make_unique<IngestClient>(std::move(client_options), *agent->spool_,
                                                  agent->counters_, clock);
  spdlog::info("scout-agent {} id={} hostname={} collector={} tls={} interval={} spool={}",
               kVersion, config.id, config.hostname, config.collector,
               config.security.tls ? "on" : "off", FormatDuration(config.interval),
               config.spool.dir);
  if (!options.metrics.listen.empty()) {
    auto metrics = StartMetricsListener(options.metrics, agent->counters_, agent->spool_.get());
    if (!metrics.ok()) return absl::InvalidArgumentError(metrics.status().message());
    agent->metrics_ = *std::move(metrics);
    spdlog::info("{}", MetricsListenerSummary(options.metrics, agent->metrics_->port()));
  }
  agent->client_->Start();
  agent->scheduler_->Start(config.interval, config.max_batch_bytes, *agent->spool_,
                           AfterCycle(options.alive_file));
  return agent;
}

Agent::~Agent() { Stop(); }

int Agent::metrics_port() const { return metrics_ ? metrics_->port() : 0; }

void Agent::Stop() {
  if (stopped_ || scheduler_ == nullptr) return;
  stopped_ = true;
  if (metrics_) metrics_->Stop();
  scheduler_->Stop();
  client_->Stop(std::chrono::seconds(5));
  const SpoolStats s = spool_->stats();
  const AgentCounters& c = counters_;
  // One line the fault tests (and operators) can reconcile.
  spdlog::info("final counters: collected={} spooled={} sent={} replayed={} acked={} "
               "samples_acked={} rejected={} samples_rejected={} dropped={} samples_dropped={} "
               "spool_batches={} spool_samples={} spool_errors={} recovered={} recovered_samples={}",
               c.samples_collected.load(), c.batches_spooled.load(), c.batches_sent.load(),
               c.batches_replayed.load(), c.batches_acked.load(), c.samples_acked.load(),
               c.batches_rejected.load(), c.samples_rejected.load(), s.dropped_batches,
               s.dropped_samples, s.batches, s.samples, c.spool_write_errors.load(),
               s.recovered_batches, s.recovered_samples);
}

}  // namespace scout::agent
