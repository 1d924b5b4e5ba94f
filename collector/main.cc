// scout-collector: receives agent streams, stores them, answers queries.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "absl/strings/string_view.h"
#include "collector/alerting/rules.h"
#include "collector/collector_config.h"
#include "collector/collector_server.h"
#include "shared/logging.h"
#include "shared/version.h"
#include "shared/mutex_mode.h"

namespace {

using scout::collector::CollectorConfig;

constexpr int kExitConfigError = 2;

struct Flags {
  std::string config_path, listen, db, log_level, ready_file, check_rules, rules;
  bool check_config = false;
};

int ConfigError(absl::string_view message) {
  std::cerr << "scout-collector: " << message << "\n";
  return kExitConfigError;
}

int CheckRules(const std::string& path) {
  auto loaded = scout::collector::alerting::LoadRules(path);
  if (!loaded.ok()) return ConfigError(loaded.status().message());
  std::cout << "rules OK: " << path << " (" << loaded->size() << " rules)\n";
  return 0;
}

// The config file (if any) with the command line's overrides applied.
absl::StatusOr<CollectorConfig> LoadConfig(const Flags& flags) {
  CollectorConfig config;
  if (!flags.config_path.empty()) {
    auto loaded = scout::collector::LoadCollectorConfig(flags.config_path);
    if (!loaded.ok()) return loaded.status();
    config = *std::move(loaded);
  }
  if (!flags.listen.empty()) config.listen = flags.listen;
  if (!flags.db.empty()) config.storage.path = flags.db;
  if (!flags.log_level.empty()) config.log_level = flags.log_level;
  if (!flags.rules.empty()) config.alerting.rules_file = flags.rules;
  return config;
}

void WriteReadyFile(const std::string& path, const std::string& bound) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return;
  std::fprintf(f, "%s\n", bound.c_str());
  std::fclose(f);
}

// Runs the collector until SIGINT or SIGTERM.
int Serve(const CollectorConfig& config, const std::string& ready_file) {
  // Signals are taken synchronously by this thread; every thread started
  // below inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // A fresh checkout has no ./var yet; SQLite will not create directories.
  std::error_code ignored;
  const auto db_dir = std::filesystem::path(config.storage.path).parent_path();
  if (!db_dir.empty()) std::filesystem::create_directories(db_dir, ignored);

  scout::SystemClock clock;
  auto server = scout::collector::CollectorServer::Start(config, clock);
  if (!server.ok()) {
    spdlog::error("{}", server.status().message());
    return 1;
  }
  const std::string host = config.listen.substr(0, config.listen.rfind(':'));
  const std::string bound = host + ":" + std::to_string((*server)->port());
  spdlog::info("scout-collector {} listening on {}, database {}", scout::kVersion, bound,
               config.storage.path);
  if (!ready_file.empty()) WriteReadyFile(ready_file, bound);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("received {}, shutting down (grace {} ms)", strsignal(signal_number),
               config.shutdown_grace.count());
  // gRPC takes a wall-clock deadline; this is wiring, not logic under test.
  (*server)->Shutdown(std::chrono::system_clock::now() + config.shutdown_grace);
  spdlog::info("final counters: {}", (*server)->CountersLine());
  server->reset();
  spdlog::info("shutdown complete");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  scout::DisableMutexDeadlockDetection();
  CLI::App app{"scout-collector: stores samples from scout-agents and answers sctl queries"};
  Flags flags;
  app.add_option("--config", flags.config_path, "YAML config file");
  app.add_option("--listen", flags.listen, "gRPC listen address (default 127.0.0.1:7070)");
  app.add_option("--db", flags.db, "SQLite database path (default ./var/scout.db)");
  app.add_option("--log-level", flags.log_level, "trace, debug, info, warn, error");
  app.add_option("--ready-file", flags.ready_file,
                 "write the bound address here once serving (for scripts using port 0)");
  app.add_flag("--check-config", flags.check_config,
               "validate the config (and its alerting.rules_file) and exit");
  app.add_option("--check-rules", flags.check_rules, "validate an alert rules file and exit");
  app.add_option("--rules", flags.rules, "alert rules file (sets alerting.rules_file)");
  app.set_version_flag("--version", std::string("scout-collector ") + scout::kVersion);
  CLI11_PARSE(app, argc, argv);

  if (!flags.check_rules.empty()) return CheckRules(flags.check_rules);
  absl::StatusOr<CollectorConfig> config = LoadConfig(flags);
  if (!config.ok()) return ConfigError(config.status().message());
  if (auto status = scout::InitLogging(config->log_level, "collector"); !status.ok()) {
    return ConfigError(status.message());
  }
  if (flags.check_config) {
    if (!config->alerting.rules_file.empty()) {
      auto loaded = scout::collector::alerting::LoadRules(config->alerting.rules_file);
      if (!loaded.ok()) return ConfigError(loaded.status().message());
    }
    std::cout << "config OK" << (flags.config_path.empty() ? "" : ": " + flags.config_path)
              << "\n";
    return 0;
  }
  return Serve(*config, flags.ready_file);
}
