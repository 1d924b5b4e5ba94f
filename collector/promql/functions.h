// The numeric cores of PromQL's functions, on plain values: what one
// series' window of points, or one group of a histogram, turns into. The
// evaluator (eval.cc) selects the points and labels; these only compute.
// parser.h documents each function's meaning.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "collector/promql/ast.h"
#include "collector/promql/eval.h"
#include "shared/metric.h"

namespace scout::collector::promql {

// Computes the range function `func` (rate, *_over_time, changes, ...;
// not absent_over_time) over the points [b, e) of one series, which has no
// stale markers and lies in the window ending at `window_end_ms` (t minus
// the offset) of length `range_ms`. `q` is quantile_over_time's quantile.
// False when the window has too few points for a value (e.g. rate needs 2).
// `scratch` is reused storage.
bool RangeFunction(ast::Func func, Semantics semantics, double q, const Point* b, const Point* e,
                   int64_t window_end_ms, int64_t range_ms, std::vector<double>* scratch,
                   double* out);

// predict_linear: the least-squares line through [b, e) (as deriv), read
// `seconds_ahead` seconds after `at_ms`. False with fewer than 2 points at
// distinct times.
bool PredictLinear(const Point* b, const Point* e, int64_t at_ms, double seconds_ahead,
                   double* out);

// The q-quantile of `values` (reordered): Prometheus's quantile() (R-7,
// q < 0 -> -Inf, q > 1 -> +Inf, NaN q -> NaN). With kScout the same value
// computed as x[lo] + (x[hi] - x[lo]) * frac, as `sctl query --agg`.
double Quantile(double q, std::vector<double>* values, Semantics semantics = Semantics::kPrometheus);

// histogram_quantile over one group's buckets: (upper bound, cumulative
// count) pairs in any order. As Prometheus: NaN without a +Inf bucket or
// with fewer than 2 buckets or no observations; counts made monotonic;
// linear interpolation inside the bucket holding the rank; the lowest
// bucket interpolates from 0 (unless its bound is <= 0); a rank in the +Inf
// bucket gives the next-highest bound.
double HistogramQuantile(double q, std::vector<std::pair<double, double>> buckets);

}  // namespace scout::collector::promql
