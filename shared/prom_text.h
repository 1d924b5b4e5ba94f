// The Prometheus text exposition format 0.0.4 (what /metrics answers), used
// by the collector's /metrics and the agent's --metrics-listen.
//
// Samples are grouped into families (all samples of a family together,
// families sorted by name), each family preceded by `# HELP` and `# TYPE`
// (kUndocumentedHelp when the catalog has none).
// Type and help come from shared/metric_catalog.h (docs/metrics.md); a
// metric it does not know is a counter when its name ends in `_total`,
// else untyped (FamilyOf: the one place that decides). `_bucket`, `_sum`
// and `_count` join the family of a documented histogram or summary.
//
// Label values and help text are escaped as the format says; values are
// written as Prometheus parses them: "+Inf", "-Inf", "NaN", integral
// values below 2^53 without exponent or fraction ("1000000"), others in the
// shortest form that reads back exactly. No timestamps: the scraper's time
// is used. Labels are written as given (the collector's `host` label
// stays; Prometheus adds job/instance beside it).
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scout {

struct PromSample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

struct PromFamily {
  std::string name;  // the family: "x" for x_bucket of a documented histogram x
  std::string type;  // "counter", "gauge", "histogram", "summary", "untyped"
  std::string help;  // "" when unknown
};

// What # TYPE / # HELP say for a sample named `metric`.
PromFamily FamilyOf(std::string_view metric);

// The exposition text (Content-Type kPromTextContentType).
std::string WritePromText(std::vector<PromSample> samples);

// The # HELP of a family docs/metrics.md does not describe.
inline constexpr const char* kUndocumentedHelp = "Not described in docs/metrics.md.";

inline constexpr const char* kPromTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// Building blocks, exposed for tests.
std::string FormatPromValue(double value);
std::string EscapeLabelValue(std::string_view value);
std::string EscapeHelp(std::string_view help);

}  // namespace scout
