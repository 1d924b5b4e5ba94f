// scout-agent: samples this host and streams the samples to the collector.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <random>
#include <thread>

#include "absl/strings/str_format.h"
#include "agent/agent_config.h"
#include "agent/collector_registry.h"
#include "agent/ingest_client.h"
#include "agent/outbox.h"
#include "agent/sample_output.h"
#include "agent/scheduler.h"
#include "shared/duration.h"
#include "shared/logging.h"
#include "shared/version.h"

namespace {

constexpr int kExitConfigError = 2;

std::string NewIncarnationId() {
  std::random_device rd;
  return absl::StrFormat("%08x%08x%08x%08x", rd(), rd(), rd(), rd());
}

int ConfigError(const std::string& message) {
  std::cerr << "scout-agent: " << message << "\n";
  return kExitConfigError;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace scout::agent;
  CLI::App app{"scout-agent: samples host resources and streams them to scout-collector"};
  std::string config_path, collector, id, interval, host_root, log_level, output = "text";
  bool test = false, check_config = false;
  app.add_option("--config", config_path, "YAML config file");
  app.add_option("--collector", collector, "collector address (default 127.0.0.1:7070)");
  app.add_option("--id", id, "agent id (default: the hostname)");
  app.add_option("--interval", interval, "collection interval, e.g. 10s");
  app.add_option("--host-root", host_root,
                 "where the host's / is mounted (e.g. /host): reads ROOT/proc, ROOT/sys");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  app.add_flag("--test", test, "run one collection cycle, print the samples and exit");
  app.add_option("-o,--output", output, "--test output: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--check-config", check_config, "validate the config and exit");
  app.set_version_flag("--version", std::string("scout-agent ") + scout::kVersion);
  CLI11_PARSE(app, argc, argv);

  AgentConfig config;
  if (!config_path.empty()) {
    auto loaded = LoadAgentConfig(config_path);
    if (!loaded.ok()) return ConfigError(std::string(loaded.status().message()));
    config = *std::move(loaded);
  }
  if (!collector.empty()) config.collector = collector;
  if (!id.empty()) config.id = id;
  if (!interval.empty()) {
    auto d = scout::ParseDuration(interval);
    if (!d.ok()) return ConfigError("--interval: " + std::string(d.status().message()));
    config.interval = *d;
  }
  if (!host_root.empty()) {
    config.host = {host_root + "/proc", host_root + "/sys", host_root};
  }
  if (!log_level.empty()) config.log_level = log_level;
  if (config.id.empty()) config.id = LocalHostname();
  if (auto valid = ValidateAgentConfig(config); !valid.ok()) {
    return ConfigError(std::string(valid.message()));
  }
  if (auto status = scout::InitLogging(config.log_level, "agent"); !status.ok()) {
    return ConfigError(std::string(status.message()));
  }

  scout::SystemClock clock;
  HostFs host(config.host);
  CollectorRegistry registry;
  RegisterBuiltinCollectors(registry);
  auto plugins = registry.Create(
      config.collectors.empty() ? DefaultCollectorNames() : config.collectors, {host, clock});
  if (!plugins.ok()) return ConfigError(std::string(plugins.status().message()));
  if (check_config) {
    std::cout << "config OK" << (config_path.empty() ? "" : ": " + config_path) << "\n";
    return 0;
  }
  Scheduler scheduler(*std::move(plugins), config.id, clock);

  if (test) {
    // Rates need two readings: prime, wait a second, then print.
    scheduler.RunCycle();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto samples = scheduler.RunCycle();
    if (output == "json") {
      PrintSamplesJson(samples, std::cout);
    } else {
      PrintSamplesText(samples, std::cout);
    }
    return 0;
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Outbox outbox(config.max_outbox_batches);
  IngestClientOptions client_options;
  client_options.address = config.collector;
  client_options.agent_id = config.id;
  client_options.hostname = LocalHostname();
  client_options.labels = scout::MakeLabels({config.labels.begin(), config.labels.end()});
  client_options.incarnation_id = NewIncarnationId();
  client_options.interval_ms = config.interval.count();
  client_options.max_backoff = config.reconnect_max_backoff;
  IngestClient client(client_options, outbox, clock);

  spdlog::info("scout-agent {} id={} collector={} interval={}", scout::kVersion, config.id,
               config.collector, scout::FormatDuration(config.interval));
  client.Start();
  scheduler.Start(config.interval, outbox);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("received {}, stopping", strsignal(signal_number));
  scheduler.Stop();
  client.Stop(std::chrono::seconds(5));
  spdlog::info("stopped with {} unacked batches", outbox.size());
  return 0;
}
