// Between eval.cc and range_eval.cc only: evaluation over series already in
// memory. Not for other modules.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/promql/eval.h"

namespace scout::collector::promql::internal {

// Every point a selector needs for a whole range query, by its compiled
// form (shared by the tree's selectors with the same text), sorted by time.
using Preloaded = std::unordered_map<const CompiledSelector*, std::vector<SeriesPoints>>;

// Evaluate(), except that a selector found in `preloaded` is served from it
// (its windows found by binary search, nothing copied); others are read
// from `source`.
absl::StatusOr<EvalResult> EvaluatePreloaded(const Expr& expr, SeriesSource& source,
                                             int64_t now_ms, const EvalOptions& options,
                                             const Preloaded& preloaded);

}  // namespace scout::collector::promql::internal
