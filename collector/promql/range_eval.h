// Evaluates a PromQL expression at every step of a time range, as
// Prometheus's /api/v1/query_range does: at start, start + step, ... up to
// end, each step evaluated like an instant query (eval.h) at that time.
//
// Reads: every selector of the expression is read from the source ONCE,
// over the union of the windows all steps need (start - range - offset -
// lookback .. end - offset), into memory; the steps then read that copy
// in place (binary search per series, nothing copied). So the cost is ~
// points read + steps x series, not steps x reads of the source.
//
// Limits: at most kMaxRangeSteps steps (InvalidArgument, as Prometheus);
// EvalOptions::max_points_held bounds the points read plus the points of
// the result (ResourceExhausted); EvalOptions::deadline is checked between
// steps (DeadlineExceeded). Errors of the source (its own limits:
// ResourceExhausted, DeadlineExceeded) are passed on with the selector
// named, and so are evaluation errors of any step.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/promql/eval.h"
#include "collector/promql/parser.h"
#include "collector/promql/series_source.h"
#include "shared/metric.h"

namespace scout::collector::promql {

inline constexpr int64_t kMaxRangeSteps = 11000;

struct RangeSeries {
  Labels labels;              // sorted; holds __name__ when the name was kept
  std::vector<Point> points;  // one per step that had a value, by time
};

struct RangeResult {
  bool is_scalar = false;  // then one series with no labels, a point per step
  std::vector<RangeSeries> series;  // sorted by labels
};

// REQUIRES nothing: bad arguments (step <= 0, end < start, too many steps,
// an empty Expr) are InvalidArgument / FailedPrecondition.
absl::StatusOr<RangeResult> EvaluateRange(const Expr& expr, SeriesSource& source, int64_t start_ms,
                                          int64_t end_ms, int64_t step_ms,
                                          const EvalOptions& options = {});

}  // namespace scout::collector::promql
