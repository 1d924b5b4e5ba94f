// The alert expression language: parser, String() round trips, and the
// evaluator against an in-memory SeriesSource with hand-computed values.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "collector/promql/eval.h"
#include "collector/promql/parser.h"
#include "tests/promql/memory_source.h"  // MemorySource

namespace scout::collector::promql {
namespace {

constexpr int64_t kT = 1'700'000'000'000;  // evaluation time
constexpr int64_t kS = 1000;
constexpr int64_t kM = 60 * kS;
constexpr int64_t kH = 60 * kM;


// Points every `step` ms ending at `end`, values from f(i) (i = 0 oldest).
template <typename F>
std::vector<Point> Line(int64_t end, int64_t step, int n, F f) {
  std::vector<Point> pts;
  for (int i = 0; i < n; ++i) {
    pts.push_back({end - static_cast<int64_t>(n - 1 - i) * step, f(i)});
  }
  return pts;
}

std::string LabelsText(const Labels& labels) {
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ",";
    out += labels[i].first + "=" + labels[i].second;
  }
  return out + "}";
}

// Result as {labels text -> value}.
std::map<std::string, double> AsMap(const EvalResult& r) {
  std::map<std::string, double> out;
  for (const Element& e : r.vector) out[LabelsText(e.labels)] = e.value;
  return out;
}

absl::StatusOr<EvalResult> RunExpr(MemorySource& src, std::string_view text, int64_t now = kT,
                               const EvalOptions& options = {}) {
  absl::StatusOr<Expr> expr = ParseExpr(text);
  if (!expr.ok()) return expr.status();
  return Evaluate(*expr, src, now, options);
}

std::map<std::string, double> Vec(MemorySource& src, std::string_view text, int64_t now = kT,
                                  const EvalOptions& options = {}) {
  absl::StatusOr<EvalResult> r = RunExpr(src, text, now, options);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status();
  if (!r.ok()) return {};
  EXPECT_FALSE(r->is_scalar) << text;
  return AsMap(*r);
}

double Scalar(std::string_view text) {
  MemorySource src;
  absl::StatusOr<EvalResult> r = RunExpr(src, text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status();
  if (!r.ok()) return std::nan("");
  EXPECT_TRUE(r->is_scalar) << text;
  return r->scalar;
}

std::string ParseError(std::string_view text) {
  absl::StatusOr<Expr> e = ParseExpr(text);
  if (e.ok()) return "parsed as " + e->String();
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(e.status().message());
}

using M = std::map<std::string, double>;

// Same keys, values equal to ~1e-12 relative (NaN equals NaN).
::testing::AssertionResult Near(const M& got, const M& want) {
  bool ok = got.size() == want.size();
  for (const auto& [k, v] : want) {
    auto it = got.find(k);
    if (it == got.end()) {
      ok = false;
      continue;
    }
    const double g = it->second;
    const bool same = (std::isnan(g) && std::isnan(v)) || g == v ||
                      std::fabs(g - v) <= 1e-12 * std::max(std::fabs(g), std::fabs(v));
    ok = ok && same;
  }
  if (ok) return ::testing::AssertionSuccess();
  auto text = [](const M& m) {
    std::string out;
    for (const auto& [k, v] : m) out += "  " + k + " " + std::to_string(v) + "\n";
    return out;
  };
  return ::testing::AssertionFailure() << "got:\n" << text(got) << "want:\n" << text(want);
}

// ---------------------------------------------------------------------------
// Parsing

TEST(ExprParse, StringRoundTrips) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"x", "x"},
      {"  x{ a = \"b\" , c!~'d.*', } ", "x{a=\"b\",c!~\"d.*\"}"},
      {"{__name__=~\"node_.*\"}", "{__name__=~\"node_.*\"}"},
      {"avg_over_time(node_cpu_usage_ratio[5m]) > 0.7",
       "avg_over_time(node_cpu_usage_ratio[5m]) > 0.7"},
      {"quantile_over_time(0.95, scout_probe_duration_seconds[300s]) > 2",
       "quantile_over_time(0.95, scout_probe_duration_seconds[5m]) > 2"},
      {"1-avg_over_time(scout_probe_success[5m])>0.001",
       "1 - avg_over_time(scout_probe_success[5m]) > 0.001"},
      {"deriv(scout_process_group_rss_bytes[6h]) * 3600 > 50 * 1024 * 1024",
       "deriv(scout_process_group_rss_bytes[6h]) * 3600 > 50 * 1024 * 1024"},
      {"sum by(host)(rate(x[5m]))", "sum by (host) (rate(x[5m]))"},
      {"sum(rate(x[5m])) without (cpu,mode)", "sum(rate(x[5m])) without (cpu, mode)"},
      {"a / on(host) b", "a / on(host) b"},
      {"a / ignoring(kind) b", "a / ignoring(kind) b"},
      {"a > bool 1", "a > bool 1"},
      {"a and on(host) b unless c or d", "a and on(host) b unless c or d"},
      {"-x * -2", "-x * -2"},
      {"- - 2", "2"},
      {"+x", "x"},
      {"(a + b) * c", "(a + b) * c"},
      {"1e6 + .5 + 1.5e-3 + 2.5e-10 + 1e300", "1000000 + 0.5 + 0.0015 + 2.5e-10 + 1e+300"},
      {"absent_for(node_load1{host=~\"db-.*\"}, 120s)", "absent_for(node_load1{host=~\"db-.*\"}, 2m)"},
      {"max_over_time(x[1h30m])", "max_over_time(x[1h30m])"},
      {"x{path=\"a\\\"b\\\\c\"}", "x{path=\"a\\\"b\\\\c\"}"},
      {"rate(ns:metric_total[1d])", "rate(ns:metric_total[1d])"},
      {"count(x) by (host)", "count(x) by (host)"},
  };
  for (const auto& [in, want] : cases) {
    absl::StatusOr<Expr> e = ParseExpr(in);
    ASSERT_TRUE(e.ok()) << in << ": " << e.status();
    EXPECT_EQ(e->String(), want) << in;
    absl::StatusOr<Expr> again = ParseExpr(e->String());
    ASSERT_TRUE(again.ok()) << e->String() << ": " << again.status();
    EXPECT_EQ(again->String(), want);
  }
}

TEST(ExprParse, StaticType) {
  EXPECT_TRUE(ParseExpr("1 + 2 * 3")->ReturnsScalar());
  EXPECT_TRUE(ParseExpr("1 > bool 2")->ReturnsScalar());
  EXPECT_FALSE(ParseExpr("x * 2")->ReturnsScalar());
  EXPECT_FALSE(ParseExpr("absent_for(x, 2m)")->ReturnsScalar());
  Expr empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.String(), "");
  MemorySource src;
  EXPECT_EQ(Evaluate(empty, src, kT).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ExprParse, ErrorsNameTheColumn) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "column 1: expected an expression, found end of input"},
      {"rate(x)",
       "column 6: expected a range selector such as x[5m] as the argument of rate(), found "
       "instant vector 'x'"},
      {"avg(x", "column 6: expected ')' closing avg(, found end of input"},
      {"x +", "column 4: expected an expression, found end of input"},
      {"x{a=\"b\"", "column 8: expected ',' or '}', found end of input"},
      {"x{a=b}", "column 5: expected a quoted string, found 'b'"},
      {"x{a==\"b\"}", "column 4: expected one of = != =~ !~, found '=='"},
      {"x[5x]", "column 3: expected a number or a duration such as 30s, 5m, 2h or 1d, found '5x'"},
      {"x[5]", "column 3: expected a duration such as 30s, 5m, 2h or 1d, found '5'"},
      {"x > > 2", "column 5: expected an expression, found '>'"},
      {"x y", "column 3: expected an operator or the end of the expression, found 'y'"},
      {"x # y", "column 3: expected an expression or an operator, found '#'"},
      {"x{a=\"b}", "column 8: expected the closing \" of the string at column 5, found end of input"},
      {"1 > 2",
       "column 5: expected a vector on one side of '>' (to compare two scalars write '> bool'), "
       "found scalar '2'"},
      {"x and 1", "column 7: expected an instant vector as the right operand of 'and', found scalar '1'"},
      {"x[5m]",
       "column 1: expected a scalar or an instant vector as the result (a range selector such as "
       "x[5m] is only allowed inside rate(), increase(), delta(), deriv() and the *_over_time "
       "functions), found range vector 'x[5m]'"},
      {"(x)[5m]", "column 4: expected an operator or the end of the expression (a range [d] may "
                  "only follow a selector; subqueries are not supported), found '['"},
      {"x[5m:1m]", "column 3: expected a number or a duration such as 30s, 5m, 2h or 1d, found '5m:1m'"},
      {"absent_for(x[5m], 2m)",
       "column 12: expected an instant selector such as up{job=\"x\"} as the first argument of "
       "absent_for(), found range vector 'x[5m]'"},
      {"absent_for(x, 5)",
       "column 15: expected a duration such as 2m or 2h as the second argument of absent_for(), "
       "found '5'"},
      {"sum(x) by (host) by (a)",
       "column 18: expected an operator or the end of the expression, found 'by'"},
      {"sum by (a) (x) by (host)",
       "column 16: expected an operator or the end (one by/without clause per aggregation), "
       "found 'by'"},
      {"sum by host (x)", "column 8: expected '(' and a list of label names, found 'host'"},
      {"x / group_left y",
       "column 5: expected the right-hand operand (group_left/group_right only follow "
       "on(...) or ignoring(...) of an arithmetic or comparison operator), found 'group_left'"},
      {"x + on(a) 2", "column 11: expected an instant vector after on()/ignoring(), found scalar '2'"},
      {"2 + on(a) x", "column 5: expected on()/ignoring() only between two vectors, found scalar '2' on the left"},
      {"x and bool y", "column 7: expected an expression after 'and' (bool only follows a comparison), found 'bool'"},
      {"{}", "column 1: expected a metric name or a matcher that does not match the empty string, found ''"},
      {"{a=~\".*\"}",
       "column 1: expected a metric name or a matcher that does not match the empty string, "
       "found '{a=~\".*\"}'"},
      {"x{a=~\"(\"}",
       "column 6: expected a valid regular expression (bad regex for label a: missing ): "
       "^(?:()$), "
       "found '\"(\"'"},
      {"foo(x)", "column 1: function 'foo' is not supported"},
      {"quantile_over_time(x, y[5m])",
       "column 20: expected a scalar quantile such as 0.95 (first) as the argument of "
       "quantile_over_time(), found instant vector 'x'"},
      {"sum(1)", "column 5: expected an instant vector to aggregate with sum(), found scalar '1'"},
      {"rate(x[5m]", "column 11: expected ')' closing rate(), found end of input"},
      {"x > 1e999", "column 5: expected a number of at most 1.8e308, found '1e999'"},
      {"x{a:b=\"c\"}", "column 3: expected a label name or '}', found 'a:b'"},
      {"and", "column 1: expected an expression, found 'and'"},
      {"x == 2m", "column 6: expected an expression, found '2m'"},
  };
  for (const auto& [in, want] : cases) {
    EXPECT_EQ(ParseError(in), want) << "input: " << in;
  }
}

// ---------------------------------------------------------------------------
// Selectors

TEST(ExprEval, InstantSelectorTakesNewestPointInLookback) {
  MemorySource src;
  src.Add("x", {{"host", "a"}}, {{kT - 2 * kM, 1}, {kT - 1 * kM, 2}, {kT + 15 * kS, 99}});
  src.Add("x", {{"host", "b"}}, {{kT - 5 * kM, 7}});      // exactly t - 5m: outside
  src.Add("x", {{"host", "c"}}, {{kT - 5 * kM + 1, 8}});  // just inside
  src.Add("x", {{"host", "d"}}, {{kT, 9}});               // at t: inside
  src.Add("y", {{"host", "a"}}, {{kT, 100}});
  EXPECT_TRUE(Near(Vec(src, "x"), (M{{"{__name__=x,host=a}", 2},
                              {"{__name__=x,host=c}", 8},
                              {"{__name__=x,host=d}", 9}})));
  EXPECT_TRUE(Near(Vec(src, "x{host!~\"a|c\"}"), (M{{"{__name__=x,host=d}", 9}})));
  EXPECT_TRUE(Near(Vec(src, "{__name__=~\"x|y\", host=\"a\"}"),
            (M{{"{__name__=x,host=a}", 2}, {"{__name__=y,host=a}", 100}})));
  EvalOptions short_lookback;
  short_lookback.lookback = std::chrono::seconds(90);
  EXPECT_TRUE(Near(Vec(src, "x", kT, short_lookback),
            (M{{"{__name__=x,host=a}", 2}, {"{__name__=x,host=d}", 9}})));
}

TEST(ExprEval, MetricNameSortsIntoTheLabels) {
  MemorySource src;
  src.Add("x", {{"Zone", "eu"}, {"host", "a"}}, {{kT, 1}});
  absl::StatusOr<EvalResult> r = RunExpr(src, "x");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->vector.size(), 1u);
  EXPECT_EQ(r->vector[0].labels,
            (Labels{{"Zone", "eu"}, {"__name__", "x"}, {"host", "a"}}));
}

// ---------------------------------------------------------------------------
// Range functions

TEST(ExprEval, OverTimeWindowEdges) {
  MemorySource src;
  // t-5m (excluded), t-4m .. t (included); t+1m (future, excluded).
  src.Add("x", {{"host", "a"}},
          {{kT - 5 * kM, 100}, {kT - 4 * kM, 1}, {kT - 3 * kM, 4}, {kT - 2 * kM, 2},
           {kT - 1 * kM, 8}, {kT, 5}, {kT + kM, 1000}});
  EXPECT_TRUE(Near(Vec(src, "avg_over_time(x[5m])"), (M{{"{host=a}", 4}})));
  EXPECT_TRUE(Near(Vec(src, "min_over_time(x[5m])"), (M{{"{host=a}", 1}})));
  EXPECT_TRUE(Near(Vec(src, "max_over_time(x[5m])"), (M{{"{host=a}", 8}})));
  EXPECT_TRUE(Near(Vec(src, "sum_over_time(x[5m])"), (M{{"{host=a}", 20}})));
  EXPECT_TRUE(Near(Vec(src, "count_over_time(x[5m])"), (M{{"{host=a}", 5}})));
  EXPECT_TRUE(Near(Vec(src, "last_over_time(x[5m])"), (M{{"{host=a}", 5}})));
  // One millisecond more and the t-5m point counts.
  EXPECT_TRUE(Near(Vec(src, "count_over_time(x[300001ms])"), (M{{"{host=a}", 6}})));
  EXPECT_TRUE(Near(Vec(src, "max_over_time(x[300001ms])"), (M{{"{host=a}", 100}})));
  // Only the point at t.
  EXPECT_TRUE(Near(Vec(src, "avg_over_time(x[1m])"), (M{{"{host=a}", 5}})));
  // Nothing in the window: no element at all.
  EXPECT_TRUE(Near(Vec(src, "avg_over_time(x[20s])", kT - 30 * kS), M{}));
}

TEST(ExprEval, MinMaxSkipNaN) {
  MemorySource src;
  src.Add("x", {}, {{kT - 2 * kM, std::nan("")}, {kT - kM, 3}, {kT, std::nan("")}});
  EXPECT_TRUE(Near(Vec(src, "min_over_time(x[5m])"), (M{{"{}", 3}})));
  EXPECT_TRUE(Near(Vec(src, "max_over_time(x[5m])"), (M{{"{}", 3}})));
}

TEST(ExprEval, QuantileOverTimeIsR7) {
  MemorySource src;
  // Values 1..5 in shuffled order.
  src.Add("d", {{"probe", "p"}},
          {{kT - 4 * kM, 3}, {kT - 3 * kM, 5}, {kT - 2 * kM, 1}, {kT - kM, 4}, {kT, 2}});
  // rank = q * (n - 1): 0.95 * 4 = 3.8 -> 4 + 0.8 * (5 - 4)
  EXPECT_DOUBLE_EQ(Vec(src, "quantile_over_time(0.95, d[5m])")["{probe=p}"], 4.8);
  EXPECT_DOUBLE_EQ(Vec(src, "quantile_over_time(0.5, d[5m])")["{probe=p}"], 3);
  EXPECT_DOUBLE_EQ(Vec(src, "quantile_over_time(0.25, d[5m])")["{probe=p}"], 2);   // rank 1
  EXPECT_DOUBLE_EQ(Vec(src, "quantile_over_time(0.1, d[5m])")["{probe=p}"], 1.4);  // rank 0.4
  EXPECT_DOUBLE_EQ(Vec(src, "quantile_over_time(0, d[5m])")["{probe=p}"], 1);
  EXPECT_DOUBLE_EQ(Vec(src, "quantile_over_time(1, d[5m])")["{probe=p}"], 5);
  EXPECT_DOUBLE_EQ(Vec(src, "quantile_over_time(0.5 + 0.45, d[5m])")["{probe=p}"], 4.8);
  EXPECT_EQ(Vec(src, "quantile_over_time(2, d[5m])")["{probe=p}"], INFINITY);
  EXPECT_EQ(Vec(src, "quantile_over_time(-1, d[5m])")["{probe=p}"], -INFINITY);
  // A single point is every quantile.
  EXPECT_DOUBLE_EQ(Vec(src, "quantile_over_time(0.95, d[1m])")["{probe=p}"], 2);
}

TEST(ExprEval, RateIncreaseDeltaOverCounterReset) {
  MemorySource src;
  // 10 -> 20 -> 30 -> reset -> 5 -> 15 over 60 s: increase 10 + 10 + 5 + 10 = 35.
  src.Add("c_total", {{"host", "a"}},
          {{kT - 60 * kS, 10}, {kT - 45 * kS, 20}, {kT - 30 * kS, 30}, {kT - 15 * kS, 5},
           {kT, 15}});
  src.Add("c_total", {{"host", "one"}}, {{kT, 15}});  // one point: no rate
  EXPECT_TRUE(Near(Vec(src, "increase(c_total[5m])"), (M{{"{host=a}", 35}})));
  EXPECT_TRUE(Near(Vec(src, "rate(c_total[5m])"), (M{{"{host=a}", 35.0 / 60.0}})));
  EXPECT_TRUE(Near(Vec(src, "delta(c_total[5m])"), (M{{"{host=a}", 5}})));
  // Window (t-30s, t]: 5 (reset from 30, not seen: only 5 -> 15) => 10 over 15 s.
  EXPECT_TRUE(Near(Vec(src, "increase(c_total[30s])"), (M{{"{host=a}", 10}})));
  EXPECT_TRUE(Near(Vec(src, "rate(c_total[30s])"), (M{{"{host=a}", 10.0 / 15.0}})));
  // Window (t-45s, t] holds 30, 5, 15: the drop to 5 is a reset.
  EXPECT_TRUE(Near(Vec(src, "increase(c_total[45s])"), (M{{"{host=a}", 15}})));
}

TEST(ExprEval, DerivIsTheLeastSquaresSlope) {
  MemorySource src;
  // y = 100 + 2.5 * seconds, every 15 s for 10 minutes.
  src.Add("g", {{"k", "line"}}, Line(kT, 15 * kS, 41, [](int i) { return 100 + 2.5 * 15 * i; }));
  // Points (0,1), (10,3), (20,2): slope = sum(dx*dy)/sum(dx^2) = (-10*-1 + 10*0)/200 = 0.05.
  src.Add("g", {{"k", "three"}}, {{kT - 20 * kS, 1}, {kT - 10 * kS, 3}, {kT, 2}});
  src.Add("g", {{"k", "one"}}, {{kT, 2}});
  const M got = Vec(src, "deriv(g[10m])");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NEAR(got.at("{k=line}"), 2.5, 1e-9);
  EXPECT_NEAR(got.at("{k=three}"), 0.05, 1e-12);
}

// ---------------------------------------------------------------------------
// absent_for

TEST(ExprEval, AbsentForPerSeries) {
  MemorySource src;
  src.Add("node_load1", {{"host", "up"}}, {{kT - 30 * kS, 1}});
  src.Add("node_load1", {{"host", "down"}}, {{kT - 10 * kM, 1}, {kT - 3 * kM, 1}});
  src.Add("node_load1", {{"host", "edge"}}, {{kT - 2 * kM, 1}});       // exactly 2m: not yet
  src.Add("node_load1", {{"host", "edge2"}}, {{kT - 2 * kM - 1, 1}});  // 1 ms more: absent
  src.Add("node_load1", {{"host", "retired"}}, {{kT - 8 * 24 * kH, 1}});  // beyond 7d
  src.Add("other", {{"host", "down"}}, {{kT - kH, 1}});
  EXPECT_TRUE(Near(Vec(src, "absent_for(node_load1, 2m)"),
            (M{{"{host=down}", 180}, {"{host=edge2}", 120.001}})));
  EvalOptions long_horizon;
  long_horizon.absent_horizon = std::chrono::hours(24 * 30);
  EXPECT_TRUE(Near(Vec(src, "absent_for(node_load1{host=~\"down|retired\"}, 2m)", kT, long_horizon),
            (M{{"{host=down}", 180}, {"{host=retired}", 8 * 24 * 3600}})));
  // The guide's "ingestion source silent for 2 h".
  EXPECT_TRUE(Near(Vec(src, "absent_for({__name__=~\"other|node_load1\"}, 2h)"), M{}));
  EXPECT_TRUE(Near(Vec(src, "absent_for({__name__=~\"other|node_load1\"}, 30m)"),
            (M{{"{host=down}", 3600}})));
}

// ---------------------------------------------------------------------------
// Operators

TEST(ExprEval, ScalarArithmeticAndPrecedence) {
  EXPECT_EQ(Scalar("1 + 2 * 3"), 7);
  EXPECT_EQ(Scalar("(1 + 2) * 3"), 9);
  EXPECT_EQ(Scalar("2 - 1 - 1"), 0);
  EXPECT_EQ(Scalar("8 / 4 / 2"), 1);
  EXPECT_EQ(Scalar("-2 * 3"), -6);
  EXPECT_EQ(Scalar("-(2 + 3)"), -5);
  EXPECT_EQ(Scalar("50 * 1024 * 1024"), 52428800);
  EXPECT_EQ(Scalar("1 + 2 > bool 2"), 1);
  EXPECT_EQ(Scalar("1 + 2 == bool 4"), 0);
  EXPECT_EQ(Scalar("1e6"), 1e6);
  EXPECT_EQ(Scalar("1 / 0"), INFINITY);
  EXPECT_EQ(Scalar("-1 / 0"), -INFINITY);
  EXPECT_TRUE(std::isnan(Scalar("0 / 0")));
}

TEST(ExprEval, VectorScalarArithmeticDropsTheName) {
  MemorySource src;
  src.Add("x", {{"host", "a"}}, {{kT, 4}});
  src.Add("x", {{"host", "z"}}, {{kT, 0}});
  EXPECT_TRUE(Near(Vec(src, "x * 2"), (M{{"{host=a}", 8}, {"{host=z}", 0}})));
  EXPECT_TRUE(Near(Vec(src, "1 - x"), (M{{"{host=a}", -3}, {"{host=z}", 1}})));
  EXPECT_TRUE(Near(Vec(src, "-x"), (M{{"{host=a}", -4}, {"{host=z}", -0.0}})));
  EXPECT_TRUE(Near(Vec(src, "(x)"), (M{{"{__name__=x,host=a}", 4}, {"{__name__=x,host=z}", 0}})));
  // Division by zero is kept as Inf/NaN; the engine drops non-finite values.
  const M div = Vec(src, "1 / x");
  EXPECT_EQ(div.at("{host=a}"), 0.25);
  EXPECT_EQ(div.at("{host=z}"), INFINITY);
  EXPECT_TRUE(std::isnan(Vec(src, "x / x").at("{host=z}")));
}

TEST(ExprEval, ComparisonsFilter) {
  MemorySource src;
  src.Add("x", {{"host", "a"}}, {{kT, 1}});
  src.Add("x", {{"host", "b"}}, {{kT, 2}});
  src.Add("x", {{"host", "c"}}, {{kT, 3}});
  src.Add("x", {{"host", "n"}}, {{kT, std::nan("")}});
  EXPECT_TRUE(Near(Vec(src, "x > 1"), (M{{"{__name__=x,host=b}", 2}, {"{__name__=x,host=c}", 3}})));
  EXPECT_TRUE(Near(Vec(src, "1 < x"), (M{{"{__name__=x,host=b}", 2}, {"{__name__=x,host=c}", 3}})));
  EXPECT_TRUE(Near(Vec(src, "x >= 2"), (M{{"{__name__=x,host=b}", 2}, {"{__name__=x,host=c}", 3}})));
  EXPECT_TRUE(Near(Vec(src, "x <= 2"), (M{{"{__name__=x,host=a}", 1}, {"{__name__=x,host=b}", 2}})));
  EXPECT_TRUE(Near(Vec(src, "x == 2"), (M{{"{__name__=x,host=b}", 2}})));
  EXPECT_TRUE(Near(Vec(src, "x{host!=\"n\"} != 2"),
            (M{{"{__name__=x,host=a}", 1}, {"{__name__=x,host=c}", 3}})));
  EXPECT_TRUE(Near(Vec(src, "x{host=~\"a|b\"} > bool 1"), (M{{"{host=a}", 0}, {"{host=b}", 1}})));
  EXPECT_TRUE(Near(Vec(src, "x > 1 < 3"), (M{{"{__name__=x,host=b}", 2}})));
  EXPECT_TRUE(Near(Vec(src, "x * 10 > 25"), (M{{"{host=c}", 30}})));
}

TEST(ExprEval, VectorMatchingOnAndIgnoring) {
  MemorySource src;
  src.Add("errors_total", {{"host", "a"}, {"kind", "http"}},
          Line(kT, 15 * kS, 5, [](int i) { return 10.0 * i; }));  // +40 in 60 s
  src.Add("errors_total", {{"host", "b"}, {"kind", "http"}},
          Line(kT, 15 * kS, 5, [](int) { return 7.0; }));
  src.Add("requests_total", {{"host", "a"}, {"kind", "all"}},
          Line(kT, 15 * kS, 5, [](int i) { return 1000.0 * i; }));  // +4000 in 60 s
  src.Add("requests_total", {{"host", "b"}, {"kind", "all"}},
          Line(kT, 15 * kS, 5, [](int i) { return 100.0 * i; }));
  src.Add("requests_total", {{"host", "c"}, {"kind", "all"}},
          Line(kT, 15 * kS, 5, [](int i) { return 100.0 * i; }));  // no partner
  // Default matching: kind differs, nothing matches.
  EXPECT_TRUE(Near(Vec(src, "rate(errors_total[5m]) / rate(requests_total[5m])"), M{}));
  EXPECT_TRUE(Near(Vec(src, "rate(errors_total[5m]) / on(host) rate(requests_total[5m])"),
            (M{{"{host=a}", 0.01}, {"{host=b}", 0}})));
  EXPECT_TRUE(Near(Vec(src, "rate(errors_total[5m]) / ignoring(kind) rate(requests_total[5m]) > 0.005"),
            (M{{"{host=a}", 0.01}})));
  EXPECT_TRUE(Near(Vec(src, "increase(errors_total[5m]) + on(host) increase(requests_total[5m])"),
            (M{{"{host=a}", 4040}, {"{host=b}", 400}})));
  // Comparison of two vectors: lhs value and labels (on() keeps only host).
  // requests_total / 100: a 40, b 4; errors_total: a 40, b 7.
  EXPECT_TRUE(Near(Vec(src, "errors_total > ignoring(kind) requests_total / 100"),
            (M{{"{__name__=errors_total,host=b}", 7}})));
  EXPECT_TRUE(Near(Vec(src, "errors_total > bool on(host) requests_total / 100"),
            (M{{"{host=a}", 0}, {"{host=b}", 1}})));
}

TEST(ExprEval, ManyToManyIsAnError) {
  MemorySource src;
  src.Add("a", {{"host", "h"}, {"cpu", "0"}}, {{kT, 1}});
  src.Add("a", {{"host", "h"}, {"cpu", "1"}}, {{kT, 1}});
  src.Add("b", {{"host", "h"}}, {{kT, 2}});
  src.Add("c", {{"host", "h"}, {"x", "1"}}, {{kT, 1}});
  src.Add("c", {{"host", "h"}, {"x", "2"}}, {{kT, 1}});
  absl::StatusOr<EvalResult> r = RunExpr(src, "a / on(host) b");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "many-to-many matching not allowed for '/' at column 3: more than one element on "
            "the left side has the matched labels {host=\"h\"} (narrow the match with "
            "on(...)/ignoring(...) or aggregate that side first)");
  r = RunExpr(src, "b > on(host) c");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("many-to-many matching not allowed for '>'"),
            std::string::npos);
  EXPECT_NE(r.status().message().find("right side"), std::string::npos);
  // Fine once one side is aggregated; set operators allow many matches.
  EXPECT_TRUE(Near(Vec(src, "sum by (host) (a) / on(host) b"), (M{{"{host=h}", 1}})));
  EXPECT_TRUE(Near(Vec(src, "a and on(host) b"),
            (M{{"{__name__=a,cpu=0,host=h}", 1}, {"{__name__=a,cpu=1,host=h}", 1}})));
}

TEST(ExprEval, SetOperators) {
  MemorySource src;
  src.Add("x", {{"host", "a"}}, {{kT, 1}});
  src.Add("x", {{"host", "b"}}, {{kT, 2}});
  src.Add("x", {{"host", "c"}}, {{kT, 3}});
  src.Add("y", {{"host", "b"}}, {{kT, 20}});
  src.Add("y", {{"host", "d"}}, {{kT, 40}});
  src.Add("maint", {{"host", "c"}, {"why", "upgrade"}}, {{kT, 1}});
  EXPECT_TRUE(Near(Vec(src, "x and y"), (M{{"{__name__=x,host=b}", 2}})));
  EXPECT_TRUE(Near(Vec(src, "x unless y"), (M{{"{__name__=x,host=a}", 1}, {"{__name__=x,host=c}", 3}})));
  EXPECT_TRUE(Near(Vec(src, "x or y"), (M{{"{__name__=x,host=a}", 1},
                                   {"{__name__=x,host=b}", 2},
                                   {"{__name__=x,host=c}", 3},
                                   {"{__name__=y,host=d}", 40}})));
  EXPECT_TRUE(Near(Vec(src, "x unless on(host) maint"),
            (M{{"{__name__=x,host=a}", 1}, {"{__name__=x,host=b}", 2}})));
  EXPECT_TRUE(Near(Vec(src, "x unless ignoring(why) maint"),
            (M{{"{__name__=x,host=a}", 1}, {"{__name__=x,host=b}", 2}})));
  // Precedence: and binds tighter than or; comparisons tighter than and.
  EXPECT_TRUE(Near(Vec(src, "x > 2 or y > 30 and x"), (M{{"{__name__=x,host=c}", 3}})));
  EXPECT_TRUE(Near(Vec(src, "x > 2 or y > 10 and x"),
            (M{{"{__name__=x,host=c}", 3}, {"{__name__=y,host=b}", 20}})));
  EXPECT_TRUE(Near(Vec(src, "x > 1 and x < 3"), (M{{"{__name__=x,host=b}", 2}})));
}

TEST(ExprEval, Aggregations) {
  MemorySource src;
  src.Add("cpu", {{"host", "a"}, {"cpu", "0"}}, {{kT, 0.2}});
  src.Add("cpu", {{"host", "a"}, {"cpu", "1"}}, {{kT, 0.6}});
  src.Add("cpu", {{"host", "b"}, {"cpu", "0"}}, {{kT, 0.9}});
  src.Add("cpu", {{"cpu", "9"}}, {{kT, 0.5}});  // no host label
  EXPECT_TRUE(Near(Vec(src, "sum by (host) (cpu)"), (M{{"{host=a}", 0.8}, {"{host=b}", 0.9}, {"{}", 0.5}})));
  EXPECT_TRUE(Near(Vec(src, "sum(cpu) by (host)"), (M{{"{host=a}", 0.8}, {"{host=b}", 0.9}, {"{}", 0.5}})));
  EXPECT_TRUE(Near(Vec(src, "avg by (host) (cpu{host!=\"\"})"), (M{{"{host=a}", 0.4}, {"{host=b}", 0.9}})));
  EXPECT_TRUE(Near(Vec(src, "min without (cpu) (cpu)"),
            (M{{"{host=a}", 0.2}, {"{host=b}", 0.9}, {"{}", 0.5}})));
  EXPECT_TRUE(Near(Vec(src, "max(cpu) without (cpu)"),
            (M{{"{host=a}", 0.6}, {"{host=b}", 0.9}, {"{}", 0.5}})));
  EXPECT_TRUE(Near(Vec(src, "count by (host) (cpu)"), (M{{"{host=a}", 2}, {"{host=b}", 1}, {"{}", 1}})));
  EXPECT_TRUE(Near(Vec(src, "count(cpu)"), (M{{"{}", 4}})));
  EXPECT_DOUBLE_EQ(Vec(src, "sum(cpu)")["{}"], 2.2);
  EXPECT_TRUE(Near(Vec(src, "max(cpu)"), (M{{"{}", 0.9}})));
  EXPECT_TRUE(Near(Vec(src, "sum without (host, cpu) (cpu)"), (M{{"{}", 2.2}})));
  EXPECT_TRUE(Near(Vec(src, "sum by (host) (cpu) > 0.85"), (M{{"{host=b}", 0.9}})));
  // Aggregating nothing yields nothing.
  EXPECT_TRUE(Near(Vec(src, "sum(missing)"), M{}));
  EXPECT_TRUE(Near(Vec(src, "count by (host) (cpu > 5)"), M{}));
}

TEST(ExprEval, DuplicateLabelSetsInTheResultAreAnError) {
  MemorySource src;
  src.Add("a_total", {{"host", "h"}}, Line(kT, 15 * kS, 3, [](int i) { return i * 1.0; }));
  src.Add("b_total", {{"host", "h"}}, Line(kT, 15 * kS, 3, [](int i) { return i * 2.0; }));
  absl::StatusOr<EvalResult> r = RunExpr(src, "rate({__name__=~\"a_total|b_total\"}[5m])");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("more than one element with the labels {host=\"h\"}"),
            std::string::npos)
      << r.status();
  // With the names kept they are distinct.
  EXPECT_EQ(Vec(src, "{__name__=~\"a_total|b_total\"}").size(), 2u);
}

// ---------------------------------------------------------------------------
// Reads

TEST(ExprEval, SameSelectorAndWindowIsReadOnce) {
  MemorySource src;
  src.Add("x", {{"host", "a"}}, {{kT - kM, 1}, {kT, 3}});
  EXPECT_TRUE(Near(Vec(src, "avg_over_time(x[5m]) > 1 and max_over_time(x[5m]) < 5 and x"),
            (M{{"{host=a}", 2}})));
  EXPECT_EQ(src.range_reads, 1);  // x (5m lookback) and x[5m] share a read
  src.range_reads = 0;
  EXPECT_EQ(Vec(src, "avg_over_time(x[5m]) > avg_over_time(x[1m])").size(), 0u);
  EXPECT_EQ(src.range_reads, 2);
  EXPECT_EQ(Vec(src, "absent_for(x, 1m) or absent_for(x, 2m)").size(), 0u);
  EXPECT_EQ(src.latest_reads, 1);
  // A second evaluation reads again: nothing is cached across calls.
  src.range_reads = 0;
  absl::StatusOr<Expr> e = ParseExpr("x");
  ASSERT_TRUE(e.ok());
  Expr copy = *e;
  ASSERT_TRUE(Evaluate(*e, src, kT).ok());
  ASSERT_TRUE(Evaluate(copy, src, kT).ok());
  EXPECT_EQ(src.range_reads, 2);
}

TEST(ExprEval, SourceErrorsArePassedOn) {
  MemorySource src;
  src.fail = absl::UnavailableError("disk on fire");
  absl::StatusOr<EvalResult> r = RunExpr(src, "rate(x{a=\"b\"}[5m]) > 1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), "reading x{a=\"b\"}: disk on fire");
}

// ---------------------------------------------------------------------------
// The guide's rules

TEST(GuideRules, ResponseTimeP95) {
  MemorySource src;
  // slow: 20 probes, the slowest three at 3 s, 5 s, 5 s.
  src.Add("scout_probe_duration_seconds", {{"probe", "slow"}},
          Line(kT, 15 * kS, 20, [](int i) { return i >= 18 ? 5.0 : i >= 17 ? 3.0 : 0.5; }));
  src.Add("scout_probe_duration_seconds", {{"probe", "fast"}},
          Line(kT, 15 * kS, 20, [](int i) { return i == 19 ? 9.0 : 0.2; }));
  const M got = Vec(src, "quantile_over_time(0.95, scout_probe_duration_seconds[5m]) > 2");
  ASSERT_EQ(got.size(), 1u);
  // sorted: 17 x 0.5, 3, 5, 5; rank 0.95 * 19 = 18.05 -> 5 + 0.05 * 0 = 5
  EXPECT_DOUBLE_EQ(got.at("{probe=slow}"), 5.0);
  // fast: one 9 s outlier in 20: rank 18.05 -> 0.2 + 0.05 * 8.8 = 0.64: no alert.
  EXPECT_NEAR(Vec(src, "quantile_over_time(0.95, scout_probe_duration_seconds{probe=\"fast\"}[5m])")
                  .at("{probe=fast}"),
              0.64, 1e-12);
}

TEST(GuideRules, ErrorRateAndAvailability) {
  MemorySource src;
  // 20 probes at 15 s in the window, one failed: 5 % errors.
  src.Add("scout_probe_success", {{"probe", "api"}},
          Line(kT, 15 * kS, 20, [](int i) { return i == 7 ? 0.0 : 1.0; }));
  src.Add("scout_probe_success", {{"probe", "web"}},
          Line(kT, 15 * kS, 20, [](int) { return 1.0; }));
  EXPECT_TRUE(Near(Vec(src, "1 - avg_over_time(scout_probe_success[5m]) > 0.001"),
            (M{{"{probe=api}", 1 - 19.0 / 20}})));
  EXPECT_TRUE(Near(Vec(src, "avg_over_time(scout_probe_success[5m]) < 0.999"),
            (M{{"{probe=api}", 19.0 / 20}})));
}

TEST(GuideRules, CpuWarningAndCritical) {
  MemorySource src;
  src.Add("node_cpu_usage_ratio", {{"host", "busy"}},
          Line(kT, 15 * kS, 20, [](int i) { return i % 2 == 0 ? 0.7 : 0.9; }));  // avg 0.8
  src.Add("node_cpu_usage_ratio", {{"host", "idle"}},
          Line(kT, 15 * kS, 20, [](int) { return 0.1; }));
  EXPECT_EQ(Vec(src, "avg_over_time(node_cpu_usage_ratio[5m]) > 0.7").size(), 1u);
  EXPECT_NEAR(Vec(src, "avg_over_time(node_cpu_usage_ratio[5m]) > 0.7").at("{host=busy}"), 0.8,
              1e-12);
  EXPECT_TRUE(Near(Vec(src, "avg_over_time(node_cpu_usage_ratio[5m]) > 0.8001"), M{}));
  // Critical excluded from warning with unless.
  EXPECT_TRUE(Near(Vec(src, "avg_over_time(node_cpu_usage_ratio[5m]) > 0.7 unless "
                     "avg_over_time(node_cpu_usage_ratio[5m]) > 0.75"),
            M{}));
}

TEST(GuideRules, MemoryRatioOfTwoSeries) {
  MemorySource src;
  src.Add("node_memory_used_bytes", {{"host", "a"}}, {{kT, 90}});
  src.Add("node_memory_used_bytes", {{"host", "b"}}, {{kT, 50}});
  src.Add("node_memory_total_bytes", {{"host", "a"}}, {{kT, 100}});
  src.Add("node_memory_total_bytes", {{"host", "b"}}, {{kT, 100}});
  EXPECT_TRUE(Near(Vec(src, "node_memory_used_bytes / node_memory_total_bytes > 0.85"),
            (M{{"{host=a}", 0.9}})));
  EXPECT_TRUE(Near(Vec(src, "node_memory_used_bytes / on(host) node_memory_total_bytes > 0.8"),
            (M{{"{host=a}", 0.9}})));
}

TEST(GuideRules, AgentNotReporting) {
  MemorySource src;
  src.Add("node_load1", {{"host", "web-1"}}, Line(kT, 15 * kS, 10, [](int) { return 0.5; }));
  src.Add("node_load1", {{"host", "db-1"}},
          Line(kT - 5 * kM, 15 * kS, 10, [](int) { return 0.5; }));
  EXPECT_TRUE(Near(Vec(src, "absent_for(node_load1, 2m)"), (M{{"{host=db-1}", 300}})));
}

TEST(GuideRules, MemoryLeakOverSixHours) {
  MemorySource src;
  constexpr double kMiB = 1024 * 1024;
  // Minute samples over 6 h: leaky grows 60 MiB/h, steady 40 MiB/h, with a
  // sawtooth that averages out.
  src.Add("scout_process_group_rss_bytes", {{"group", "leaky"}},
          Line(kT, kM, 360, [&](int i) { return 500 * kMiB + i * kMiB + (i % 2) * 3 * kMiB; }));
  src.Add("scout_process_group_rss_bytes", {{"group", "steady"}},
          Line(kT, kM, 360, [&](int i) { return 500 * kMiB + i * (40.0 / 60) * kMiB; }));
  const M got =
      Vec(src, "deriv(scout_process_group_rss_bytes[6h]) * 3600 > 50 * 1024 * 1024");
  ASSERT_EQ(got.size(), 1u);
  // Alternating +3 MiB over an even count of points adds a tiny slope
  // (3 MiB / 359.x min), so check the leak rate to ~1 %.
  EXPECT_NEAR(got.at("{group=leaky}") / kMiB, 60, 0.2);
}

TEST(GuideRules, PerHostSumAndAnd) {
  MemorySource src;
  src.Add("node_network_receive_errors_total", {{"host", "a"}, {"device", "eth0"}},
          Line(kT, 15 * kS, 21, [](int i) { return 30.0 * i; }));  // 2/s
  src.Add("node_network_receive_errors_total", {{"host", "a"}, {"device", "eth1"}},
          Line(kT, 15 * kS, 21, [](int i) { return 15.0 * i; }));  // 1/s
  src.Add("node_network_receive_errors_total", {{"host", "b"}, {"device", "eth0"}},
          Line(kT, 15 * kS, 21, [](int) { return 0.0; }));
  src.Add("node_cpu_usage_ratio", {{"host", "a"}}, {{kT, 0.95}});
  src.Add("node_cpu_usage_ratio", {{"host", "b"}}, {{kT, 0.95}});
  EXPECT_TRUE(Near(Vec(src, "sum by (host) (rate(node_network_receive_errors_total[5m])) > 2"),
            (M{{"{host=a}", 3}})));
  EXPECT_TRUE(Near(Vec(src, "sum by (host) (rate(node_network_receive_errors_total[5m])) > 2 and "
                     "on(host) node_cpu_usage_ratio > 0.9"),
            (M{{"{host=a}", 3}})));
  EXPECT_TRUE(Near(Vec(src, "node_cpu_usage_ratio > 0.9 unless on(host) "
                     "sum by (host) (rate(node_network_receive_errors_total[5m])) > 2"),
            (M{{"{__name__=node_cpu_usage_ratio,host=b}", 0.95}})));
}

// Not a benchmark: 10,000 series through a one-to-one match and a group-by
// must stay linear (a quadratic match would take minutes here).
TEST(ExprEval, LargeVectorsMatchByHash) {
  MemorySource src;
  for (int i = 0; i < 10000; ++i) {
    const std::string host = "host-" + std::to_string(i);
    src.Add("used", {{"host", host}, {"dc", std::to_string(i % 10)}}, {{kT, double(i)}});
    src.Add("total", {{"host", host}, {"dc", std::to_string(i % 10)}}, {{kT, 10000.0}});
  }
  EXPECT_EQ(Vec(src, "used / on(host) total > 0.9999").size(), 0u);
  EXPECT_EQ(Vec(src, "used / total >= 0.9").size(), 1000u);
  EXPECT_EQ(Vec(src, "count by (dc) (used / ignoring(x) total)").size(), 10u);
}

}  // namespace
}  // namespace scout::collector::promql
