// The collector config's `auth:` section (docs/security.md):
//
//   auth:
//     tokens_file: /etc/scout/auth/tokens.yaml   # relative to the config file
//     certificates:               # client certificate -> principal, first match wins
//       - cn: "node-*"            # fnmatch glob on the subject CN, and/or
//         san: ""                 # on any DNS/URI SAN; at least one of cn, san
//         principal: "{cn}"       # "{cn}": the certificate's CN
//         role: agent
//         agent_ids: ["{cn}"]
//     max_silence_duration: 30d
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/auth/principal.h"
#include "shared/yaml_config.h"

namespace scout::collector::auth {

struct CertificateRule {
  std::string cn, san;  // globs; "" = not checked (not both)
  Principal principal;  // may contain "{cn}"
};

struct AuthConfig {
  std::string tokens_file;  // "" = no tokens (certificates only)
  std::vector<CertificateRule> certificates;
};

inline constexpr std::chrono::milliseconds kDefaultMaxSilence = std::chrono::hours(24 * 30);

// Reads the `auth` mapping; `config_dir` resolves a relative tokens_file.
// `max_silence` receives max_silence_duration when given.
absl::StatusOr<AuthConfig> ReadAuthConfig(ConfigMap& auth, const std::string& config_dir,
                                          std::chrono::milliseconds* max_silence);

}  // namespace scout::collector::auth
