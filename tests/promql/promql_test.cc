// The PromQL engine on literal data: parser (round trips, errors), every
// function and operator with hand-computed values, staleness markers, the
// two semantics, and range evaluation (reads once, limits).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "collector/promql/eval.h"
#include "collector/promql/functions.h"
#include "collector/promql/parser.h"
#include "collector/promql/range_eval.h"
#include "tests/promql/memory_source.h"

namespace scout::collector::promql {
namespace {

constexpr int64_t kT = 1'700'000'000'000;
constexpr int64_t kS = 1000;
constexpr int64_t kM = 60 * kS;
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

using M = std::map<std::string, double>;

std::string Key(const Labels& labels) {
  std::string s = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) s += ",";
    s += labels[i].first + "=" + labels[i].second;
  }
  return s + "}";
}

EvalOptions Prom() {
  EvalOptions o;
  o.semantics = Semantics::kPrometheus;
  return o;
}

absl::StatusOr<EvalResult> RunQ(MemorySource& src, const std::string& text, int64_t t = kT,
                               const EvalOptions& o = Prom()) {
  absl::StatusOr<Expr> e = ParseExpr(text);
  if (!e.ok()) return e.status();
  return Evaluate(*e, src, t, o);
}

M Vec(MemorySource& src, const std::string& text, int64_t t = kT, const EvalOptions& o = Prom()) {
  absl::StatusOr<EvalResult> r = RunQ(src, text, t, o);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status();
  M out;
  if (!r.ok()) return out;
  EXPECT_FALSE(r->is_scalar) << text;
  for (const Element& e : r->vector) out[Key(e.labels)] = e.value;
  return out;
}

double Scalar(MemorySource& src, const std::string& text, int64_t t = kT) {
  absl::StatusOr<EvalResult> r = RunQ(src, text, t);
  EXPECT_TRUE(r.ok() && r->is_scalar) << text << ": " << r.status();
  return r.ok() ? r->scalar : kNaN;
}

double One(MemorySource& src, const std::string& text, int64_t t = kT, const EvalOptions& o = Prom()) {
  const M m = Vec(src, text, t, o);
  EXPECT_EQ(m.size(), 1u) << text;
  return m.empty() ? kNaN : m.begin()->second;
}

std::string ParseError(const std::string& text) {
  absl::StatusOr<Expr> e = ParseExpr(text);
  if (e.ok()) return "parsed as " + e->String();
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(e.status().message());
}

// Points every `step` ms ending at `end`, values f(i) (i = 0 oldest).
template <typename F>
std::vector<Point> Line(int64_t end, int64_t step, int n, F f) {
  std::vector<Point> pts;
  for (int i = 0; i < n; ++i) {
    pts.push_back({end - static_cast<int64_t>(n - 1 - i) * step, static_cast<double>(f(i))});
  }
  return pts;
}

// ---------------------------------------------------------------------------
// Parser

TEST(PromqlParse, RoundTrips) {
  const std::vector<std::string> canonical = {
      "rate(x[5m] offset 1h)",
      "x offset 30s",
      "topk by (a) (3, x)",
      "count_values(\"v\", x)",
      "quantile(0.9, x) without (b)",
      "x / on(a) group_left(b, c) y",
      "x * ignoring(a) group_right y",
      "x % 2 ^ 3",
      "x atan2 y",
      "label_replace(x, \"dst\", \"$1\", \"src\", \"(.*)\")",
      "label_join(x, \"d\", \",\", \"a\", \"b\", \"c\")",
      "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))",
      "round(x)",
      "round(x, 0.5)",
      "clamp(x, 0, 1)",
      "vector(time())",
      "scalar(x) * 2",
      "absent(x{a=\"b\"})",
      "x * Inf",
      "NaN",
      "-Inf",
      "count_over_time(x[365d])",
      "group(x)",
      "stddev(x) + stdvar(x)",
  };
  for (const std::string& text : canonical) {
    absl::StatusOr<Expr> e = ParseExpr(text);
    ASSERT_TRUE(e.ok()) << text << ": " << e.status();
    EXPECT_EQ(e->String(), text);
    absl::StatusOr<Expr> again = ParseExpr(e->String());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->String(), text);
  }
  // Other spellings and their canonical form.
  const std::vector<std::pair<std::string, std::string>> spelled = {
      {"count_over_time(x[1y])", "count_over_time(x[365d])"},
      {"label_replace(x, 'a', `$1\\n`, \"b\", '(.*)')",
       "label_replace(x, \"a\", \"$1\\\\n\", \"b\", \"(.*)\")"},
      {"inf + nan", "Inf + NaN"},
      {"sum(x) by (a)", "sum(x) by (a)"},
  };
  for (const auto& [in, want] : spelled) {
    absl::StatusOr<Expr> e = ParseExpr(in);
    ASSERT_TRUE(e.ok()) << in << ": " << e.status();
    EXPECT_EQ(e->String(), want);
  }
  EXPECT_TRUE(ParseExpr("time()")->ReturnsScalar());
  EXPECT_TRUE(ParseExpr("scalar(x)")->ReturnsScalar());
  EXPECT_FALSE(ParseExpr("vector(1)")->ReturnsScalar());
}

TEST(PromqlParse, Precedence) {
  MemorySource src;
  EXPECT_EQ(Scalar(src, "2 ^ 3 ^ 2"), 512);  // right-associative
  EXPECT_EQ(Scalar(src, "-2 ^ 2"), -4);      // ^ binds tighter than unary minus
  EXPECT_EQ(Scalar(src, "2 * 3 % 4"), 2);    // left to right
  EXPECT_EQ(Scalar(src, "1 + 2 * 3 ^ 2"), 19);
  EXPECT_EQ(Scalar(src, "7 % 4 + 1"), 4);
}

TEST(PromqlParse, Errors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"day_of_week(x)", "column 1: function 'day_of_week' is not supported"},
      {"holt_winters(x[5m], 0.5, 0.5)", "column 1: function 'holt_winters' is not supported"},
      {"x @ 100", "column 3: expected an expression or an operator (the @ modifier is not "
                  "supported), found '@'"},
      {"rate(x[5m:1m])", "column 8: expected a number or a duration such as 30s, 5m, 2h or 1d, "
                         "found '5m:1m'"},
      {"x offset", "column 9: expected a positive duration such as 5m or 1d after offset, found "
                   "end of input"},
      {"x offset 5m [5m]", "column 13: expected the range [d] before offset, found '['"},
      {"topk(x, y)", "column 6: expected a scalar as the first argument of topk(), found instant "
                     "vector 'x'"},
      {"count_values(1, x)", "column 14: expected a label name string as the first argument of "
                             "count_values(), found scalar '1'"},
      {"label_replace(x, \"a\", \"b\", \"c\")",
       "column 31: expected ',' and the next argument of label_replace(), found ')'"},
      {"label_join(x, 1, \",\")",
       "column 15: expected a string such as \"label\" as the argument of label_join(), found "
       "scalar '1'"},
      {"clamp(x, 1)", "column 11: expected ',' and the next argument of clamp(), found ')'"},
      {"round(x, 1, 2)", "column 11: expected ')' closing round(), found ','"},
      {"\"a\" + x", "column 1: expected a scalar or an instant vector as the left operand of '+' "
                    "(strings are only function arguments), found string '\"a\"'"},
      {"\"a\"", "column 1: expected a scalar or an instant vector as the result (strings are only "
                "function arguments), found string '\"a\"'"},
      {"x and on(a) group_left y",
       "column 13: expected the right-hand operand (group_left/group_right only follow on(...) "
       "or ignoring(...) of an arithmetic or comparison operator), found 'group_left'"},
      {"histogram_quantile(x, y)",
       "column 20: expected a scalar as the argument of histogram_quantile(), found instant "
       "vector 'x'"},
      {"time(1)", "column 6: expected ')' closing time(), found '1'"},
      {"x[1y1y]", "column 3: expected a number or a duration such as 30s, 5m, 2h or 1d, found '1y1y'"},
      {"`abc", "column 5: expected the closing ` of the string at column 1, found end of input"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(ParseError(in), want) << "input: " << in;
}

// ---------------------------------------------------------------------------
// Selectors, lookback, staleness, offset

TEST(PromqlEval, LookbackAndStaleness) {
  MemorySource src;
  src.Add("x", {{"a", "fresh"}}, {{kT - 10 * kS, 1}, {kT - 5 * kS, 2}});
  src.Add("x", {{"a", "old"}}, {{kT - 6 * kM, 3}});
  src.Add("x", {{"a", "edge"}}, {{kT - 5 * kM, 4}});
  src.Add("x", {{"a", "gone"}}, {{kT - 20 * kS, 5}, {kT - 10 * kS, StaleNaN()}});
  src.Add("x", {{"a", "back"}}, {{kT - 20 * kS, StaleNaN()}, {kT - 10 * kS, 6}});
  src.Add("x", {{"a", "nan"}}, {{kT - 10 * kS, kNaN}});
  EXPECT_TRUE(IsStaleNaN(StaleNaN()));
  EXPECT_FALSE(IsStaleNaN(kNaN));
  M m = Vec(src, "x");
  EXPECT_EQ(m.count("{__name__=x,a=fresh}"), 1u);
  EXPECT_EQ(m["{__name__=x,a=fresh}"], 2);
  EXPECT_EQ(m.count("{__name__=x,a=old}"), 0u);   // older than 5m
  EXPECT_EQ(m.count("{__name__=x,a=edge}"), 1u);  // Prometheus 2.x: exactly 5m old is in
  EXPECT_EQ(m.count("{__name__=x,a=gone}"), 0u);  // newest point is a stale marker
  EXPECT_EQ(m["{__name__=x,a=back}"], 6);
  EXPECT_TRUE(std::isnan(m["{__name__=x,a=nan}"]));  // an ordinary NaN is a value
  // Scout semantics: (t - 5m, t], so the edge point is out.
  EXPECT_EQ(Vec(src, "x", kT, EvalOptions{}).count("{__name__=x,a=edge}"), 0u);
  // Range functions skip stale markers.
  EXPECT_EQ(Vec(src, "count_over_time(x[1m])")["{a=gone}"], 1);
  EXPECT_EQ(Vec(src, "last_over_time(x[1m])")["{__name__=x,a=gone}"], 5);
  EXPECT_EQ(Vec(src, "absent_over_time(x{a=\"gone\"}[15s])").size(), 1u);
  // offset: as of 10s earlier.
  EXPECT_EQ(Vec(src, "x{a=\"fresh\"} offset 6s")["{__name__=x,a=fresh}"], 1);
  EXPECT_EQ(Vec(src, "x{a=\"gone\"} offset 15s")["{__name__=x,a=gone}"], 5);
}

// ---------------------------------------------------------------------------
// Range functions

TEST(PromqlEval, RateIncreaseDeltaPrometheus) {
  MemorySource src;
  // 5 points 15 s apart ending 5 s before t, values 10, 20, 30, 5 (reset), 15.
  src.Add("c", {}, {{kT - 65 * kS, 10}, {kT - 50 * kS, 20}, {kT - 35 * kS, 30},
                    {kT - 20 * kS, 5}, {kT - 5 * kS, 15}});
  // Increase over the points: 15 - 10 + 30 (reset) = 35 over 60 s sampled.
  // Window [t-80s, t]: to start 15 s, to end 5 s, average interval 15 s
  // (threshold 16.5 s) -> both extended: 60 + 15 + 5 = 80 s. Zero point:
  // 60 * 10 / 35 = 17.1 s > 15 s: no cap. So increase = 35 * 80 / 60.
  EXPECT_NEAR(One(src, "increase(c[80s])"), 35.0 * 80 / 60, 1e-12);
  EXPECT_NEAR(One(src, "rate(c[80s])"), 35.0 * 80 / 60 / 80, 1e-12);
  // Window [t-100s, t]: to start 35 s > 16.5 s -> half an interval (7.5 s).
  EXPECT_NEAR(One(src, "increase(c[100s])"), 35.0 * (60 + 7.5 + 5) / 60, 1e-12);
  // delta: no reset handling: 15 - 10 = 5, same extrapolation.
  EXPECT_NEAR(One(src, "delta(c[80s])"), 5.0 * 80 / 60, 1e-12);
  // A counter extrapolated no further back than its zero: first value 2,
  // increase 8 over 30 s -> zero 7.5 s before the first point.
  MemorySource z;
  z.Add("c", {}, {{kT - 40 * kS, 2}, {kT - 25 * kS, 6}, {kT - 10 * kS, 10}});
  EXPECT_NEAR(One(z, "increase(c[60s])"), 8.0 * (30 + 7.5 + 10) / 30, 1e-12);
  // Scout semantics: no extrapolation, resets counted.
  EXPECT_NEAR(One(src, "increase(c[80s])", kT, EvalOptions{}), 35, 1e-12);
  EXPECT_NEAR(One(src, "rate(c[80s])", kT, EvalOptions{}), 35.0 / 60, 1e-12);
  EXPECT_NEAR(One(src, "delta(c[80s])", kT, EvalOptions{}), 5, 1e-12);
  // One point: nothing.
  EXPECT_TRUE(Vec(src, "rate(c[10s])").empty());
}

TEST(PromqlEval, InstantRatesAndCounts) {
  MemorySource src;
  src.Add("c", {}, {{kT - 30 * kS, 1}, {kT - 20 * kS, 4}, {kT - 10 * kS, 4}, {kT, 2}});
  EXPECT_NEAR(One(src, "irate(c[1m])"), 2.0 / 10, 1e-12);  // reset: the last value counts
  EXPECT_NEAR(One(src, "idelta(c[1m])"), -2, 1e-12);
  EXPECT_EQ(One(src, "changes(c[1m])"), 2);
  EXPECT_EQ(One(src, "resets(c[1m])"), 1);
  EXPECT_NEAR(One(src, "deriv(c[1m])"), 0.03, 1e-12);  // least squares: 15 / 500 per second
  // The same line read at the evaluation time plus s seconds: x = 0, 10,
  // 20, 30 s, mean 15, mean y 2.75; at kT (x = 30) + 100 s.
  EXPECT_NEAR(One(src, "predict_linear(c[1m], 0)"), 2.75 + 0.03 * 15, 1e-12);
  EXPECT_NEAR(One(src, "predict_linear(c[1m], 100)"), 2.75 + 0.03 * 115, 1e-12);
  // With offset: the window ends 10 s back (points 1, 4, 4: slope 0.15,
  // mean x 10, mean y 3), the line is still read from the evaluation time.
  EXPECT_NEAR(One(src, "predict_linear(c[1m] offset 10s, 0)"), 3 + 0.15 * 20, 1e-12);
  EXPECT_TRUE(Vec(src, "predict_linear(c[5s], 60)").empty());  // one point: no line
  EXPECT_FALSE(ParseExpr("predict_linear(c, 60)").ok());       // needs a range
  EXPECT_FALSE(ParseExpr("predict_linear(c[1m])").ok());       // and the seconds
  EXPECT_EQ(One(src, "count_over_time(c[1m])"), 4);
  EXPECT_EQ(One(src, "sum_over_time(c[1m])"), 11);
  EXPECT_EQ(One(src, "avg_over_time(c[1m])"), 2.75);
  EXPECT_EQ(One(src, "min_over_time(c[1m])"), 1);
  EXPECT_EQ(One(src, "max_over_time(c[1m])"), 4);
  EXPECT_EQ(One(src, "present_over_time(c[1m])"), 1);
  // values 1, 4, 4, 2: mean 2.75, variance (3.0625+1.5625+1.5625+0.5625)/4
  EXPECT_NEAR(One(src, "stdvar_over_time(c[1m])"), 1.6875, 1e-12);
  EXPECT_NEAR(One(src, "stddev_over_time(c[1m])"), std::sqrt(1.6875), 1e-12);
  // sorted 1, 2, 4, 4; q 0.5: rank 1.5 -> 3
  EXPECT_EQ(One(src, "quantile_over_time(0.5, c[1m])"), 3);
  EXPECT_EQ(One(src, "quantile_over_time(-1, c[1m])"), -kInf);
  EXPECT_EQ(One(src, "quantile_over_time(2, c[1m])"), kInf);
  EXPECT_EQ(One(src, "last_over_time(c[1m])"), 2);
}

// ---------------------------------------------------------------------------
// Instant-vector functions

TEST(PromqlEval, MathFunctions) {
  MemorySource src;
  src.Add("x", {{"a", "neg"}}, {{kT, -2.5}});
  src.Add("x", {{"a", "pos"}}, {{kT, 6.25}});
  EXPECT_EQ(Vec(src, "abs(x)"), (M{{"{a=neg}", 2.5}, {"{a=pos}", 6.25}}));
  EXPECT_EQ(Vec(src, "ceil(x)"), (M{{"{a=neg}", -2}, {"{a=pos}", 7}}));
  EXPECT_EQ(Vec(src, "floor(x)"), (M{{"{a=neg}", -3}, {"{a=pos}", 6}}));
  EXPECT_EQ(Vec(src, "round(x)"), (M{{"{a=neg}", -2}, {"{a=pos}", 6}}));  // half up
  EXPECT_EQ(Vec(src, "round(x, 5)"), (M{{"{a=neg}", 0}, {"{a=pos}", 5}}));
  EXPECT_EQ(Vec(src, "sgn(x)"), (M{{"{a=neg}", -1}, {"{a=pos}", 1}}));
  EXPECT_EQ(Vec(src, "sqrt(x{a=\"pos\"})"), (M{{"{a=pos}", 2.5}}));
  EXPECT_NEAR(One(src, "exp(x{a=\"pos\"})"), std::exp(6.25), 1e-9);
  EXPECT_NEAR(One(src, "ln(x{a=\"pos\"})"), std::log(6.25), 1e-12);
  EXPECT_NEAR(One(src, "log2(x{a=\"pos\"})"), std::log2(6.25), 1e-12);
  EXPECT_NEAR(One(src, "log10(x{a=\"pos\"})"), std::log10(6.25), 1e-12);
  EXPECT_EQ(Vec(src, "clamp(x, -1, 1)"), (M{{"{a=neg}", -1}, {"{a=pos}", 1}}));
  EXPECT_TRUE(Vec(src, "clamp(x, 1, -1)").empty());  // max < min
  EXPECT_EQ(Vec(src, "clamp_min(x, 0)"), (M{{"{a=neg}", 0}, {"{a=pos}", 6.25}}));
  EXPECT_EQ(Vec(src, "clamp_max(x, 0)"), (M{{"{a=neg}", -2.5}, {"{a=pos}", 0}}));
  EXPECT_EQ(Vec(src, "timestamp(x)")["{a=pos}"], kT / 1000.0);
  EXPECT_EQ(Scalar(src, "time()"), kT / 1000.0);
  EXPECT_EQ(Vec(src, "vector(3)"), (M{{"{}", 3}}));
  EXPECT_EQ(Scalar(src, "scalar(x{a=\"pos\"})"), 6.25);
  EXPECT_TRUE(std::isnan(Scalar(src, "scalar(x)")));  // two elements
  EXPECT_EQ(Vec(src, "absent(x)"), M{});
  EXPECT_EQ(Vec(src, "absent(nope{job=\"a\", b=~\"c\", d=\"e\"})"), (M{{"{d=e,job=a}", 1}}));
  EXPECT_EQ(Vec(src, "absent(sum(nope))"), (M{{"{}", 1}}));
  EXPECT_EQ(Vec(src, "absent_over_time(nope{z=\"1\"}[5m])"), (M{{"{z=1}", 1}}));
}

TEST(PromqlEval, SortOrders) {
  MemorySource src;
  src.Add("x", {{"a", "1"}}, {{kT, 3}});
  src.Add("x", {{"a", "2"}}, {{kT, kNaN}});
  src.Add("x", {{"a", "3"}}, {{kT, 1}});
  src.Add("x", {{"a", "4"}}, {{kT, 2}});
  auto order = [&](const std::string& q) {
    std::string out;
    absl::StatusOr<EvalResult> r = RunQ(src, q);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return out;
    for (const Element& e : r->vector) out += e.labels.back().second;
    return out;
  };
  EXPECT_EQ(order("sort(x)"), "3412");       // NaN last
  EXPECT_EQ(order("sort_desc(x)"), "1432");  // NaN last
}

TEST(PromqlEval, LabelReplaceAndJoin) {
  MemorySource src;
  src.Add("up", {{"instance", "db-1:9100"}, {"job", "node"}}, {{kT, 1}});
  EXPECT_EQ(Vec(src, "label_replace(up, \"host\", \"$1\", \"instance\", \"(.*):.*\")"),
            (M{{"{__name__=up,host=db-1,instance=db-1:9100,job=node}", 1}}));
  EXPECT_EQ(Vec(src, "label_replace(up, \"host\", \"${name}-$$-$9\", \"instance\", \"(?P<name>[a-z]+).*\")"),
            (M{{"{__name__=up,host=db-$-,instance=db-1:9100,job=node}", 1}}));
  // No match (anchored): unchanged; empty result deletes the label.
  EXPECT_EQ(Vec(src, "label_replace(up, \"job\", \"x\", \"instance\", \"db\")"),
            (M{{"{__name__=up,instance=db-1:9100,job=node}", 1}}));
  EXPECT_EQ(Vec(src, "label_replace(up, \"job\", \"\", \"job\", \".*\")"),
            (M{{"{__name__=up,instance=db-1:9100}", 1}}));
  EXPECT_EQ(Vec(src, "label_replace(up, \"__name__\", \"up_$1\", \"job\", \"(.*)\")"),
            (M{{"{__name__=up_node,instance=db-1:9100,job=node}", 1}}));
  EXPECT_EQ(Vec(src, "label_join(up, \"both\", \"/\", \"job\", \"instance\", \"missing\")"),
            (M{{"{__name__=up,both=node/db-1:9100/,instance=db-1:9100,job=node}", 1}}));
  absl::StatusOr<EvalResult> bad = RunQ(src, "label_replace(up, \"a-b\", \"x\", \"job\", \".*\")");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  bad = RunQ(src, "label_replace(up, \"a\", \"x\", \"job\", \"(\")");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PromqlEval, HistogramQuantile) {
  MemorySource src;
  // 100 observations: 10 <= 0.1, 50 <= 0.5, 90 <= 1, 100 total.
  for (auto [le, n] : std::vector<std::pair<std::string, double>>{
           {"0.1", 10}, {"0.5", 50}, {"1", 90}, {"+Inf", 100}}) {
    src.Add("h_bucket", {{"le", le}, {"job", "a"}}, {{kT, n}});
  }
  src.Add("h_bucket", {{"le", "1"}, {"job", "noinf"}}, {{kT, 5}});
  EXPECT_NEAR(Vec(src, "histogram_quantile(0.5, h_bucket)")["{job=a}"], 0.5, 1e-12);
  // rank 30: bucket (0.1, 0.5], 20 of 40 -> 0.1 + 0.4 * 0.5
  EXPECT_NEAR(Vec(src, "histogram_quantile(0.3, h_bucket)")["{job=a}"], 0.3, 1e-12);
  // rank 5: first bucket, from 0 -> 0.05
  EXPECT_NEAR(Vec(src, "histogram_quantile(0.05, h_bucket)")["{job=a}"], 0.05, 1e-12);
  // rank 95: in +Inf -> the highest finite bound
  EXPECT_EQ(Vec(src, "histogram_quantile(0.95, h_bucket)")["{job=a}"], 1);
  EXPECT_TRUE(std::isnan(Vec(src, "histogram_quantile(0.5, h_bucket)")["{job=noinf}"]));
  EXPECT_EQ(Vec(src, "histogram_quantile(-1, h_bucket)")["{job=a}"], -kInf);
  EXPECT_EQ(Vec(src, "histogram_quantile(2, h_bucket)")["{job=a}"], kInf);
  // Pure function: non-monotonic counts are fixed; no observations is NaN.
  // counts 10, 8 -> 10, 10, 20; rank 10 is reached in the first bucket.
  EXPECT_NEAR(HistogramQuantile(0.5, {{1, 10}, {2, 8}, {kInf, 20}}), 1, 1e-12);
  EXPECT_TRUE(std::isnan(HistogramQuantile(0.5, {{1, 0}, {kInf, 0}})));
  EXPECT_EQ(HistogramQuantile(0.5, {{-1, 10}, {kInf, 10}}), -1);  // lowest bound <= 0
}

// ---------------------------------------------------------------------------
// Aggregations

TEST(PromqlEval, Aggregations) {
  MemorySource src;
  src.Add("x", {{"g", "a"}, {"i", "1"}}, {{kT, 1}});
  src.Add("x", {{"g", "a"}, {"i", "2"}}, {{kT, 3}});
  src.Add("x", {{"g", "a"}, {"i", "3"}}, {{kT, 8}});
  src.Add("x", {{"g", "b"}, {"i", "1"}}, {{kT, 3}});
  M top = Vec(src, "topk(2, x)");
  EXPECT_EQ(top.count("{__name__=x,g=a,i=3}"), 1u);
  EXPECT_EQ(top.size(), 2u);
  EXPECT_EQ(Vec(src, "bottomk by (g) (1, x)"),
            (M{{"{__name__=x,g=a,i=1}", 1}, {"{__name__=x,g=b,i=1}", 3}}));
  EXPECT_TRUE(Vec(src, "topk(0, x)").empty());
  EXPECT_EQ(Vec(src, "quantile by (g) (0.5, x)"), (M{{"{g=a}", 3}, {"{g=b}", 3}}));
  EXPECT_EQ(Vec(src, "group by (g) (x)"), (M{{"{g=a}", 1}, {"{g=b}", 1}}));
  // g=a: 1, 3, 8: mean 4, variance (9 + 1 + 16) / 3
  EXPECT_NEAR(Vec(src, "stdvar by (g) (x)")["{g=a}"], 26.0 / 3, 1e-12);
  EXPECT_NEAR(Vec(src, "stddev by (g) (x)")["{g=a}"], std::sqrt(26.0 / 3), 1e-12);
  EXPECT_EQ(Vec(src, "stddev by (g) (x)")["{g=b}"], 0);
  EXPECT_EQ(Vec(src, "count_values(\"v\", x)"), (M{{"{v=1}", 1}, {"{v=3}", 2}, {"{v=8}", 1}}));
  EXPECT_EQ(Vec(src, "count_values by (g) (\"v\", x)"),
            (M{{"{g=a,v=1}", 1}, {"{g=a,v=3}", 1}, {"{g=a,v=8}", 1}, {"{g=b,v=3}", 1}}));
  EXPECT_EQ(Vec(src, "sum without (i) (x)"), (M{{"{g=a}", 12}, {"{g=b}", 3}}));
  EXPECT_EQ(Vec(src, "avg(x)"), (M{{"{}", 3.75}}));
}

// ---------------------------------------------------------------------------
// Binary operators

TEST(PromqlEval, GroupLeftAndRight) {
  MemorySource src;
  src.Add("cpu", {{"host", "a"}, {"cpu", "0"}}, {{kT, 2}});
  src.Add("cpu", {{"host", "a"}, {"cpu", "1"}}, {{kT, 4}});
  src.Add("cpu", {{"host", "b"}, {"cpu", "0"}}, {{kT, 6}});
  src.Add("info", {{"host", "a"}, {"role", "db"}}, {{kT, 2}});
  src.Add("info", {{"host", "b"}, {"role", "web"}}, {{kT, 3}});
  EXPECT_EQ(Vec(src, "cpu * on(host) group_left(role) info"),
            (M{{"{cpu=0,host=a,role=db}", 4}, {"{cpu=1,host=a,role=db}", 8},
               {"{cpu=0,host=b,role=web}", 18}}));
  EXPECT_EQ(Vec(src, "info - on(host) group_right cpu"),
            (M{{"{cpu=0,host=a}", 0}, {"{cpu=1,host=a}", -2}, {"{cpu=0,host=b}", -3}}));
  // Comparison: filter, the left value, the "many" side's labels and name.
  EXPECT_EQ(Vec(src, "cpu > on(host) group_left info"),
            (M{{"{__name__=cpu,cpu=1,host=a}", 4}, {"{__name__=cpu,cpu=0,host=b}", 6}}));
  EXPECT_EQ(Vec(src, "info < on(host) group_right cpu"),
            (M{{"{__name__=cpu,cpu=1,host=a}", 2}, {"{__name__=cpu,cpu=0,host=b}", 3}}));
  // Without group_left, many-to-one is an error.
  EXPECT_FALSE(RunQ(src, "cpu * on(host) info").ok());
  // Duplicates on the "one" side are an error.
  src.Add("info", {{"host", "b"}, {"role", "cache"}}, {{kT, 1}});
  EXPECT_FALSE(RunQ(src, "cpu * on(host) group_left info").ok());
}

TEST(PromqlEval, ArithmeticOperators) {
  MemorySource src;
  src.Add("x", {{"a", "1"}}, {{kT, 7}});
  EXPECT_EQ(Vec(src, "x % 4"), (M{{"{a=1}", 3}}));
  EXPECT_EQ(Vec(src, "x ^ 2"), (M{{"{a=1}", 49}}));
  EXPECT_EQ(Vec(src, "2 ^ x"), (M{{"{a=1}", 128}}));
  EXPECT_NEAR(Vec(src, "x atan2 7")["{__name__=x,a=1}"], std::atan2(7, 7), 1e-15);
  EXPECT_EQ(Vec(src, "x * Inf"), (M{{"{a=1}", kInf}}));
  EXPECT_TRUE(std::isnan(Vec(src, "x * NaN")["{a=1}"]));
  EXPECT_EQ(Vec(src, "x == bool x"), (M{{"{a=1}", 1}}));
  EXPECT_EQ(Scalar(src, "5 % 3 > bool 1"), 1);
}

// ---------------------------------------------------------------------------
// Range evaluation

TEST(PromqlRange, EachSelectorIsReadOnce) {
  MemorySource src;
  src.Add("c", {{"a", "1"}}, Line(kT, 15 * kS, 400, [](int i) { return 10.0 * i; }));
  src.Add("g", {{"a", "1"}}, Line(kT, 15 * kS, 400, [](int i) { return i % 7; }));
  absl::StatusOr<Expr> e = ParseExpr("rate(c[5m]) + on(a) g + on(a) max_over_time(g[10m]) + on(a) c offset 5m");
  ASSERT_TRUE(e.ok()) << e.status();
  const int64_t start = kT - 60 * kM, end = kT;
  absl::StatusOr<RangeResult> r = EvaluateRange(*e, src, start, end, 30 * kS, Prom());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(src.range_reads, 2);  // c and g, once each for all 121 steps
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_EQ(Key(r->series[0].labels), "{a=1}");
  ASSERT_EQ(r->series[0].points.size(), 121u);
  // Every step equals an instant evaluation at that time.
  for (const Point& p : r->series[0].points) {
    MemorySource again = src;
    EXPECT_NEAR(p.value, Vec(again, e->String(), p.timestamp_ms)["{a=1}"], 1e-9) << p.timestamp_ms;
  }
  // A scalar expression: one series without labels.
  absl::StatusOr<RangeResult> s = EvaluateRange(*ParseExpr("time()"), src, start, start + 2 * kM, kM, Prom());
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->is_scalar);
  ASSERT_EQ(s->series.size(), 1u);
  EXPECT_EQ(s->series[0].points, (std::vector<Point>{{start, start / 1000.0},
                                                     {start + kM, (start + kM) / 1000.0},
                                                     {start + 2 * kM, (start + 2 * kM) / 1000.0}}));
}

// A result series is the same across steps whether its labels come from
// the stored series (found by address) or are built per step
// (aggregations, label_replace: found by content); a name dropped by a
// function is a different identity from the name kept.
TEST(PromqlRange, SeriesIdentityAcrossSteps) {
  MemorySource src;
  src.Add("g", {{"a", "1"}, {"h", "x"}}, Line(kT, kM, 31, [](int i) { return i; }));
  src.Add("g", {{"a", "2"}, {"h", "x"}}, Line(kT, kM, 31, [](int i) { return 2 * i; }));
  src.Add("k", {{"a", "1"}}, Line(kT, kM, 31, [](int) { return 5; }));
  auto run = [&](const std::string& q) {
    absl::StatusOr<Expr> e = ParseExpr(q);
    EXPECT_TRUE(e.ok()) << q;
    return EvaluateRange(*e, src, kT - 10 * kM, kT, kM, Prom());
  };
  struct Case {
    std::string query;
    std::vector<std::string> keys;  // sorted
  };
  for (const Case& c : std::vector<Case>{
           {"g", {"{__name__=g,a=1,h=x}", "{__name__=g,a=2,h=x}"}},
           {"sum by (h) (g)", {"{h=x}"}},
           {"label_replace(g, \"b\", \"$1\", \"a\", \"(.*)\")",
            {"{__name__=g,a=1,b=1,h=x}", "{__name__=g,a=2,b=2,h=x}"}},
           {"abs(g)", {"{a=1,h=x}", "{a=2,h=x}"}},
           {"g or abs(k)", {"{__name__=g,a=1,h=x}", "{__name__=g,a=2,h=x}", "{a=1}"}},
       }) {
    absl::StatusOr<RangeResult> r = run(c.query);
    ASSERT_TRUE(r.ok()) << c.query << ": " << r.status();
    std::vector<std::string> keys;
    for (const RangeSeries& s : r->series) {
      keys.push_back(Key(s.labels));
      EXPECT_EQ(s.points.size(), 11u) << c.query << " " << keys.back();
    }
    EXPECT_EQ(keys, c.keys) << c.query;
  }
  // Two elements with one identity in a step: an error, as for an instant query.
  absl::StatusOr<RangeResult> dup = run("abs(g) or on(a) abs(k)");
  EXPECT_TRUE(dup.ok()) << dup.status();  // `or` drops k's a=1: no duplicate
  absl::StatusOr<RangeResult> bad = run("label_replace(g, \"a\", \"same\", \"a\", \".*\")");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), ::testing::HasSubstr("more than one element"));
}

TEST(PromqlRange, Limits) {
  MemorySource src;
  src.Add("x", {}, Line(kT, 15 * kS, 100, [](int i) { return i; }));
  absl::StatusOr<Expr> e = ParseExpr("x");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(EvaluateRange(*e, src, kT, kT + 11000 * kS, kS).status().code(),
            absl::StatusCode::kInvalidArgument);  // 11,001 steps
  EXPECT_TRUE(EvaluateRange(*e, src, kT, kT + 10999 * kS, kS).ok());
  EXPECT_EQ(EvaluateRange(*e, src, kT, kT, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EvaluateRange(*e, src, kT, kT - 1, kS).status().code(),
            absl::StatusCode::kInvalidArgument);
  EvalOptions small = Prom();
  small.max_points_held = 50;
  absl::StatusOr<RangeResult> r = EvaluateRange(*e, src, kT - 60 * kM, kT, kM, small);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted) << r.status();
  EvalOptions late = Prom();
  late.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  r = EvaluateRange(*e, src, kT - 60 * kM, kT, kM, late);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  src.fail = absl::DeadlineExceededError("too slow");
  r = EvaluateRange(*e, src, kT - 60 * kM, kT, kM, Prom());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(r.status().message(), "reading x: too slow");
}

// Random token soup: parsing never crashes, and whatever parses evaluates
// (or fails cleanly) in both semantics and over a range.
TEST(PromqlParse, RandomInputsParseOrFailCleanly) {
  const std::vector<std::string> tokens = {
      "x", "y_bucket", "{a=\"1\"}", "[5m]", "offset 1m", "(", ")", ",", "+", "-", "*", "/", "%",
      "^", "atan2", "==", "> bool", "and", "or", "unless", "on(a)", "ignoring(le)", "group_left(a)",
      "group_right", "sum", "by (a)", "without (le)", "topk", "quantile", "count_values", "rate",
      "histogram_quantile", "label_replace", "label_join", "absent", "round", "clamp", "time()",
      "vector", "scalar", "sort", "1", "0.5", "Inf", "NaN", "\"le\"", "'a'", "`$1`", "1y", "5m"};
  MemorySource src;
  src.Add("x", {{"a", "1"}}, Line(kT, 15 * kS, 40, [](int i) { return i * 1.5; }));
  src.Add("y_bucket", {{"a", "1"}, {"le", "1"}}, Line(kT, 15 * kS, 40, [](int i) { return i; }));
  src.Add("y_bucket", {{"a", "1"}, {"le", "+Inf"}}, Line(kT, 15 * kS, 40, [](int i) { return 2 * i; }));
  uint64_t state = 42;
  int parsed = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const int n = 1 + static_cast<int>(state % 9);
    for (int k = 0; k < n; ++k) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      text += tokens[(state >> 33) % tokens.size()] + " ";
    }
    absl::StatusOr<Expr> e = ParseExpr(text);
    if (!e.ok()) continue;
    ++parsed;
    ASSERT_TRUE(ParseExpr(e->String()).ok()) << text << " -> " << e->String();
    (void)Evaluate(*e, src, kT, Prom());
    (void)Evaluate(*e, src, kT, EvalOptions{});
    (void)EvaluateRange(*e, src, kT - 10 * kM, kT, kM, Prom());
  }
  EXPECT_GT(parsed, 100);
}

// The benchmark shapes, in memory (the engine alone, no storage):
// a 24 h query_range over 100 series at a 60 s step, and an instant
// sum by (host) (rate(...[5m])) over 10,000 series. Prints the times; the
// assertion is on the reads (once per selector).
TEST(PromqlRange, CostFigures) {
  MemorySource src;
  for (int i = 0; i < 100; ++i) {
    src.Add("c_total", {{"host", "h" + std::to_string(i % 10)}, {"i", std::to_string(i)}},
            Line(kT, 15 * kS, 24 * 240, [i](int k) { return 1.0 * k * (i + 1); }));
  }
  absl::StatusOr<Expr> e = ParseExpr("sum by (host) (rate(c_total[5m]))");
  ASSERT_TRUE(e.ok());
  auto t0 = std::chrono::steady_clock::now();
  absl::StatusOr<RangeResult> r = EvaluateRange(*e, src, kT - 24 * 60 * kM, kT, kM, Prom());
  const double range_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(src.range_reads, 1);
  ASSERT_EQ(r->series.size(), 10u);
  EXPECT_EQ(r->series[0].points.size(), 1440u);  // no data before the first step
  MemorySource wide;
  for (int i = 0; i < 10000; ++i) {
    wide.Add("c_total", {{"host", "h" + std::to_string(i % 100)}, {"i", std::to_string(i)}},
             Line(kT, 15 * kS, 21, [i](int k) { return 1.0 * k * (i + 1); }));
  }
  t0 = std::chrono::steady_clock::now();
  M m = Vec(wide, "sum by (host) (rate(c_total[5m]))");
  const double instant_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(m.size(), 100u);
  std::printf("query_range 100 series x 24 h, step 60 s (1441 steps, %zu points read): %.1f ms; "
              "instant over 10,000 series: %.1f ms\n",
              src.points_read, range_ms, instant_ms);
}

}  // namespace
}  // namespace scout::collector::promql
