#include "collector/prom_api/engine_adapter.h"

namespace scout::collector::prom_api {
namespace {
EvalOptions Prometheus(EvalOptions options) {
  options.semantics = promql::Semantics::kPrometheus;
  return options;
}
}  // namespace

absl::StatusOr<Expr> ParseQuery(std::string_view text, bool allow_range_result) {
  promql::ParseOptions options;
  options.allow_range_result = allow_range_result;
  return promql::ParseExpr(text, options);
}

absl::StatusOr<std::vector<promql::RangeElement>> EvaluateRangeVector(
    const Expr& expr, promql::SeriesSource& source, int64_t t_ms, const EvalOptions& options) {
  return promql::EvaluateRangeSelector(expr, source, t_ms, Prometheus(options));
}

absl::StatusOr<InstantResult> EvaluateInstant(const Expr& expr, promql::SeriesSource& source,
                                              int64_t t_ms, const EvalOptions& options) {
  return promql::Evaluate(expr, source, t_ms, Prometheus(options));
}

absl::StatusOr<RangeResult> EvaluateRange(const Expr& expr, promql::SeriesSource& source,
                                          int64_t start_ms, int64_t end_ms, int64_t step_ms,
                                          const EvalOptions& options, ReadBudget& budget) {
  if (absl::Status s = budget.Check(); !s.ok()) return s;
  return promql::EvaluateRange(expr, source, start_ms, end_ms, step_ms, Prometheus(options));
}

}  // namespace scout::collector::prom_api
