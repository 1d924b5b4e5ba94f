// The one seam between the HTTP API and the expression engine, so moving
// to the PromQL engine of issue 17 (collector/promql/, H1) changes only
// this file:
//   * ParseQuery       → promql::ParseExpr
//   * EvaluateInstant  → promql::Evaluate with Semantics::kPrometheus
//   * EvaluateRange    → promql::EvaluateRange (reads each selector once
//                        for the whole range); today it evaluates every
//                        step as one instant query, so its cost is
//                        steps x reads, bounded by the query's ReadBudget.
// RangeSeries/RangeResult have promql/range_eval.h's shape.
//
// Not done yet (docs/prometheus.md): range queries do not read rollups;
// a step of whole hours over a plain selector or avg_over_time could be
// answered from hourly rows as range_query.h does for sctl.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/alerting/expr_eval.h"
#include "collector/alerting/expr_parser.h"
#include "collector/alerting/series_source.h"
#include "collector/query_limits.h"
#include "shared/metric.h"

namespace scout::collector::prom_api {

using Expr = alerting::Expr;
using EvalOptions = alerting::EvalOptions;
using InstantResult = alerting::EvalResult;

struct RangeSeries {
  Labels labels;  // holds __name__ when the metric name was kept
  std::vector<Point> points;
};
struct RangeResult {
  bool is_scalar = false;
  std::vector<RangeSeries> series;  // sorted by labels
};

// InvalidArgument (bad_data) for a syntax error.
absl::StatusOr<Expr> ParseQuery(std::string_view text);

// Errors as alerting::Evaluate (a source's limit errors are passed on).
absl::StatusOr<InstantResult> EvaluateInstant(const Expr& expr, alerting::SeriesSource& source,
                                              int64_t t_ms, const EvalOptions& options);

// Steps start_ms, start_ms + step_ms, ... <= end_ms. REQUIRES step_ms > 0.
// `budget`'s deadline is checked between steps.
absl::StatusOr<RangeResult> EvaluateRange(const Expr& expr, alerting::SeriesSource& source,
                                          int64_t start_ms, int64_t end_ms, int64_t step_ms,
                                          const EvalOptions& options, ReadBudget& budget);

}  // namespace scout::collector::prom_api
