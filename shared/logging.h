// Logging goes through spdlog's default logger (the one global Scout has),
// writing to stderr. Levels: trace, debug, info, warn, error.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace scout {

// Fails on an unknown level name.
absl::Status InitLogging(const std::string& level, const std::string& program);

}  // namespace scout
