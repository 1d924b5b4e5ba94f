// scout-agent: samples this host and streams the samples to the collector.
// Parses flags and config, builds an Agent, runs until SIGINT/SIGTERM.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <thread>

#include "agent/agent.h"
#include "agent/agent_config.h"
#include "agent/alive_file.h"
#include "agent/plugin_registry.h"
#include "agent/sample_output.h"
#include "agent/self/metrics_listener.h"
#include "agent/scheduler.h"
#include "shared/duration.h"
#include "shared/logging.h"
#include "shared/version.h"
#include "shared/mutex_mode.h"

namespace {

using namespace scout::agent;

constexpr int kExitConfigError = 2;

int ConfigError(const std::string& message) {
  std::cerr << "scout-agent: " << message << "\n";
  return kExitConfigError;
}

struct Flags {
  std::string config_path, collector, id, hostname, interval, host_root, spool_dir, log_level,
      alive_file, check_alive, max_age = "60s", output = "text", metrics_listen, metrics_tls_cert,
      metrics_tls_key, metrics_token_file;
  bool test = false, check_config = false;
};

void AddFlags(CLI::App& app, Flags& f) {
  app.add_option("--config", f.config_path, "YAML config file");
  app.add_option("--collector", f.collector, "collector address (default 127.0.0.1:7070)");
  app.add_option("--id", f.id, "agent id (default: the hostname)");
  app.add_option("--hostname", f.hostname,
                 "hostname reported to the collector (default: this machine's; in a pod, "
                 "pass the node's name)");
  app.add_option("--interval", f.interval, "collection interval, e.g. 10s");
  app.add_option("--host-root", f.host_root,
                 "where the host's / is mounted (e.g. /host): reads ROOT/proc, ROOT/sys");
  app.add_option("--spool-dir", f.spool_dir,
                 "directory for unacked batches (default /var/lib/scout/spool)");
  app.add_option("--log-level", f.log_level, "trace, debug, info, warn, error");
  app.add_option("--alive-file", f.alive_file,
                 "touch this file after every collection cycle (for --check-alive)");
  CLI::Option* check_alive_option = app.add_option(
      "--check-alive", f.check_alive,
      "exit 0 if this alive file was touched within --max-age, else 1 (an exec probe); "
      "reads no config and no spool");
  app.add_option("--max-age", f.max_age, "--check-alive: how old the file may be (default 60s)")
      ->needs(check_alive_option);
  app.add_option("--metrics-listen", f.metrics_listen,
                 "serve the agent's own /metrics (Prometheus text) on host:port, e.g. "
                 "127.0.0.1:9471 (default off; non-loopback needs --metrics-tls-*)");
  app.add_option("--metrics-tls-cert", f.metrics_tls_cert, "PEM certificate for --metrics-listen");
  app.add_option("--metrics-tls-key", f.metrics_tls_key, "PEM key for --metrics-listen");
  app.add_option("--metrics-token-file", f.metrics_token_file,
                 std::string("file holding a bearer token that /metrics then requires (default: "
                             "the ") + scout::agent::kMetricsTokenEnv +
                     " environment variable, else none)");
  app.add_flag("--test", f.test, "run one collection cycle, print the samples and exit");
  app.add_option("-o,--output", f.output, "--test output: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--check-config", f.check_config, "validate the config and exit");
  app.set_version_flag("--version", std::string("scout-agent ") + scout::kVersion);
}

// The config file, then the flags on top, validated and defaulted.
absl::StatusOr<AgentConfig> BuildConfig(const Flags& f, const PluginRegistry& plugins) {
  AgentConfig config;
  if (!f.config_path.empty()) {
    auto loaded = LoadAgentConfig(f.config_path, plugins);
    if (!loaded.ok()) return loaded.status();
    config = *std::move(loaded);
  }
  if (!f.collector.empty()) config.collector = f.collector;
  if (!f.id.empty()) config.id = f.id;
  if (!f.hostname.empty()) config.hostname = f.hostname;
  if (!f.interval.empty()) {
    auto d = scout::ParseDuration(f.interval);
    if (!d.ok()) return absl::InvalidArgumentError("--interval: " + std::string(d.status().message()));
    config.interval = *d;
  }
  if (!f.host_root.empty()) config.host = {f.host_root + "/proc", f.host_root + "/sys", f.host_root};
  if (!f.spool_dir.empty()) config.spool.dir = f.spool_dir;
  if (!f.log_level.empty()) config.log_level = f.log_level;
  if (!f.metrics_listen.empty()) config.metrics.listen = f.metrics_listen;
  if (!f.metrics_tls_cert.empty()) config.metrics.tls_cert_file = f.metrics_tls_cert;
  if (!f.metrics_tls_key.empty()) config.metrics.tls_key_file = f.metrics_tls_key;
  if (!f.metrics_token_file.empty()) config.metrics.token_file = f.metrics_token_file;
  if (config.id.empty()) config.id = LocalHostname();
  if (absl::Status valid = ValidateAgentConfig(config); !valid.ok()) return valid;
  if (config.hostname.empty()) config.hostname = LocalHostname();
  return config;
}

// The --metrics-listen options from the merged config, the token read
// from its file or the environment, checked.
absl::StatusOr<MetricsListenOptions> MetricsOptions(const AgentConfig& config) {
  MetricsListenOptions m{config.metrics.listen, config.metrics.tls_cert_file,
                         config.metrics.tls_key_file, ""};
  if (m.listen.empty()) return m;
  auto token = ResolveMetricsToken(config.metrics.token_file, std::getenv(kMetricsTokenEnv));
  if (!token.ok()) return token.status();
  m.bearer_token = *std::move(token);
  if (absl::Status st = CheckMetricsListen(m); !st.ok()) return st;
  return m;
}

int RunCheckAlive(const Flags& f) {
  auto d = scout::ParseDuration(f.max_age);
  if (!d.ok()) return ConfigError("--max-age: " + std::string(d.status().message()));
  if (d->count() <= 0) return ConfigError("--max-age: must be positive");
  return CheckAlive(f.check_alive, *d);
}

// --check-config and --test: the plugins without a spool (neither may need
// or create /var/lib/scout).
int RunWithoutSpool(const Flags& f, const AgentConfig& config, const PluginRegistry& plugins) {
  scout::SystemClock clock;
  AgentCounters counters;
  HostFs host(config.host);
  auto created = CreateEnabledPlugins(plugins, {host, clock, config, counters, nullptr});
  if (!created.ok()) return ConfigError(std::string(created.status().message()));
  if (f.check_config) {
    std::cout << "config OK" << (f.config_path.empty() ? "" : ": " + f.config_path) << "\n";
    return 0;
  }
  Scheduler scheduler(*std::move(created), config.id, clock, counters,
                      std::min(config.plugin_timeout, config.interval));
  // Rates need two readings: prime, wait a second, then print.
  scheduler.RunCycle(clock.NowMs());
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto samples = scheduler.RunCycle(clock.NowMs());
  if (f.output == "json") {
    PrintSamplesJson(samples, std::cout);
  } else {
    PrintSamplesText(samples, std::cout);
  }
  return 0;
}

int Run(const Flags& f, const AgentConfig& config, const PluginRegistry& plugins) {
  // Blocked before any thread starts, so every thread inherits the mask
  // and the signals reach sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  scout::SystemClock clock;
  auto metrics = MetricsOptions(config);
  if (!metrics.ok()) return ConfigError(std::string(metrics.status().message()));
  auto agent = Agent::Start(config, plugins, clock, {f.alive_file, *std::move(metrics)});
  if (!agent.ok()) {
    if (absl::IsFailedPrecondition(agent.status())) {
      std::cerr << "scout-agent: " << agent.status().message() << "\n";
      return 1;
    }
    return ConfigError(std::string(agent.status().message()));
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("received {}, stopping", strsignal(signal_number));
  (*agent)->Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  scout::DisableMutexDeadlockDetection();
  CLI::App app{"scout-agent: samples host resources and streams them to scout-collector"};
  Flags flags;
  AddFlags(app, flags);
  CLI11_PARSE(app, argc, argv);
  if (!flags.check_alive.empty()) return RunCheckAlive(flags);

  PluginRegistry plugins;
  RegisterBuiltinPlugins(plugins);
  auto config = BuildConfig(flags, plugins);
  if (!config.ok()) return ConfigError(std::string(config.status().message()));
  if (auto status = scout::InitLogging(config->log_level, "agent"); !status.ok()) {
    return ConfigError(std::string(status.message()));
  }
  if (auto metrics = MetricsOptions(*config); !metrics.ok()) {
    return ConfigError(std::string(metrics.status().message()));
  }
  if (flags.test || flags.check_config) return RunWithoutSpool(flags, *config, plugins);
  return Run(flags, *config, plugins);
}
