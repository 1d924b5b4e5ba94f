// scout-collector: receives agent streams, stores them, answers queries.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <optional>

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
  // Security (docs/security.md); override the file's tls/auth keys.
  std::string tls_cert, tls_key, tls_client_ca, client_auth, tokens_file, health_listen;
  std::optional<std::string> http_listen;  // issue 17; "" = off
  bool insecure = false;
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

absl::Status ApplySecurityFlags(const Flags& flags, CollectorConfig* config) {
  using scout::collector::ClientAuth;
  if (flags.insecure) config->insecure = true;
  if (!flags.health_listen.empty()) config->health_listen = flags.health_listen;
  if (!flags.tls_cert.empty() || !flags.tls_key.empty() || !flags.tls_client_ca.empty()) {
    if (!config->tls) {
      config->tls.emplace();
      config->origin["tls"] = "--tls-cert/--tls-key";
    }
    if (!flags.tls_cert.empty()) config->tls->cert_file = flags.tls_cert;
    if (!flags.tls_key.empty()) config->tls->key_file = flags.tls_key;
    if (!flags.tls_client_ca.empty()) {
      config->tls->client_ca_file = flags.tls_client_ca;
      if (flags.client_auth.empty()) config->tls->client_auth = ClientAuth::kRequire;
    }
    if (config->tls->cert_file.empty() || config->tls->key_file.empty()) {
      return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
    }
  }
  if (!flags.client_auth.empty()) {
    if (!config->tls) return absl::InvalidArgumentError("--client-auth needs TLS (--tls-cert, --tls-key)");
    auto mode = scout::collector::ParseClientAuth(flags.client_auth);
    if (!mode.ok()) return absl::InvalidArgumentError("--client-auth " + std::string(mode.status().message()));
    config->tls->client_auth = *mode;
  }
  if (!flags.tokens_file.empty()) {
    if (!config->auth) {
      config->auth.emplace();
      config->origin["auth"] = "--tokens-file";
    }
    config->auth->tokens_file = flags.tokens_file;
  }
  return absl::OkStatus();
}

// The config file (if any) with the command line's overrides applied, and
// checked against the start-up refusals.
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
  if (!flags.listen.empty()) config.origin["listen"] = "--listen";
  if (flags.http_listen) {
    config.http.listen = *flags.http_listen;
    config.origin["http.listen"] = "--http-listen";
  }
  if (auto status = ApplySecurityFlags(flags, &config); !status.ok()) return status;
  if (auto status = scout::collector::CheckSecurity(config); !status.ok()) return status;
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
  app.add_option("--http-listen", flags.http_listen,
                 "HTTP listen address: Prometheus API, /metrics (default 127.0.0.1:9470; \"\" = off)");
  app.add_option("--db", flags.db, "SQLite database path (default ./var/scout.db)");
  app.add_option("--log-level", flags.log_level, "trace, debug, info, warn, error");
  app.add_option("--ready-file", flags.ready_file,
                 "write the bound address here once serving (for scripts using port 0)");
  app.add_flag("--check-config", flags.check_config,
               "validate the config (and its alerting.rules_file) and exit");
  app.add_option("--check-rules", flags.check_rules, "validate an alert rules file and exit");
  app.add_option("--rules", flags.rules, "alert rules file (sets alerting.rules_file)");
  app.add_option("--tls-cert", flags.tls_cert, "server certificate chain, PEM (tls.cert_file)");
  app.add_option("--tls-key", flags.tls_key, "server private key, PEM (tls.key_file)");
  app.add_option("--tls-client-ca", flags.tls_client_ca,
                 "CA bundle that verifies client certificates (tls.client_ca_file)");
  app.add_option("--client-auth", flags.client_auth, "none, request or require (tls.client_auth)");
  app.add_option("--tokens-file", flags.tokens_file, "bearer tokens file (auth.tokens_file)");
  app.add_option("--health-listen", flags.health_listen,
                 "plaintext address serving only grpc.health.v1 (health_listen)");
  app.add_flag("--insecure", flags.insecure,
               "allow plaintext or no auth on a non-local listen address (insecure: true)");
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
