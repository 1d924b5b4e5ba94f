#include "collector/promql/range_eval.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <unordered_map>
#include <unordered_set>
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

// The result's series by identity (metric name and labels), found without
// copying a step's labels. Most steps' elements point at the labels of
// the preloaded series, which live for the whole query: those are found
// by address. Others (aggregations, label_replace) point into the step's
// own memory and are found by content: each content key points at the
// series' own copy.
class SeriesIndex {
 public:
  SeriesIndex(const internal::Preloaded& preloaded, RangeResult* result) : result_(result) {
    for (const auto& [selector, series] : preloaded) {
      for (const SeriesPoints& sp : series) {
        stable_labels_.insert(&sp.key.labels);
        stable_metrics_.insert(&sp.key.metric);
      }
    }
  }

  // Appends (t, value) to the series of `s`, created on first sight.
  // InvalidArgument when this step already gave that series a point.
  absl::Status Add(const internal::Sample& s, int64_t step, int64_t t) {
    const Address address{s.labels, s.metric};
    auto by_address = by_address_.find(address);
    size_t i;
    if (by_address != by_address_.end()) {
      i = by_address->second;
    } else {
      i = FindByContent(s);
      if (IsStable(s)) by_address_.emplace(address, i);
    }
    if (last_step_[i] == step) return internal::DuplicateElementError(s);
    last_step_[i] = step;
    result_->series[i].points.push_back({t, s.value});
    return absl::OkStatus();
  }

 private:
  using Address = std::pair<const Labels*, const std::string*>;
  struct AddressHash {
    size_t operator()(const Address& a) const {
      return std::hash<const void*>()(a.first) * 31 + std::hash<const void*>()(a.second);
    }
  };
  struct Owned {
    Labels labels;
    std::string metric;
  };

  bool IsStable(const internal::Sample& s) const {
    return stable_labels_.count(s.labels) > 0 &&
           (s.metric == nullptr || stable_metrics_.count(s.metric) > 0);
  }

  size_t FindByContent(const internal::Sample& s) {
    auto it = by_content_.find(s);
    if (it != by_content_.end()) return it->second;
    Owned& owned = owned_.emplace_back();
    owned.labels = *s.labels;
    if (s.metric != nullptr) owned.metric = *s.metric;
    const internal::Sample key{&owned.labels, s.metric != nullptr ? &owned.metric : nullptr, 0};
    by_content_.emplace(key, result_->series.size());
    result_->series.push_back({internal::ElementLabels(s), {}});
    last_step_.push_back(-1);
    return result_->series.size() - 1;
  }

  RangeResult* result_;
  std::unordered_set<const Labels*> stable_labels_;
  std::unordered_set<const std::string*> stable_metrics_;
  std::unordered_map<Address, size_t, AddressHash> by_address_;
  std::deque<Owned> owned_;  // stable addresses for the content keys
  std::unordered_map<internal::Sample, size_t, internal::SampleHash, internal::SampleEq>
      by_content_;
  std::vector<int64_t> last_step_;  // by series: the last step that added a point
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
  SeriesIndex index(preloaded, &result);
  int64_t step = 0;
  for (int64_t t = start_ms; t <= end_ms; t += step_ms, ++step) {
    if (std::chrono::steady_clock::now() > options.deadline) {
      return absl::DeadlineExceededError("query timed out in query execution");
    }
    SCOUT_RETURN_IF_ERROR(internal::EvaluateStep(
        expr, latest, t, options, preloaded, [&](const internal::StepView& r) -> absl::Status {
          if (r.is_scalar) {
            result.is_scalar = true;
            if (result.series.empty()) result.series.push_back({Labels{}, {}});
            result.series[0].points.push_back({t, r.scalar});
            ++held;
          } else {
            held += r.samples.size();
          }
          if (held > options.max_points_held) return TooManyPoints(options.max_points_held);
          for (const internal::Sample& s : r.samples) {
            SCOUT_RETURN_IF_ERROR(index.Add(s, step, t));
          }
          return absl::OkStatus();
        }));
  }
  std::sort(result.series.begin(), result.series.end(),
            [](const RangeSeries& a, const RangeSeries& b) { return a.labels < b.labels; });
  return result;
}

}  // namespace scout::collector::promql
