// Parameters of the Prometheus HTTP API, parsed as Prometheus parses them
// (pure functions; tested on literal input).
//
// Errors are InvalidArgument with Prometheus's wording, e.g.
//   invalid parameter "start": cannot parse "x" to a valid timestamp
// so the handlers answer them as bad_data (400) unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "shared/selector.h"

namespace scout::collector::prom_api {

// Prometheus caps a range query at this many points per series.
inline constexpr int64_t kMaxPointsPerSeries = 11000;

// A time: float Unix seconds ("1435781451.781", "1e9") or RFC 3339 with
// optional fractional seconds and a zone ("2015-07-01T20:10:51.781Z",
// "...+02:00"). Milliseconds since the epoch (sub-millisecond digits are
// truncated, as Prometheus does).
absl::StatusOr<int64_t> ParseTimeMs(absl::string_view text);

// A duration: float seconds ("15", "0.5") or a Prometheus duration
// ("1m30s", "5m", "1h", "2d", "1w", "1y", "250ms"; units largest first,
// each at most once). Milliseconds; negative durations are refused.
absl::StatusOr<int64_t> ParseDurationMs(absl::string_view text);

// `name` = ParseTimeMs(value), or `fallback` when the parameter is absent;
// errors name the parameter.
absl::StatusOr<int64_t> TimeParam(absl::string_view name, const std::optional<std::string>& value,
                                  int64_t fallback);
absl::StatusOr<int64_t> DurationParam(absl::string_view name,
                                      const std::optional<std::string>& value);

struct RangeParams {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  int64_t step_ms = 0;
};
// query_range's start/end/step: all required; end >= start; step > 0; at
// most kMaxPointsPerSeries points per series.
absl::StatusOr<RangeParams> ParseRangeParams(const std::optional<std::string>& start,
                                             const std::optional<std::string>& end,
                                             const std::optional<std::string>& step);

// `limit` of series/labels/values: absent or "0" = no limit (0); negative
// or not a number is refused.
absl::StatusOr<size_t> ParseLimit(const std::optional<std::string>& value);

// match[] selectors per request (a bound of ours; Prometheus has none).
inline constexpr size_t kMaxMatchers = 256;

// match[] selectors ("up", "up{job=\"x\"}", "{__name__=~\"node_.*\"}"),
// compiled. Each must name a metric or hold a matcher that does not match
// the empty string (Prometheus's rule: no selector may match every series);
// at most kMaxMatchers of them.
absl::StatusOr<std::vector<CompiledSelector>> ParseMatchers(const std::vector<std::string>& texts);

}  // namespace scout::collector::prom_api
