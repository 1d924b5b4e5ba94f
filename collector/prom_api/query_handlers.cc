// /api/v1/query and /api/v1/query_range.
#include <algorithm>
#include <chrono>
#include <optional>

#include "absl/strings/str_cat.h"
#include "collector/prom_api/api_json.h"
#include "collector/prom_api/api_params.h"
#include "collector/prom_api/budgeted_source.h"
#include "collector/prom_api/engine_adapter.h"
#include "collector/prom_api/handlers.h"
#include "collector/range_query.h"

namespace scout::collector::prom_api {
namespace {

// Empty means absent, as Prometheus's r.FormValue.
std::optional<std::string> NonEmptyParam(const http::Request& req, std::string_view name) {
  std::optional<std::string> v = req.Param(name);
  if (v.has_value() && v->empty()) return std::nullopt;
  return v;
}

absl::StatusOr<Expr> ParseQueryParam(const http::Request& req, bool allow_range_result = false) {
  absl::StatusOr<Expr> expr = ParseQuery(req.Param("query").value_or(""), allow_range_result);
  if (!expr.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid parameter \"query\": ", expr.status().message()));
  }
  return expr;
}

// An evaluation error: a limit (its own type) or a query that cannot be
// evaluated on this data (many-to-many matching...): "execution", 422, as
// Prometheus.
http::Response EvalErrorResponse(QueryGate::Ticket& ticket, const absl::Status& error) {
  const absl::Status status = ticket.Done(error);  // counts a limit's refusal
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    return ErrorResponse(ErrorType::kExecution, status.message());
  }
  return ErrorResponse(status);
}

http::Response InstantAnswer(const InstantResult& r, int64_t t_ms) {
  if (r.is_scalar) {
    std::string body = BeginQueryAnswer("scalar");
    AppendSampleJson(t_ms, r.scalar, &body);
    return EndQueryAnswer(std::move(body));
  }
  std::string body = BeginQueryAnswer("vector");
  body += '[';
  for (size_t i = 0; i < r.vector.size(); ++i) {
    if (i > 0) body += ',';
    body += "{\"metric\":" + DumpJson(LabelsJson(r.vector[i].labels)) + ",\"value\":";
    AppendSampleJson(t_ms, r.vector[i].value, &body);
    body += '}';
  }
  body += ']';
  return EndQueryAnswer(std::move(body));
}

// Labels go through nlohmann, which escapes them; the points are numbers
// written straight into the body (a DOM of every point cost more than the
// evaluation).
http::Response MatrixAnswer(const RangeResult& r) {
  size_t points = 0;
  for (const RangeSeries& s : r.series) points += s.points.size();
  std::string body = BeginQueryAnswer("matrix");
  body.reserve(body.size() + points * 28 + r.series.size() * 128 + 4);
  body += '[';
  for (size_t i = 0; i < r.series.size(); ++i) {
    const RangeSeries& s = r.series[i];
    if (i > 0) body += ',';
    body += "{\"metric\":" + DumpJson(LabelsJson(s.labels)) + ",\"values\":[";
    for (size_t j = 0; j < s.points.size(); ++j) {
      if (j > 0) body += ',';
      AppendSampleJson(s.points[j].timestamp_ms, s.points[j].value, &body);
    }
    body += "]}";
  }
  body += ']';
  return EndQueryAnswer(std::move(body));
}

// An instant query of a range selector alone: its raw points, "matrix".
http::Response RawMatrixAnswer(std::vector<promql::RangeElement> elements) {
  RangeResult r;
  for (promql::RangeElement& e : elements) {
    r.series.push_back({std::move(e.labels), std::move(e.points)});
  }
  return MatrixAnswer(r);
}

// The engine's own bounds from the query's budget: its deadline between
// range steps, and at most twice max_samples points held (read + result).
EvalOptions OptionsFor(QueryGate::Ticket& ticket) {
  EvalOptions options;
  const absl::Time deadline = ticket.budget().deadline();
  if (deadline != absl::InfiniteFuture()) {
    options.deadline = std::chrono::steady_clock::now() +
                       absl::ToChronoMilliseconds(std::max(deadline - absl::Now(), absl::ZeroDuration()));
  }
  if (ticket.budget().max_samples() > 0) {
    options.max_points_held = 2 * static_cast<uint64_t>(ticket.budget().max_samples());
  }
  return options;
}

// A range query reads rollups where raw data has expired, when its step
// allows it: the tier sctl query would choose (range_query.h's ChooseTier:
// hourly rows for a step of whole hours, daily for whole days). Where raw
// data exists it is always read, so those answers stay Prometheus's.
std::optional<RollupHistory> RollupHistoryFor(const Storage& storage, const RangeParams& range,
                                              const EvalOptions& options) {
  const int64_t raw_from = storage.Coverage().raw_complete_from_ms;
  if (range.start_ms - options.lookback.count() >= raw_from) return std::nullopt;
  switch (ChooseTier(range.start_ms, range.end_ms, range.step_ms, raw_from)) {
    case QueryTier::kRaw: return std::nullopt;
    case QueryTier::kHour: return RollupHistory{RollupTier::kHour, raw_from};
    case QueryTier::kDay: return RollupHistory{RollupTier::kDay, raw_from};
  }
  return std::nullopt;
}

}  // namespace

http::Response HandleQuery(const PromApiDeps& deps, const http::Request& req,
                           QueryGate::Ticket& ticket) {
  absl::StatusOr<Expr> expr = ParseQueryParam(req, /*allow_range_result=*/true);
  if (!expr.ok()) return ErrorResponse(expr.status());
  absl::StatusOr<int64_t> t = TimeParam("time", NonEmptyParam(req, "time"), deps.clock.NowMs());
  if (!t.ok()) return ErrorResponse(t.status());
  BudgetedSource source(deps.storage, ticket.budget(), deps.limits.max_series);
  if (expr->ReturnsRange()) {
    absl::StatusOr<std::vector<promql::RangeElement>> raw =
        EvaluateRangeVector(*expr, source, *t, OptionsFor(ticket));
    if (!raw.ok()) return EvalErrorResponse(ticket, raw.status());
    return RawMatrixAnswer(*std::move(raw));
  }
  absl::StatusOr<InstantResult> r = EvaluateInstant(*expr, source, *t, OptionsFor(ticket));
  if (!r.ok()) return EvalErrorResponse(ticket, r.status());
  return InstantAnswer(*r, *t);
}

http::Response HandleQueryRange(const PromApiDeps& deps, const http::Request& req,
                                QueryGate::Ticket& ticket) {
  absl::StatusOr<Expr> expr = ParseQueryParam(req);
  if (!expr.ok()) return ErrorResponse(expr.status());
  absl::StatusOr<RangeParams> range =
      ParseRangeParams(req.Param("start"), req.Param("end"), req.Param("step"));
  if (!range.ok()) return ErrorResponse(range.status());
  EvalOptions options = OptionsFor(ticket);
  const std::optional<RollupHistory> history = RollupHistoryFor(deps.storage, *range, options);
  if (history.has_value()) {
    // One point per row: an instant selector looks back a whole row.
    options.lookback =
        std::max(options.lookback, std::chrono::milliseconds(RollupBucketMs(history->tier)));
  }
  BudgetedSource source(deps.storage, ticket.budget(), deps.limits.max_series, history);
  absl::StatusOr<RangeResult> r = EvaluateRange(*expr, source, range->start_ms, range->end_ms,
                                                range->step_ms, options, ticket.budget());
  if (!r.ok()) return EvalErrorResponse(ticket, r.status());
  return MatrixAnswer(*r);
}

}  // namespace scout::collector::prom_api
