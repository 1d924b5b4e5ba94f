// scout-agent: samples this host and streams the samples to the collector.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <thread>

#include "absl/strings/str_format.h"
#include "agent/agent_config.h"
#include "agent/alive_file.h"
#include "agent/collector_registry.h"
#include "agent/ingest_client.h"
#include "agent/spool.h"
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
  std::string config_path, collector, id, hostname, interval, host_root, spool_dir, log_level,
      alive_file, check_alive, max_age = "60s", output = "text";
  bool test = false, check_config = false;
  app.add_option("--config", config_path, "YAML config file");
  app.add_option("--collector", collector, "collector address (default 127.0.0.1:7070)");
  app.add_option("--id", id, "agent id (default: the hostname)");
  app.add_option("--hostname", hostname,
                 "hostname reported to the collector (default: this machine's; in a pod, "
                 "pass the node's name)");
  app.add_option("--interval", interval, "collection interval, e.g. 10s");
  app.add_option("--host-root", host_root,
                 "where the host's / is mounted (e.g. /host): reads ROOT/proc, ROOT/sys");
  app.add_option("--spool-dir", spool_dir,
                 "directory for unacked batches (default /var/lib/scout/spool)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  app.add_option("--alive-file", alive_file,
                 "touch this file after every collection cycle (for --check-alive)");
  CLI::Option* check_alive_option = app.add_option(
      "--check-alive", check_alive,
      "exit 0 if this alive file was touched within --max-age, else 1 (an exec probe); "
      "reads no config and no spool");
  app.add_option("--max-age", max_age, "--check-alive: how old the file may be (default 60s)")
      ->needs(check_alive_option);
  app.add_flag("--test", test, "run one collection cycle, print the samples and exit");
  app.add_option("-o,--output", output, "--test output: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--check-config", check_config, "validate the config and exit");
  app.set_version_flag("--version", std::string("scout-agent ") + scout::kVersion);
  CLI11_PARSE(app, argc, argv);

  if (!check_alive.empty()) {
    auto d = scout::ParseDuration(max_age);
    if (!d.ok()) return ConfigError("--max-age: " + std::string(d.status().message()));
    if (d->count() <= 0) return ConfigError("--max-age: must be positive");
    return CheckAlive(check_alive, *d);
  }

  AgentConfig config;
  if (!config_path.empty()) {
    auto loaded = LoadAgentConfig(config_path);
    if (!loaded.ok()) return ConfigError(std::string(loaded.status().message()));
    config = *std::move(loaded);
  }
  if (!collector.empty()) config.collector = collector;
  if (!id.empty()) config.id = id;
  if (!hostname.empty()) config.hostname = hostname;
  if (!interval.empty()) {
    auto d = scout::ParseDuration(interval);
    if (!d.ok()) return ConfigError("--interval: " + std::string(d.status().message()));
    config.interval = *d;
  }
  if (!host_root.empty()) {
    config.host = {host_root + "/proc", host_root + "/sys", host_root};
  }
  if (!spool_dir.empty()) config.spool.dir = spool_dir;
  if (!log_level.empty()) config.log_level = log_level;
  if (config.id.empty()) config.id = LocalHostname();
  if (auto valid = ValidateAgentConfig(config); !valid.ok()) {
    return ConfigError(std::string(valid.message()));
  }
  if (config.hostname.empty()) config.hostname = LocalHostname();
  if (auto status = scout::InitLogging(config.log_level, "agent"); !status.ok()) {
    return ConfigError(std::string(status.message()));
  }

  scout::SystemClock clock;
  AgentCounters counters;
  HostFs host(config.host);
  CollectorRegistry registry;
  RegisterBuiltinCollectors(registry);
  const auto names = config.collectors.empty() ? DefaultCollectorNames(config) : config.collectors;
  // The spool is opened only to run for real: --test and --check-config
  // must not need (or create) /var/lib/scout.
  std::unique_ptr<Spool> spool;
  if (!test && !check_config) {
    auto opened = Spool::Open(config.spool, clock);
    if (!opened.ok()) {
      std::cerr << "scout-agent: cannot open the spool: " << opened.status().message() << "\n";
      return 1;
    }
    spool = *std::move(opened);
  }
  auto plugins = registry.Create(names, {host, clock, config, counters, spool.get()});
  if (!plugins.ok()) return ConfigError(std::string(plugins.status().message()));
  if (check_config) {
    std::cout << "config OK" << (config_path.empty() ? "" : ": " + config_path) << "\n";
    return 0;
  }
  Scheduler scheduler(*std::move(plugins), config.id, clock, counters,
                      std::min(config.plugin_timeout, config.interval));

  if (test) {
    // Rates need two readings: prime, wait a second, then print.
    scheduler.RunCycle(clock.NowMs());
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto samples = scheduler.RunCycle(clock.NowMs());
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

  IngestClientOptions client_options;
  client_options.address = config.collector;
  client_options.agent_id = config.id;
  client_options.hostname = config.hostname;
  client_options.labels = scout::MakeLabels({config.labels.begin(), config.labels.end()});
  client_options.incarnation_id = NewIncarnationId();
  client_options.interval_ms = config.interval.count();
  client_options.max_backoff = config.reconnect_max_backoff;
  client_options.replay_samples_per_second = config.replay_samples_per_second;
  IngestClient client(client_options, *spool, counters, clock);

  spdlog::info("scout-agent {} id={} hostname={} collector={} interval={} spool={}",
               scout::kVersion, config.id, config.hostname, config.collector,
               scout::FormatDuration(config.interval), config.spool.dir);
  std::function<void()> after_cycle;
  if (!alive_file.empty()) {
    auto alive = std::make_shared<AliveFile>(alive_file);
    alive->RemoveStale();
    after_cycle = [alive] { alive->Touch(); };
  }
  client.Start();
  scheduler.Start(config.interval, config.max_batch_bytes, *spool, std::move(after_cycle));

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("received {}, stopping", strsignal(signal_number));
  scheduler.Stop();
  client.Stop(std::chrono::seconds(5));
  const SpoolStats s = spool->stats();
  // One line the fault tests (and operators) can reconcile.
  spdlog::info("final counters: collected={} spooled={} sent={} replayed={} acked={} "
               "samples_acked={} rejected={} samples_rejected={} dropped={} samples_dropped={} "
               "spool_batches={} spool_samples={} spool_errors={} recovered={} recovered_samples={}",
               counters.samples_collected.load(), counters.batches_spooled.load(),
               counters.batches_sent.load(), counters.batches_replayed.load(),
               counters.batches_acked.load(), counters.samples_acked.load(),
               counters.batches_rejected.load(), counters.samples_rejected.load(),
               s.dropped_batches, s.dropped_samples, s.batches, s.samples,
               counters.spool_write_errors.load(), s.recovered_batches, s.recovered_samples);
  return 0;
}
