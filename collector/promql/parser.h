// PromQL as Scout speaks it: the language of alert rules (alerting.md) and
// of the Prometheus HTTP API (prometheus.md). Parsed by ParseExpr,
// evaluated by eval.h (one instant) and range_eval.h (a range of steps).
//
// An expression is evaluated at one instant t (the evaluation time). It
// yields an instant vector — a list of elements, each a label set and a
// value — or a single number (a scalar). An alert rule must yield a vector:
// every element is one alert, identified by its labels.
//
//   avg_over_time(node_cpu_usage_ratio[5m]) > 0.7
//   quantile_over_time(0.95, scout_probe_duration_seconds[5m]) > 2
//   node_memory_used_bytes / ignoring(kind) node_memory_total_bytes > 0.8
//   absent_for(node_load1, 2m)
//   sum by (host) (rate(node_network_receive_errors_total[5m])) > 10
//   histogram_quantile(0.95, sum by (le) (rate(http_duration_seconds_bucket[5m])))
//   rate(x_total[5m]) / on(host) group_left(role) host_info
//
// SEMANTICS (EvalOptions::semantics). Alert rules use kScout; the
// Prometheus API kPrometheus, which answers as Prometheus 2.42 does
// (tests/promql/prometheus_compare_test.cc checks it against a real one).
// They differ only where marked [Scout] / [Prometheus] below:
//   windows       [Scout] (t - d, t]; [Prometheus] [t - d, t] (a point
//                 exactly d old is in, as in Prometheus 2.x)
//   rate, increase, delta   [Scout] between the first and last point, no
//                 extrapolation; [Prometheus] extrapolated (below)
//   quantile_over_time      the same value, computed as `sctl query --agg`
//                 [Scout] or as Prometheus [Prometheus] (may differ in the
//                 last bit)
//   last_over_time keeps the metric name [Prometheus] (a Prometheus 2.42
//                 quirk), drops it [Scout]
//
// LITERALS
//   Numbers: 2, 0.8, .5, 1e6, 1.5e-3, Inf, NaN (any case). Strings (only as
//   function and aggregation arguments): "double", 'single' (a backslash
//   escapes the next character, \n is a newline) and `raw` (no escapes).
//   Durations (only where noted below): a whole number with a unit, units
//   combined largest first: 500ms, 30s, 5m, 2h, 1d, 1w, 1y (= 365d), 1h30m.
//
// SELECTORS
//   metric                       every series of the metric
//   metric{l="v", l2=~"re"}      matchers: = != =~ !~ (regexes are RE2 and
//                                fully anchored; quotes " or '; a backslash
//                                escapes the next character and \n is a
//                                newline, as in sctl selectors; so a
//                                literal dot in a regex is "a\\.b")
//   {__name__=~"node_.*_ratio"}  the metric name as a label
//   A selector must not match every series: name a metric or give a matcher
//   that does not match the empty string.
//
//   Instant selector `metric{...}`: for each matching series, its newest
//   point in the lookback window ending at t (EvalOptions::lookback, 5m by
//   default). Series without a point in that window are not in the result,
//   nor are series whose newest point there is a staleness marker (the NaN
//   with bits 0x7ff0000000000002 that Prometheus writes when a series
//   ends; eval.h IsStaleNaN). An ordinary NaN is a value.
//
//   Range selector `metric{...}[5m]`: every point in the window of 5m
//   ending at t, staleness markers left out. Only allowed as the argument
//   of the range functions below.
//
//   `offset d` after a selector (`x offset 1h`, `x[5m] offset 1h`) reads it
//   as of t - d. The @ modifier and subqueries (x[5m:1m]) are not supported.
//
// RANGE FUNCTIONS  (one element per series that has enough points in the
// window; the metric name is dropped, the other labels are kept)
//   avg_over_time(v[d])    mean of the points                   (>= 1 point)
//   min_over_time(v[d])    smallest value (NaN only if all NaN)  (>= 1 point)
//   max_over_time(v[d])    largest value (NaN only if all NaN)   (>= 1 point)
//   sum_over_time(v[d])    sum                                   (>= 1 point)
//   count_over_time(v[d])  number of points                      (>= 1 point)
//   last_over_time(v[d])   value of the newest point             (>= 1 point)
//   present_over_time(v[d])  1                                   (>= 1 point)
//   stddev_over_time(v[d]), stdvar_over_time(v[d])
//                          population standard deviation / variance
//   quantile_over_time(q, v[d])
//                          the q-quantile, 0 <= q <= 1, interpolated between
//                          the two closest ranks: sorted values x[0..n-1],
//                          rank h = q*(n-1), x[floor h] + (h - floor h) *
//                          (x[ceil h] - x[floor h]) (the "R-7" definition,
//                          the same as `sctl query --agg p95`). q < 0 gives
//                          -Inf, q > 1 +Inf. q may be any scalar expression.
//                                                                (>= 1 point)
//   increase(v[d])         how much a counter grew in the window. A value
//                          lower than the one before it is a counter reset:
//                          the counter is taken to have restarted from 0, so
//                          the new value counts in full.
//                          [Scout] Between the first and the last point, no
//                          extrapolation to the window's edges: with a 15s
//                          interval, increase(x[5m]) covers the ~4m45s
//                          between the first and last point.
//                          [Prometheus] As Prometheus: the growth between the
//                          first and last point is scaled to the window: an
//                          edge whose gap to the nearest point is under 1.1
//                          average sample intervals is reached, otherwise
//                          half an interval is added; a counter is not
//                          extrapolated below zero.               (>= 2 points)
//   rate(v[d])             the per-second rate. [Scout] increase(v[d])
//                          divided by the seconds between the first and the
//                          last point (so rate(x[1h]) * 3600 estimates the
//                          hourly growth better than increase(x[1h]) does).
//                          [Prometheus] the extrapolated increase divided by
//                          d.                                     (>= 2 points)
//   delta(v[d])            last value minus first value (for gauges; no reset
//                          handling); [Prometheus] extrapolated as increase.
//                                                                 (>= 2 points)
//   irate(v[d]), idelta(v[d])
//                          from the last two points: per-second rate (a drop
//                          counts as a reset) / difference.       (>= 2 points)
//   deriv(v[d])            slope of the least-squares line through the points,
//                          in units per second.     (>= 2 points at distinct times)
//   predict_linear(v[d], s) that line's value s seconds after the evaluation
//                          time (not after the window's end when offset is
//                          used, as Prometheus): "disk full in 4 h" is
//                          predict_linear(node_filesystem_avail_bytes[6h],
//                          4 * 3600) < 0.       (>= 2 points at distinct times)
//   changes(v[d])          how often the value changed (NaN to NaN is none)
//   resets(v[d])           how often the value dropped             (>= 1 point)
//   absent_over_time(v[d]) one element of value 1 when no series has a point
//                          in the window (labels as absent()), else nothing
//
// INSTANT-VECTOR FUNCTIONS (element by element; the metric name dropped)
//   abs ceil floor sqrt exp ln log2 log10 sgn (x)
//   round(x[, to_nearest])  to the nearest multiple, halves rounded up
//   clamp(x, min, max)      nothing when max < min; clamp_min(x, min),
//                           clamp_max(x, max). NaN stays NaN.
//   timestamp(x)            the time (seconds) of x's point when x is a
//                           selector, else the evaluation time
//   label_replace(x, "dst", "replacement", "src", "regex")
//                           where regex matches all of src's value, dst is
//                           set to replacement with $1, ${1}, $name, ${name}
//                           expanded ($$ is a dollar); "" deletes dst. Keeps
//                           the metric name (dst may be __name__).
//   label_join(x, "dst", "separator", "src1", ...)  dst = the values joined
//   histogram_quantile(q, buckets)
//                           per label set without `le`, the q-quantile of a
//                           Prometheus histogram from its cumulative _bucket
//                           counts: linear interpolation inside the bucket
//                           holding rank q * count (from 0 for the lowest
//                           bucket, unless its bound is <= 0); a rank in the
//                           +Inf bucket gives the highest finite bound; NaN
//                           without a +Inf bucket, with fewer than two
//                           buckets or no observations; counts are made
//                           monotonic; q < 0 -> -Inf, q > 1 -> +Inf.
//   sort(x), sort_desc(x)   by value, NaN last
//   absent(x)               one element of value 1 when x is empty; its labels
//                           are x's `=` matchers when x is a selector
//   scalar(x)               the value of x's only element, else NaN (a scalar)
//   vector(s)               one element without labels
//   time()                  t in seconds (a scalar)
//
// ABSENCE (Scout only)
//   absent_for(v, d)       v is an instant selector, d a duration. One element
//                          per series matching v whose newest point is older
//                          than t - d (strictly) but newer than t - horizon
//                          (EvalOptions::absent_horizon, 7d by default, so
//                          long-retired series stop alerting); its labels are
//                          the series' labels without the metric name, its
//                          value the seconds since the newest point. "Newest
//                          point" means the newest stored one, so evaluate at
//                          the current time. E.g. an agent not reporting for
//                          2 minutes, per host: absent_for(node_load1, 2m).
//                          A series that never had a point cannot be absent.
//
// OPERATORS, lowest precedence first (left-associative but ^):
//   or
//   and  unless
//   ==  !=  >  <  >=  <=
//   +  -
//   *  /  %  atan2
//   unary -   (so -a * b is (-a) * b)
//   ^         (right-associative, binds tighter than unary -: -2 ^ 2 is -4)
// Parentheses group as usual.
//
//   Arithmetic + - * / % ^ atan2: scalar op scalar is a scalar. vector op
//   scalar and scalar op vector apply to every element. vector op vector
//   matches the elements (below); each match gives one element. Division
//   by zero gives +Inf, -Inf or NaN as in Prometheus; % is fmod, ^ pow; the
//   alert engine drops elements whose value is not finite, so they never
//   fire. Arithmetic drops the metric name (atan2 keeps it, as Prometheus).
//
//   Comparisons filter: `v > 2` keeps the elements of v whose value is above
//   2, unchanged (value and labels, metric name included); `2 < v` is the
//   same filter. `a > b` (two vectors) keeps the elements of a whose matched
//   element of b is smaller; the value stays a's. With `bool` after the
//   operator, nothing is filtered: the value becomes 1 (true) or 0 (false)
//   and the metric name is dropped. Comparing two scalars requires `bool`.
//   NaN compares false with everything (`!=` true).
//
//   Vector matching. Elements of the two sides match when their labels are
//   equal, the metric name not counted. Modifiers after the operator narrow
//   that: `a / on(host, dev) b` compares only host and dev; `a / ignoring(kind)
//   b` compares every label but kind. By default matching is one to one: if
//   two elements on the same side share the labels being compared (and have
//   a partner on the other side; [Prometheus] on the right side even
//   without one), evaluation fails with "many-to-many matching not
//   allowed" — narrow with on/ignoring, aggregate first, or:
//     a * on(host) group_left(role) b
//                       many-to-one: several elements of a may match one of
//                       b; each keeps its own labels, plus the labels listed
//                       in group_left(...) copied from b (deleted when b
//                       lacks them). group_right is the mirror (b is the
//                       "many" side). Duplicates on the "one" side fail.
//   As in Prometheus, the one-to-one result of `a op on(l) b` carries only
//   the labels l, and that of `a op ignoring(l) b` carries a's labels
//   without l.
//
//   Set operators (vectors only; on/ignoring allowed, any number of matches):
//     a and b     elements of a that have a match in b
//     a unless b  elements of a that have no match in b
//     a or b      all of a, plus the elements of b that have no match in a
//   Elements pass through unchanged.
//
// AGGREGATIONS
//   sum, avg, min, max, count, group (1), stddev, stdvar (population),
//   over the elements of a vector, all into one element (no labels), or per
//   group:
//     sum by (host) (x)   sum(x) by (host)     groups by host; result labels
//                                              are just host
//     max without (cpu) (x)                    groups by every label but cpu
//                                              (and the metric name)
//   min and max ignore NaN values unless all are NaN. With a parameter:
//     topk(k, x), bottomk(k, x)   the k largest / smallest elements per
//                                 group, unchanged (labels and name kept);
//                                 NaN ranks last
//     quantile(q, x)              the q-quantile per group (as above)
//     count_values("label", x)    per group and distinct value, how many
//                                 elements have it; the value (shortest
//                                 decimal text) goes into "label"
//
// METRIC NAMES IN RESULTS
//   Kept (as the label __name__) only by a bare selector, comparison filters
//   and set operators over one, topk/bottomk, sort, label_replace/label_join,
//   atan2 and [Prometheus] last_over_time; other functions, arithmetic,
//   `bool` comparisons and aggregations drop it. A result must not hold two
//   elements with the same labels (e.g. rate({__name__=~"a|b"}[5m]) when a
//   and b have the same labels): that is an evaluation error.
//
// NOT SUPPORTED: the @ modifier, subqueries (x[5m:1m]), negative offsets,
// native histograms, and the functions not listed above (predict_linear,
// holt_winters, day_of_week and the other date functions, label functions
// other than the two above, ...): parsing fails with InvalidArgument
// "column N: function 'predict_linear' is not supported".
//
// ERRORS
//   ParseExpr returns InvalidArgument "column N: <what was expected>, found
//   <token>", N being the 1-based byte column, e.g.
//     rate(x)      -> "column 6: expected a range selector such as x[5m] as
//                      the argument of rate(), found instant vector 'x'"
//     avg(x        -> "column 6: expected ')' closing avg(, found end of input"
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace scout::collector::promql {

namespace ast {
struct Node;
}

struct ParseOptions {
  // A range selector alone as the whole expression: what /api/v1/query
  // answers with the raw points in the window (EvaluateRangeSelector).
  // Alert rules and query_range need a scalar or an instant vector.
  bool allow_range_result = false;
};

// A parsed expression. Copies share the immutable tree (cheap); evaluating
// one Expr from several threads at once is safe. A default-constructed Expr
// is empty: String() is "", and Evaluate fails with FailedPrecondition.
class Expr {
 public:
  Expr() = default;

  // Static type: true when the expression yields a scalar (e.g. `1 + 2`),
  // false when it yields an instant vector.
  bool ReturnsScalar() const;
  // True for a range selector alone (`x[5m]`, `x[5m] offset 1h`), which
  // only ParseOptions::allow_range_result lets through.
  bool ReturnsRange() const;
  // Canonical text, e.g. "sum by (host) (rate(x{a=\"b\"}[5m])) > 2". Parsing
  // it gives the same expression (and the same String()).
  std::string String() const;
  bool empty() const { return root_ == nullptr; }

  // For the evaluator.
  const ast::Node* root() const { return root_.get(); }
  // Selectors in the tree with distinct text are numbered 0..n-1.
  int selector_count() const { return selector_count_; }

 private:
  friend absl::StatusOr<Expr> ParseExpr(std::string_view text, const ParseOptions& options);
  std::shared_ptr<const ast::Node> root_;
  int selector_count_ = 0;
};

absl::StatusOr<Expr> ParseExpr(std::string_view text, const ParseOptions& options = {});

}  // namespace scout::collector::promql
