// Evaluates a parsed alert expression (expr_parser.h documents the
// language) at one instant against a SeriesSource.
//
// Reads are memoized within one Evaluate call: a selector that appears
// twice with the same window (e.g. `x` and `avg_over_time(x[5m])` with the
// default 5m lookback, or `rate(x[5m])` twice) is read once. Nothing is
// cached across calls.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/promql/parser.h"
#include "collector/promql/series_source.h"
#include "shared/metric.h"

namespace scout::collector::promql {

struct EvalOptions {
  // How far back an instant selector looks for a series' newest point.
  std::chrono::milliseconds lookback{300000};
  // absent_for() ignores series whose newest point is older than this.
  std::chrono::milliseconds absent_horizon{7 * 24 * 3600 * 1000LL};
};

struct Element {
  Labels labels;  // sorted; holds __name__ when the metric name was kept
  double value = 0;
};

struct EvalResult {
  bool is_scalar = false;
  double scalar = 0;            // when is_scalar
  std::vector<Element> vector;  // otherwise; values may be NaN or ±Inf
};

// Errors: FailedPrecondition for an empty Expr; InvalidArgument for
// matching errors ("many-to-many matching not allowed for '/' at column
// 12: ...") and for a result with two elements with the same labels;
// a SeriesSource error is passed on (with the selector named).
absl::StatusOr<EvalResult> Evaluate(const Expr& expr, SeriesSource& source, int64_t now_ms,
                                    const EvalOptions& options = {});

}  // namespace scout::collector::promql
