#include "collector/storage/quantile_sketch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "collector/aggregation.h"

namespace scout::collector {
namespace {

// Allowed relative error: the sketch's 1 % plus floating-point slack at
// bucket boundaries.
constexpr double kTolerance = QuantileSketch::kRelativeAccuracy * 1.0001;

void ExpectWithinRelative(double got, double want, const std::string& what) {
  EXPECT_LE(std::fabs(got - want), kTolerance * std::fabs(want) + 1e-12)
      << what << ": got " << got << " want " << want;
}

TEST(QuantileSketch, PercentilesWithinOnePercentOfExact) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> latency(std::log(0.120), 0.8);  // ~120 ms median
  std::exponential_distribution<double> exponential(20.0);
  std::uniform_real_distribution<double> uniform(0.001, 5.0);
  for (int dist = 0; dist < 3; ++dist) {
    for (int n : {1, 2, 7, 100, 5000}) {
      std::vector<double> values;
      QuantileSketch sketch;
      for (int i = 0; i < n; ++i) {
        const double v = dist == 0 ? latency(rng) : dist == 1 ? exponential(rng) : uniform(rng);
        values.push_back(v);
        sketch.Add(v);
      }
      for (double q : {0.0, 0.5, 0.9, 0.95, 0.99, 1.0}) {
        std::vector<double> copy = values;
        ExpectWithinRelative(sketch.Quantile(q), Percentile(copy, q),
                             "dist " + std::to_string(dist) + " n " + std::to_string(n) +
                                 " q " + std::to_string(q));
      }
    }
  }
}

TEST(QuantileSketch, MergeEqualsSketchOfTheUnion) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> latency(std::log(0.05), 1.2);
  QuantileSketch whole, merged;
  std::vector<double> all;
  for (int part = 0; part < 24; ++part) {  // a day of hourly sketches
    QuantileSketch hour;
    for (int i = 0; i < 360; ++i) {
      const double v = latency(rng);
      hour.Add(v);
      whole.Add(v);
      all.push_back(v);
    }
    auto copy = QuantileSketch::Deserialize(hour.Serialize());  // as stored
    ASSERT_TRUE(copy.ok()) << copy.status();
    merged.Merge(*copy);
  }
  EXPECT_EQ(merged.count(), all.size());
  EXPECT_EQ(merged.Serialize(), whole.Serialize());
  for (double q : {0.5, 0.95, 0.99}) {
    std::vector<double> copy = all;
    ExpectWithinRelative(merged.Quantile(q), Percentile(copy, q), "q " + std::to_string(q));
  }
}

TEST(QuantileSketch, ZeroNegativeAndSingleValues) {
  QuantileSketch s;
  EXPECT_TRUE(std::isnan(s.Quantile(0.5)));
  for (double v : {-2.0, -1.0, 0.0, 0.0, 1.0, 3.0}) s.Add(v);
  EXPECT_DOUBLE_EQ(s.Quantile(0), -2.0);  // min and max are exact
  EXPECT_DOUBLE_EQ(s.Quantile(1), 3.0);
  EXPECT_EQ(s.Quantile(0.5), 0.0);  // between the two zeros
  ExpectWithinRelative(s.Quantile(0.2), -1.0, "negative");
  QuantileSketch one;
  one.Add(0.25);
  EXPECT_DOUBLE_EQ(one.Quantile(0.99), 0.25);
}

TEST(QuantileSketch, SerialisedFormIsCompactAndValidated) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> latency(std::log(0.2), 0.5);
  QuantileSketch s;
  for (int i = 0; i < 360; ++i) s.Add(latency(rng));  // an hour at 10 s
  const std::string blob = s.Serialize();
  EXPECT_LT(blob.size(), 400u);  // vs 360 x 8 bytes of raw values
  auto back = QuantileSketch::Deserialize(blob);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->Serialize(), blob);
  EXPECT_FALSE(QuantileSketch::Deserialize("").ok());
  EXPECT_FALSE(QuantileSketch::Deserialize(blob.substr(0, blob.size() - 1)).ok());
  EXPECT_FALSE(QuantileSketch::Deserialize(blob + "x").ok());
}

}  // namespace
}  // namespace scout::collector
