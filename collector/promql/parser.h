// The alert expression language: a small subset of PromQL.
//
// A rule's expression is evaluated at one instant t (the evaluation time).
// It yields an instant vector — a list of elements, each a label set and a
// value — or a single number (a scalar). An alert rule must yield a vector:
// every element is one alert, identified by its labels.
//
//   avg_over_time(node_cpu_usage_ratio[5m]) > 0.7
//   quantile_over_time(0.95, scout_probe_duration_seconds[5m]) > 2
//   1 - avg_over_time(scout_probe_success[5m]) > 0.001
//   node_memory_used_bytes / ignoring(kind) node_memory_total_bytes > 0.8
//   absent_for(node_load1, 2m)
//   deriv(scout_process_group_rss_bytes[6h]) * 3600 > 50 * 1024 * 1024
//   sum by (host) (rate(node_network_receive_errors_total[5m])) > 10
//
// LITERALS
//   Numbers: 2, 0.8, .5, 1e6, 1.5e-3. Durations (only where noted below):
//   a whole number with a unit, units combined largest first: 500ms, 30s,
//   5m, 2h, 1d, 1w, 1h30m.
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
//   point in (t - lookback, t]; lookback is EvalOptions::lookback (5m by
//   default). Series without a point in that window are not in the result.
//
//   Range selector `metric{...}[5m]`: every point in (t - 5m, t] — a point
//   exactly 5m old is outside, one at t inside. Only allowed as the argument
//   of the range functions below.
//
// RANGE FUNCTIONS  (one element per series that has enough points in the
// window; the metric name is dropped, the other labels are kept)
//   avg_over_time(v[d])    mean of the points                   (>= 1 point)
//   min_over_time(v[d])    smallest value (NaN only if all NaN)  (>= 1 point)
//   max_over_time(v[d])    largest value (NaN only if all NaN)   (>= 1 point)
//   sum_over_time(v[d])    sum                                   (>= 1 point)
//   count_over_time(v[d])  number of points                      (>= 1 point)
//   last_over_time(v[d])   value of the newest point             (>= 1 point)
//   quantile_over_time(q, v[d])
//                          the q-quantile, 0 <= q <= 1, interpolated between
//                          the two closest ranks: sorted values x[0..n-1],
//                          rank h = q*(n-1), x[floor h] + (h - floor h) *
//                          (x[ceil h] - x[floor h]) (the "R-7" definition,
//                          the same as `sctl query --agg p95`). q < 0 gives
//                          -Inf, q > 1 +Inf. q may be any scalar expression.
//                                                                (>= 1 point)
//   increase(v[d])         how much a counter grew between the first and the
//                          last point of the window. A value lower than the
//                          one before it is a counter reset: the counter is
//                          taken to have restarted from 0, so the new value
//                          counts in full. No extrapolation to the window's
//                          edges (unlike Prometheus): with a 15s interval,
//                          increase(x[5m]) covers the ~4m45s between the
//                          first and last point.                 (>= 2 points)
//   rate(v[d])             increase(v[d]) divided by the seconds between the
//                          first and the last point: the per-second rate,
//                          again with resets handled and no extrapolation.
//                          So rate(x[1h]) * 3600 estimates the hourly growth
//                          better than increase(x[1h]) does.     (>= 2 points)
//   delta(v[d])            last value minus first value (for gauges; no reset
//                          handling).                            (>= 2 points)
//   deriv(v[d])            slope of the least-squares line through the points,
//                          in units per second.     (>= 2 points at distinct times)
//
// ABSENCE
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
// OPERATORS, lowest precedence first (all left-associative):
//   or
//   and  unless
//   ==  !=  >  <  >=  <=
//   +  -
//   *  /
//   unary -  (so -a * b is (-a) * b)
// Parentheses group as usual.
//
//   Arithmetic + - * /: scalar op scalar is a scalar. vector op scalar and
//   scalar op vector apply to every element. vector op vector matches the
//   elements one to one (below); each pair gives one element. Division by
//   zero gives +Inf, -Inf or NaN as in Prometheus; the alert engine drops
//   elements whose value is not finite, so they never fire. Arithmetic
//   drops the metric name.
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
//   b` compares every label but kind. Arithmetic and comparisons are one to
//   one: if two elements on the same side share the labels being compared
//   (and have a partner on the other side), evaluation fails with "many-to-
//   many matching not allowed" — narrow with on/ignoring or aggregate first.
//   group_left/group_right are not supported. As in Prometheus, the result of
//   `a op on(l) b` carries only the labels l, and that of `a op ignoring(l)
//   b` carries a's labels without l.
//
//   Set operators (vectors only; on/ignoring allowed, any number of matches):
//     a and b     elements of a that have a match in b
//     a unless b  elements of a that have no match in b
//     a or b      all of a, plus the elements of b that have no match in a
//   Elements pass through unchanged.
//
// AGGREGATIONS
//   sum, avg, min, max, count over the elements of a vector, all into one
//   element (no labels), or per group:
//     sum by (host) (x)   sum(x) by (host)     groups by host; result labels
//                                              are just host
//     max without (cpu) (x)                    groups by every label but cpu
//                                              (and the metric name)
//   min and max ignore NaN values unless all are NaN.
//
// METRIC NAMES IN RESULTS
//   Kept (as the label __name__) only by a bare selector and by comparison
//   filters and set operators over one; functions, arithmetic, `bool`
//   comparisons and aggregations drop it. A result must not hold two elements
//   with the same labels (e.g. rate({__name__=~"a|b"}[5m]) when a and b have
//   the same labels): that is an evaluation error.
//
// NOT SUPPORTED: ^ %, offset, @, subqueries (x[5m:1m]), group_left /
// group_right, absent(), topk and the other PromQL functions.
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

// A parsed expression. Copies share the immutable tree (cheap); evaluating
// one Expr from several threads at once is safe. A default-constructed Expr
// is empty: String() is "", and Evaluate fails with FailedPrecondition.
class Expr {
 public:
  Expr() = default;

  // Static type: true when the expression yields a scalar (e.g. `1 + 2`),
  // false when it yields an instant vector.
  bool ReturnsScalar() const;
  // Canonical text, e.g. "sum by (host) (rate(x{a=\"b\"}[5m])) > 2". Parsing
  // it gives the same expression (and the same String()).
  std::string String() const;
  bool empty() const { return root_ == nullptr; }

  // For the evaluator.
  const ast::Node* root() const { return root_.get(); }
  // Selectors in the tree with distinct text are numbered 0..n-1.
  int selector_count() const { return selector_count_; }

 private:
  friend absl::StatusOr<Expr> ParseExpr(std::string_view text);
  std::shared_ptr<const ast::Node> root_;
  int selector_count_ = 0;
};

absl::StatusOr<Expr> ParseExpr(std::string_view text);

}  // namespace scout::collector::promql
