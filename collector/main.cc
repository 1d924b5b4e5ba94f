// scout-collector: receives agent streams, stores them, answers queries.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "collector/alerting/rules.h"
#include "collector/collector_config.h"
#include "collector/collector_server.h"
#include "shared/logging.h"
#include "shared/version.h"

namespace {

constexpr int kExitConfigError = 2;

}  // namespace

int main(int argc, char** argv) {
  using scout::collector::CollectorConfig;
  CLI::App app{"scout-collector: stores samples from scout-agents and answers sctl queries"};
  std::string config_path, listen, db, log_level, ready_file, check_rules, rules;
  bool check_config = false;
  app.add_option("--config", config_path, "YAML config file");
  app.add_option("--listen", listen, "gRPC listen address (default 127.0.0.1:7070)");
  app.add_option("--db", db, "SQLite database path (default ./var/scout.db)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  app.add_option("--ready-file", ready_file,
                 "write the bound address here once serving (for scripts using port 0)");
  app.add_flag("--check-config", check_config,
               "validate the config (and its alerting.rules_file) and exit");
  app.add_option("--check-rules", check_rules, "validate an alert rules file and exit");
  app.add_option("--rules", rules, "alert rules file (sets alerting.rules_file)");
  app.set_version_flag("--version", std::string("scout-collector ") + scout::kVersion);
  CLI11_PARSE(app, argc, argv);

  if (!check_rules.empty()) {
    auto loaded = scout::collector::alerting::LoadRules(check_rules);
    if (!loaded.ok()) {
      std::cerr << "scout-collector: " << loaded.status().message() << "\n";
      return kExitConfigError;
    }
    std::cout << "rules OK: " << check_rules << " (" << loaded->size() << " rules)\n";
    return 0;
  }

  CollectorConfig config;
  if (!config_path.empty()) {
    auto loaded = scout::collector::LoadCollectorConfig(config_path);
    if (!loaded.ok()) {
      std::cerr << "scout-collector: " << loaded.status().message() << "\n";
      return kExitConfigError;
    }
    config = *std::move(loaded);
  }
  if (!listen.empty()) config.listen = listen;
  if (!db.empty()) config.storage.path = db;
  if (!log_level.empty()) config.log_level = log_level;
  if (!rules.empty()) config.alerting.rules_file = rules;
  if (auto status = scout::InitLogging(config.log_level, "collector"); !status.ok()) {
    std::cerr << "scout-collector: " << status.message() << "\n";
    return kExitConfigError;
  }
  if (check_config && !config.alerting.rules_file.empty()) {
    auto loaded = scout::collector::alerting::LoadRules(config.alerting.rules_file);
    if (!loaded.ok()) {
      std::cerr << "scout-collector: " << loaded.status().message() << "\n";
      return kExitConfigError;
    }
  }
  if (check_config) {
    std::cout << "config OK" << (config_path.empty() ? "" : ": " + config_path) << "\n";
    return 0;
  }

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
  if (!ready_file.empty()) {
    FILE* f = std::fopen(ready_file.c_str(), "w");
    if (f != nullptr) {
      std::fprintf(f, "%s\n", bound.c_str());
      std::fclose(f);
    }
  }

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("received {}, shutting down (grace {} ms)", strsignal(signal_number),
               config.shutdown_grace.count());
  (*server)->Shutdown(std::chrono::system_clock::now() + config.shutdown_grace);
  spdlog::info("final counters: {}", (*server)->CountersLine());
  server->reset();
  spdlog::info("shutdown complete");
  return 0;
}
