#include "collector/auth/auth_config.h"

#include <filesystem>

#include "shared/status_macros.h"

namespace scout::collector::auth {
namespace {

absl::Status ReadCertificateRules(ConfigMap& auth, std::vector<CertificateRule>* out) {
  SCOUT_ASSIGN_OR_RETURN(auto items, auth.ChildList("certificates"));
  for (ConfigMap& item : items) {
    CertificateRule rule;
    SCOUT_RETURN_IF_ERROR(item.Read("cn", &rule.cn));
    SCOUT_RETURN_IF_ERROR(item.Read("san", &rule.san));
    if (rule.cn.empty() && rule.san.empty()) {
      return item.ErrorAt("cn", "give cn and/or san (globs on the client certificate)");
    }
    SCOUT_RETURN_IF_ERROR(ReadPrincipal(item, &rule.principal));
    SCOUT_RETURN_IF_ERROR(item.CheckNoUnknownKeys());
    out->push_back(std::move(rule));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AuthConfig> ReadAuthConfig(ConfigMap& auth, const std::string& config_dir,
                                          std::chrono::milliseconds* max_silence) {
  AuthConfig config;
  SCOUT_RETURN_IF_ERROR(auth.Read("tokens_file", &config.tokens_file));
  if (!config.tokens_file.empty() && !config_dir.empty() && config.tokens_file.front() != '/') {
    config.tokens_file = (std::filesystem::path(config_dir) / config.tokens_file).string();
  }
  SCOUT_RETURN_IF_ERROR(ReadCertificateRules(auth, &config.certificates));
  if (config.tokens_file.empty() && config.certificates.empty()) {
    return auth.ErrorAt("tokens_file", "auth needs a tokens_file and/or certificates mappings");
  }
  SCOUT_RETURN_IF_ERROR(auth.ReadDuration("max_silence_duration", max_silence));
  if (max_silence->count() <= 0) return auth.ErrorAt("max_silence_duration", "must be positive");
  SCOUT_RETURN_IF_ERROR(auth.CheckNoUnknownKeys());
  return config;
}

}  // namespace scout::collector::auth
