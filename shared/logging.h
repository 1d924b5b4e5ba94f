// Logging goes through spdlog's default logger (the one global Scout has),
// writing to stderr. Levels: trace, debug, info, warn, error.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "spdlog/spdlog.h"

// Debian's absl::string_view is its own type, not std::string_view; this
// lets spdlog format it (status.message()) directly.
template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<fmt::string_view> {
  template <typename FormatContext>
  auto format(absl::string_view s, FormatContext& ctx) const {
    return fmt::formatter<fmt::string_view>::format(fmt::string_view(s.data(), s.size()), ctx);
  }
};

namespace scout {

// Fails on an unknown level name.
absl::Status InitLogging(const std::string& level, const std::string& program);

}  // namespace scout
