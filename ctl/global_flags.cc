#include "ctl/global_flags.h"

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "shared/duration.h"
#include "shared/grpc_client_security.h"
#include "shared/status_macros.h"
#include "shared/yaml_config.h"

namespace scout::ctl {
namespace {

bool EnvSet(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0';
}

absl::Status ReadConfigFile(const std::string& path, Settings& settings, std::string& output) {
  SCOUT_ASSIGN_OR_RETURN(ConfigMap config, ConfigMap::LoadFile(path));
  SCOUT_RETURN_IF_ERROR(config.Read("collector", &settings.channel.collector));
  SCOUT_RETURN_IF_ERROR(config.Read("output", &output));
  SCOUT_RETURN_IF_ERROR(config.ReadDuration("timeout", &settings.timeout));
  SCOUT_RETURN_IF_ERROR(ReadClientSecurity(
      config, std::filesystem::path(path).parent_path().string(), &settings.channel.security));
  SCOUT_RETURN_IF_ERROR(config.CheckNoUnknownKeys());
  if (!ParseOutputFormat(output).ok()) {
    return config.ErrorAt("output", "expected table, json or csv");
  }
  if (settings.timeout.count() <= 0) return config.ErrorAt("timeout", "must be positive");
  return absl::OkStatus();
}

// The security flags on top of the config file's keys.
void ApplySecurityFlags(const GlobalFlags& flags, const Environment& env,
                        ClientSecurity& security) {
  for (const auto& [flag, field] : {std::pair{&flags.ca, &security.ca_file},
                                    std::pair{&flags.cert, &security.cert_file},
                                    std::pair{&flags.key, &security.key_file},
                                    std::pair{&flags.server_name, &security.server_name}}) {
    if (flag->empty()) continue;
    *field = *flag;
    security.tls = true;
  }
  if (flags.insecure) security.insecure = true;
  // "" makes ReadClientToken fall back to $SCOUT_TOKEN_FILE, then $SCOUT_TOKEN.
  if (env.token_set) security.token_file.clear();
  if (!flags.token_file.empty()) security.token_file = flags.token_file;
}

}  // namespace

Environment Environment::FromProcess() {
  Environment env;
  if (const char* collector = std::getenv("SCOUT_COLLECTOR")) env.collector = collector;
  env.token_set = EnvSet("SCOUT_TOKEN_FILE") || EnvSet("SCOUT_TOKEN");
  return env;
}

void AddGlobalFlags(CLI::App& app, GlobalFlags& flags) {
  app.add_option("--collector", flags.collector,
                 "Collector address (default: $SCOUT_COLLECTOR, else 127.0.0.1:7070)");
  app.add_option("-o,--output", flags.output, "Output format: table (default), json, csv");
  app.add_option("--timeout", flags.timeout, "Deadline of each RPC (default: 10s)");
  app.add_option("--config", flags.config,
                 "YAML file with keys collector, output, timeout, insecure, tls, token_file "
                 "(flags and env win)");
  app.add_option("--ca", flags.ca, "TLS: CA bundle that signed the collector's certificate");
  app.add_option("--cert", flags.cert, "TLS: client certificate (with --key)");
  app.add_option("--key", flags.key, "TLS: client certificate's key (with --cert)");
  app.add_option("--server-name", flags.server_name,
                 "TLS: name expected in the collector's certificate (default: the host of "
                 "--collector)");
  app.add_option("--token-file", flags.token_file,
                 "File holding the bearer token (default: $SCOUT_TOKEN_FILE, else $SCOUT_TOKEN)");
  app.add_flag("--insecure", flags.insecure,
               "Allow plaintext to a non-local collector (loopback needs no flag)");
}

absl::StatusOr<Settings> ResolveSettings(const GlobalFlags& flags, const Environment& env) {
  Settings settings;
  std::string output = "table";
  if (!flags.config.empty()) SCOUT_RETURN_IF_ERROR(ReadConfigFile(flags.config, settings, output));
  if (!env.collector.empty()) settings.channel.collector = env.collector;
  if (!flags.collector.empty()) settings.channel.collector = flags.collector;
  ApplySecurityFlags(flags, env, settings.channel.security);
  if (!flags.output.empty()) output = flags.output;
  SCOUT_ASSIGN_OR_RETURN(settings.format, ParseOutputFormat(output));
  if (!flags.timeout.empty()) {
    auto timeout = ParseDuration(flags.timeout);
    if (!timeout.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--timeout: ", timeout.status().message()));
    }
    if (timeout->count() <= 0) return absl::InvalidArgumentError("--timeout must be positive");
    settings.timeout = *timeout;
  }
  return settings;
}

}  // namespace scout::ctl
