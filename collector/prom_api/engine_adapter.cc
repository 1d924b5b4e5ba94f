#include "collector/prom_api/engine_adapter.h"

#include <map>

namespace scout::collector::prom_api {

absl::StatusOr<Expr> ParseQuery(std::string_view text) { return alerting::ParseExpr(text); }

absl::StatusOr<InstantResult> EvaluateInstant(const Expr& expr, alerting::SeriesSource& source,
                                              int64_t t_ms, const EvalOptions& options) {
  return alerting::Evaluate(expr, source, t_ms, options);
}

absl::StatusOr<RangeResult> EvaluateRange(const Expr& expr, alerting::SeriesSource& source,
                                          int64_t start_ms, int64_t end_ms, int64_t step_ms,
                                          const EvalOptions& options, ReadBudget& budget) {
  RangeResult out;
  out.is_scalar = expr.ReturnsScalar();
  std::map<Labels, std::vector<Point>> by_labels;
  for (int64_t t = start_ms; t <= end_ms; t += step_ms) {
    if (absl::Status s = budget.Check(); !s.ok()) return s;
    absl::StatusOr<InstantResult> r = alerting::Evaluate(expr, source, t, options);
    if (!r.ok()) return r.status();
    if (r->is_scalar) {
      by_labels[Labels{}].push_back({t, r->scalar});
      continue;
    }
    for (alerting::Element& e : r->vector) {
      by_labels[std::move(e.labels)].push_back({t, e.value});
    }
  }
  out.series.reserve(by_labels.size());
  for (auto& [labels, points] : by_labels) {
    out.series.push_back({labels, std::move(points)});
  }
  return out;
}

}  // namespace scout::collector::prom_api
