// Evaluates a parsed PromQL expression (parser.h documents the language)
// at one instant against a SeriesSource. range_eval.h evaluates one over a
// range of steps.
//
// Reads are memoized within one Evaluate call: a selector that appears
// twice with the same window (e.g. `x` and `avg_over_time(x[5m])` with the
// default 5m lookback, or `rate(x[5m])` twice) is read once. Nothing is
// cached across calls.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/promql/parser.h"
#include "collector/promql/series_source.h"
#include "shared/metric.h"

namespace scout::collector::promql {

// Prometheus's staleness marker: a NaN with this exact bit pattern, written
// when a series disappears. An instant selector whose newest point in the
// lookback window is one yields nothing for that series; range functions
// skip them. Ordinary NaN values are data.
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
inline bool IsStaleNaN(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  return bits == kStaleNaNBits;
}
double StaleNaN();

// Where Scout's alert rules and Prometheus's query engine differ (parser.h,
// "SEMANTICS"). Alert rules use kScout; the Prometheus HTTP API kPrometheus.
enum class Semantics {
  // Windows (t - d, t]; rate/increase/delta between the first and the last
  // point, no extrapolation; quantile_over_time as `sctl query --agg`.
  kScout,
  // As Prometheus 2.42: windows [t - d, t]; rate/increase/delta
  // extrapolated to the window's edges (extrapolatedRate).
  kPrometheus,
};

struct EvalOptions {
  Semantics semantics = Semantics::kScout;
  // How far back an instant selector looks for a series' newest point.
  std::chrono::milliseconds lookback{300000};
  // absent_for() ignores series whose newest point is older than this.
  std::chrono::milliseconds absent_horizon{7 * 24 * 3600 * 1000LL};
  // EvaluateRange only: the most points (read plus produced) held in memory
  // at once; beyond it the evaluation fails with ResourceExhausted.
  uint64_t max_points_held = 50'000'000;
  // EvaluateRange only: checked between steps (the reads are bounded by the
  // source); past it the evaluation fails with DeadlineExceeded.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
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
// a bad label_replace regex or destination, matching errors ("many-to-many matching not allowed for '/' at column
// 12: ...") and for a result with two elements with the same labels;
// a SeriesSource error is passed on (with the selector named).
absl::StatusOr<EvalResult> Evaluate(const Expr& expr, SeriesSource& source, int64_t now_ms,
                                    const EvalOptions& options = {});

// One series' points of a range selector's window.
struct RangeElement {
  Labels labels;  // sorted, with __name__
  std::vector<Point> points;
};

// REQUIRES: expr.ReturnsRange(). The points of every matching series in
// the selector's window ending at now_ms - offset (as a range function
// sees them: staleness markers left out), series without any left out,
// sorted by labels: what Prometheus's instant query answers for `x[5m]`.
absl::StatusOr<std::vector<RangeElement>> EvaluateRangeSelector(const Expr& expr,
                                                                SeriesSource& source,
                                                                int64_t now_ms,
                                                                const EvalOptions& options = {});

}  // namespace scout::collector::promql
