// Between eval.cc and range_eval.cc only: evaluation over series already in
// memory. Not for other modules.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "collector/promql/eval.h"

namespace scout::collector::promql::internal {

// Every point a selector needs for a whole range query, by its compiled
// form (shared by the tree's selectors with the same text), sorted by time.
using Preloaded = std::unordered_map<const CompiledSelector*, std::vector<SeriesPoints>>;

// One element while evaluating. Labels are not copied: they point into the
// series read from the source (memoized for the whole evaluation) or into
// the evaluator's arena. `metric` is null once the name has been dropped.
struct Sample {
  const Labels* labels;
  const std::string* metric;
  double value;
  int64_t ts = 0;  // the point's timestamp, for timestamp(selector)
};

// A hash and an equality of a sample's identity (metric name and labels,
// by content), for sets of elements.
struct SampleHash {
  size_t operator()(const Sample& s) const;
};
struct SampleEq {
  bool operator()(const Sample& a, const Sample& b) const;
};

// The sample's labels with __name__ merged in (when the name was kept), sorted.
Labels ElementLabels(const Sample& s);

// The error of a result holding two elements with the labels of `s`.
absl::Status DuplicateElementError(const Sample& s);

// One evaluation step's answer, valid only during the callback: the
// elements' labels point into the evaluator. `samples` may hold two
// elements with the same identity (the caller checks).
struct StepView {
  bool is_scalar = false;
  double scalar = 0;
  absl::Span<const Sample> samples;
};

// Evaluates at `now_ms` with `preloaded` as EvaluatePreloaded, and hands
// the result to `consume` without copying labels (range_eval.cc).
absl::Status EvaluateStep(const Expr& expr, SeriesSource& source, int64_t now_ms,
                          const EvalOptions& options, const Preloaded& preloaded,
                          absl::FunctionRef<absl::Status(const StepView&)> consume);

// Evaluate(), except that a selector found in `preloaded` is served from it
// (its windows found by binary search, nothing copied); others are read
// from `source`.
absl::StatusOr<EvalResult> EvaluatePreloaded(const Expr& expr, SeriesSource& source,
                                             int64_t now_ms, const EvalOptions& options,
                                             const Preloaded& preloaded);

}  // namespace scout::collector::promql::internal
