// Secret references in config values: DSNs, probe headers, notification
// URLs and headers never sit in a config file in clear text.
//
//   "${NAME}" anywhere in the value  -> the environment variable NAME
//   "@file:/path" as the whole value -> the file's content, whitespace-trimmed
//                                       (a Kubernetes Secret mounted as a file)
// Other text is kept as is. Resolve at each use, so a rotated token file is
// picked up without a restart.
//
// Errors name the variable or file, never any (partial) secret value, so
// they are safe to log: a malformed reference could be a pasted literal
// secret, so its text is never quoted.
//
// Thread safety: reads the environment and files only; safe from any thread.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace scout {

absl::StatusOr<std::string> ResolveSecretRef(const std::string& value);

}  // namespace scout
