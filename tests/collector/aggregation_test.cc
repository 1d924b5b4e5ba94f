#include "collector/aggregation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace scout::collector {
namespace {

// Independent reference: nearest values by brute force, no shared code.
double RefPercentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * (v.size() - 1);
  const double lower = v[static_cast<size_t>(pos)];
  const double upper = v[std::min(v.size() - 1, static_cast<size_t>(pos) + 1)];
  return lower + (upper - lower) * (pos - std::floor(pos));
}

std::vector<Point> RandomSeries(int n, int64_t start, int64_t every, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> value(0, 100);
  std::vector<Point> points;
  for (int i = 0; i < n; ++i) points.push_back({start + i * every, value(rng)});
  return points;
}

TEST(Aggregation, EveryAggregateMatchesAnIndependentComputation) {
  const int64_t start = 28'333'333LL * 60'000;  // a whole minute
  const auto points = RandomSeries(360, start, 10'000, 7);  // 1 h at 10 s
  const int64_t step = 60'000;
  struct Case {
    Aggregation agg;
    std::function<double(const std::vector<double>&)> ref;
  };
  const std::vector<Case> cases = {
      {Aggregation::kAvg, [](auto& v) { double s = 0; for (double x : v) s += x; return s / v.size(); }},
      {Aggregation::kSum, [](auto& v) { double s = 0; for (double x : v) s += x; return s; }},
      {Aggregation::kMin, [](auto& v) { return *std::min_element(v.begin(), v.end()); }},
      {Aggregation::kMax, [](auto& v) { return *std::max_element(v.begin(), v.end()); }},
      {Aggregation::kCount, [](auto& v) { return static_cast<double>(v.size()); }},
      {Aggregation::kLast, [](auto& v) { return v.back(); }},
      {Aggregation::kP50, [](auto& v) { return RefPercentile(v, 0.5); }},
      {Aggregation::kP95, [](auto& v) { return RefPercentile(v, 0.95); }},
      {Aggregation::kP99, [](auto& v) { return RefPercentile(v, 0.99); }},
  };
  for (const Case& c : cases) {
    auto out = AggregateBuckets(points, start, start + 3'600'000, step, c.agg);
    ASSERT_EQ(out.size(), 60u);
    for (size_t b = 0; b < out.size(); ++b) {
      EXPECT_EQ(out[b].timestamp_ms, start + static_cast<int64_t>(b) * step);
      std::vector<double> bucket;
      for (const Point& p : points) {
        if (p.timestamp_ms >= out[b].timestamp_ms && p.timestamp_ms < out[b].timestamp_ms + step) {
          bucket.push_back(p.value);
        }
      }
      ASSERT_EQ(bucket.size(), 6u);
      EXPECT_NEAR(out[b].value, c.ref(bucket), 1e-9) << "agg " << static_cast<int>(c.agg)
                                                     << " bucket " << b;
    }
  }
}

TEST(Aggregation, PercentileInterpolatesBetweenRanks) {
  std::vector<double> v = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
  EXPECT_DOUBLE_EQ(Percentile(v, 0.5), 55);
  EXPECT_DOUBLE_EQ(Percentile(v, 0.95), 95.5);
  EXPECT_DOUBLE_EQ(Percentile(v, 0.0), 10);
  EXPECT_DOUBLE_EQ(Percentile(v, 1.0), 100);
}

TEST(Aggregation, RateHandlesCounterResetAndUsesPreviousBucket) {
  // A counter growing 5/s, reset to 0 at t=40s then growing 5/s again.
  const int64_t t0 = 28'333'333LL * 60'000;
  std::vector<Point> points = {{t0, 100},          {t0 + 10'000, 150}, {t0 + 20'000, 200},
                               {t0 + 30'000, 250}, {t0 + 40'000, 20},  {t0 + 50'000, 70}};
  auto out = AggregateBuckets(points, t0, t0 + 60'000, 30'000, Aggregation::kRate);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_DOUBLE_EQ(out[0].value, 5.0);  // (200-100)/20s
  // Second bucket uses 200 @20s as base: +50, then reset counts 20, +50 = 120 over 30 s.
  EXPECT_DOUBLE_EQ(out[1].value, 4.0);
}

TEST(Aggregation, RateUsesPointBeforeRangeAsBase) {
  const int64_t t0 = 28'333'333LL * 60'000;
  std::vector<Point> points = {{t0 - 10'000, 0}, {t0 + 10'000, 40}};
  auto out = AggregateBuckets(points, t0, t0 + 60'000, 60'000, Aggregation::kRate);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_DOUBLE_EQ(out[0].value, 2.0);
}

TEST(Aggregation, BucketsAreEpochAlignedAndFirstMayBePartial) {
  const int64_t minute = 28'333'333LL * 60'000;
  // Start 25 s into a minute: the first bucket is that minute, partial.
  std::vector<Point> points = {{minute + 20'000, 100}, {minute + 30'000, 1}, {minute + 50'000, 3},
                               {minute + 70'000, 10}};
  auto out = AggregateBuckets(points, minute + 25'000, minute + 120'000, 60'000, Aggregation::kAvg);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].timestamp_ms, minute);
  EXPECT_DOUBLE_EQ(out[0].value, 2.0);  // the point at +20 s is before start
  EXPECT_EQ(out[1].timestamp_ms, minute + 60'000);
  EXPECT_DOUBLE_EQ(out[1].value, 10.0);
}

TEST(Aggregation, EmptyBucketsAreSkippedAndEndIsExclusive) {
  const int64_t t0 = 28'333'333LL * 60'000;
  std::vector<Point> points = {{t0, 1}, {t0 + 50'000, 2}, {t0 + 60'000, 3}};
  auto out = AggregateBuckets(points, t0, t0 + 60'000, 10'000, Aggregation::kAvg);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].timestamp_ms, t0 + 50'000);
  EXPECT_EQ(out[1].value, 2);
}

TEST(Aggregation, ParseNames) {
  EXPECT_EQ(*ParseAggregation("p95"), Aggregation::kP95);
  EXPECT_FALSE(ParseAggregation("median").ok());
}

}  // namespace
}  // namespace scout::collector
