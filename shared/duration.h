// Durations as users write them in config files and flags: "500ms", "10s",
// "5m", "1h30m", "7d", "2w". A bare number is rejected so that "10" is never
// silently read as 10 ms or 10 s.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace scout {

absl::StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text);

// Shortest exact form: 90000ms -> "1m30s", 0 -> "0s".
std::string FormatDuration(std::chrono::milliseconds d);

}  // namespace scout
