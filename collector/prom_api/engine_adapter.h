// The one seam between the HTTP API and the PromQL engine
// (collector/promql/): queries are parsed by promql::ParseExpr and
// evaluated with Prometheus's semantics (rate/increase/delta extrapolated,
// staleness markers honoured), whatever EvalOptions::semantics says.
// EvaluateRange reads each selector once for the whole range
// (promql/range_eval.h) under the query's ReadBudget.
//
// History older than raw retention reaches the engine as points made of
// rollup rows (BudgetedSource's RollupHistory); the engine does not know.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/promql/eval.h"
#include "collector/promql/parser.h"
#include "collector/promql/range_eval.h"
#include "collector/promql/series_source.h"
#include "collector/query_limits.h"
#include "shared/metric.h"

namespace scout::collector::prom_api {

using Expr = promql::Expr;
using EvalOptions = promql::EvalOptions;
using InstantResult = promql::EvalResult;
using RangeSeries = promql::RangeSeries;
using RangeResult = promql::RangeResult;

// InvalidArgument (bad_data) for a syntax error. `allow_range_result`: a
// range selector alone (`x[5m]`) is accepted, as /api/v1/query does.
absl::StatusOr<Expr> ParseQuery(std::string_view text, bool allow_range_result = false);

// The raw points of a range selector alone (expr.ReturnsRange()).
absl::StatusOr<std::vector<promql::RangeElement>> EvaluateRangeVector(
    const Expr& expr, promql::SeriesSource& source, int64_t t_ms, const EvalOptions& options);

// Errors as promql::Evaluate (a source's limit errors are passed on).
absl::StatusOr<InstantResult> EvaluateInstant(const Expr& expr, promql::SeriesSource& source,
                                              int64_t t_ms, const EvalOptions& options);

// Steps start_ms, start_ms + step_ms, ... <= end_ms. `budget`'s deadline
// is checked before the evaluation (the source checks it while reading).
absl::StatusOr<RangeResult> EvaluateRange(const Expr& expr, promql::SeriesSource& source,
                                          int64_t start_ms, int64_t end_ms, int64_t step_ms,
                                          const EvalOptions& options, ReadBudget& budget);

}  // namespace scout::collector::prom_api
