#include "collector/promql/range_eval.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <unordered_map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "collector/promql/ast.h"
#include "collector/promql/eval_internal.h"
#include "shared/status_macros.h"

namespace scout::collector::promql {
namespace {

using ast::Kind;
using ast::Node;

// What one selector must cover for the whole range.
struct Need {
  const Node* node = nullptr;  // any node with this selector (for messages)
  int64_t start_ms = 0;        // inclusive
  int64_t end_ms = 0;          // exclusive
};

void CollectNeeds(const Node& n, int64_t start_ms, int64_t end_ms, int64_t lookback_ms,
                  std::map<const CompiledSelector*, Need>* needs) {
  if (n.kind == Kind::kSelector) {
    const int64_t window = n.range_ms > 0 ? n.range_ms : lookback_ms;
    const int64_t lo = start_ms - n.offset_ms - window;
    const int64_t hi = end_ms - n.offset_ms + 1;
    auto [it, inserted] = needs->emplace(n.compiled.get(), Need{&n, lo, hi});
    if (!inserted) {
      it->second.start_ms = std::min(it->second.start_ms, lo);
      it->second.end_ms = std::max(it->second.end_ms, hi);
    }
  }
  for (const auto& child : n.children) CollectNeeds(*child, start_ms, end_ms, lookback_ms, needs);
}

// Latest() (absent_for) once per selector for the whole range; ReadRange of
// a selector not preloaded (none, today) goes to the source.
class LatestOnceSource final : public SeriesSource {
 public:
  explicit LatestOnceSource(SeriesSource& source) : source_(source) {}

  absl::StatusOr<std::vector<SeriesPoints>> ReadRange(const CompiledSelector& selector,
                                                      int64_t start_ms, int64_t end_ms) override {
    return source_.ReadRange(selector, start_ms, end_ms);
  }

  absl::StatusOr<std::vector<SeriesPoints>> Latest(const CompiledSelector& selector) override {
    auto it = latest_.find(&selector);
    if (it == latest_.end()) {
      absl::StatusOr<std::vector<SeriesPoints>> read = source_.Latest(selector);
      if (!read.ok()) return read.status();
      it = latest_.emplace(&selector, *std::move(read)).first;
    }
    return it->second;
  }

 private:
  SeriesSource& source_;
  std::unordered_map<const CompiledSelector*, std::vector<SeriesPoints>> latest_;
};

absl::Status TooManyPoints(uint64_t limit) {
  return absl::ResourceExhaustedError(absl::StrCat(
      "the query would hold more than ", limit,
      " points in memory; narrow the selectors, shorten the range or raise the step"));
}

}  // namespace

absl::StatusOr<RangeResult> EvaluateRange(const Expr& expr, SeriesSource& source, int64_t start_ms,
                                          int64_t end_ms, int64_t step_ms,
                                          const EvalOptions& options) {
  if (expr.empty()) return absl::FailedPreconditionError("empty expression");
  if (step_ms <= 0) {
    return absl::InvalidArgumentError("zero or negative query resolution step widths are not accepted");
  }
  if (end_ms < start_ms) return absl::InvalidArgumentError("end timestamp must not be before start time");
  if ((end_ms - start_ms) / step_ms + 1 > kMaxRangeSteps) {
    return absl::InvalidArgumentError(absl::StrCat(
        "exceeded maximum resolution of ", kMaxRangeSteps,
        " points per timeseries. Try decreasing the query resolution (?step=XX)"));
  }
  std::map<const CompiledSelector*, Need> needs;
  CollectNeeds(*expr.root(), start_ms, end_ms, options.lookback.count(), &needs);
  internal::Preloaded preloaded;
  LatestOnceSource latest(source);
  uint64_t held = 0;
  for (const auto& [selector, need] : needs) {
    absl::StatusOr<std::vector<SeriesPoints>> read =
        source.ReadRange(*selector, need.start_ms, need.end_ms);
    if (!read.ok()) {
      return absl::Status(read.status().code(),
                          absl::StrCat("reading ", FormatSelector(need.node->selector), ": ",
                                       std::string(read.status().message())));
    }
    for (const SeriesPoints& sp : *read) held += sp.points.size();
    if (held > options.max_points_held) return TooManyPoints(options.max_points_held);
    preloaded[selector] = *std::move(read);
  }
  RangeResult result;
  std::map<Labels, size_t> index;
  for (int64_t t = start_ms; t <= end_ms; t += step_ms) {
    if (std::chrono::steady_clock::now() > options.deadline) {
      return absl::DeadlineExceededError("query timed out in query execution");
    }
    SCOUT_ASSIGN_OR_RETURN(EvalResult r,
                           internal::EvaluatePreloaded(expr, latest, t, options, preloaded));
    if (r.is_scalar) {
      result.is_scalar = true;
      r.vector.push_back({Labels{}, r.scalar});
    }
    held += r.vector.size();
    if (held > options.max_points_held) return TooManyPoints(options.max_points_held);
    for (Element& e : r.vector) {
      auto [it, inserted] = index.emplace(e.labels, result.series.size());
      if (inserted) result.series.push_back({std::move(e.labels), {}});
      result.series[it->second].points.push_back({t, e.value});
    }
  }
  std::sort(result.series.begin(), result.series.end(),
            [](const RangeSeries& a, const RangeSeries& b) { return a.labels < b.labels; });
  return result;
}

}  // namespace scout::collector::promql
