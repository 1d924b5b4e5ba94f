// QueryAggregated: the tier choice, and that rollups answer like raw data.
#include "collector/range_query.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "collector/storage/sqlite_storage.h"
#include "tests/common/test_dir.h"

namespace scout::collector {
namespace {

// Reads in tests are bounded by their fixtures, not by a budget.
ReadBudget& NoBudget() {
  static ReadBudget budget = ReadBudget::Unlimited();
  return budget;
}

constexpr int64_t kMinute = 60'000;
constexpr int64_t kDay0 = 1'764'201'600'000 - 9 * kDayMs;  // a UTC midnight, 2025-11-18

TEST(ChooseTier, ByRangeStepAndRawRetention) {
  const int64_t raw_from = kDay0 - 15 * kDayMs;
  // Short ranges inside raw retention: raw, whatever the step.
  EXPECT_EQ(ChooseTier(kDay0, kDay0 + kDayMs, kHourMs, raw_from), QueryTier::kRaw);
  EXPECT_EQ(ChooseTier(kDay0, kDay0 + 2 * kDayMs, kDayMs, raw_from), QueryTier::kRaw);
  // Steps that are not whole hours: raw.
  EXPECT_EQ(ChooseTier(kDay0, kDay0 + 7 * kDayMs, 5 * kMinute, raw_from), QueryTier::kRaw);
  EXPECT_EQ(ChooseTier(kDay0, kDay0 + 7 * kDayMs, 90 * kMinute, raw_from), QueryTier::kRaw);
  // Long ranges, or anything older than raw retention: rollups.
  EXPECT_EQ(ChooseTier(kDay0, kDay0 + 7 * kDayMs, kHourMs, raw_from), QueryTier::kHour);
  EXPECT_EQ(ChooseTier(kDay0, kDay0 + 7 * kDayMs, 6 * kHourMs, raw_from), QueryTier::kHour);
  EXPECT_EQ(ChooseTier(kDay0, kDay0 + 7 * kDayMs, kDayMs, raw_from), QueryTier::kDay);
  EXPECT_EQ(ChooseTier(raw_from - kDayMs, raw_from, kHourMs, raw_from), QueryTier::kHour);
}

class RangeQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteOptions options;
    options.path = dir_ / "scout.db";
    auto opened = SqliteStorage::Open(options, clock_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    storage_ = *std::move(opened);
  }

  // Per minute from `from` for `minutes`: a latency (log-normal-ish,
  // deterministic), a gauge, and a counter that resets once a day.
  void WriteMinutes(int64_t from, int minutes) {
    WriteBatch b;
    b.agent_id = "web-1";
    SeriesPoints latency{{"http_request_duration_seconds", MakeLabels({{"host", "web-1"}})}, {}};
    SeriesPoints gauge{{"node_load1", MakeLabels({{"host", "web-1"}})}, {}};
    SeriesPoints counter{{"http_requests_total", MakeLabels({{"host", "web-1"}})}, {}};
    for (int i = 0; i < minutes; ++i) {
      const int64_t t = from + i * kMinute;
      const int64_t m = t / kMinute;
      latency.points.push_back({t, 0.05 * std::exp(std::sin(m * 0.7) + std::cos(m * 0.13))});
      gauge.points.push_back({t, 2 + std::sin(m / 30.0)});
      // Resets at 00:00:30 UTC: just after the first sample of a day.
      counter.points.push_back({t, static_cast<double>((m % 1440) * 7 + (m % 1440 ? 3 : 0))});
    }
    b.series = {latency, gauge, counter};
    ASSERT_TRUE(storage_->Write({&b}).ok());
  }

  Limited<SeriesPoints> Query(const std::string& sel, int64_t start, int64_t end, int64_t step,
                              Aggregation agg) {
    auto compiled = CompiledSelector::Compile(*ParseSelector(sel));
    auto r = QueryAggregated(*storage_, *compiled, start, end, step, agg, 100, NoBudget());
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : Limited<SeriesPoints>{};
  }

  // The same buckets straight from raw points.
  std::vector<Point> RawAnswer(const std::string& sel, int64_t start, int64_t end, int64_t step,
                               Aggregation agg) {
    auto compiled = CompiledSelector::Compile(*ParseSelector(sel));
    auto raw = storage_->ReadRange(*compiled, start - step, end, 10, NoBudget());
    EXPECT_TRUE(raw.ok() && raw->items.size() == 1u);
    return AggregateBuckets(raw->items[0].points, start, end, step, agg);
  }

  void ExpectAgree(const std::string& sel, int64_t start, int64_t end, int64_t step,
                   Aggregation agg, const std::vector<Point>& want) {
    auto got = Query(sel, start, end, step, agg);
    ASSERT_EQ(got.items.size(), 1u);
    const auto& points = got.items[0].points;
    ASSERT_EQ(points.size(), want.size()) << sel << " agg " << static_cast<int>(agg);
    const bool percentile =
        agg == Aggregation::kP50 || agg == Aggregation::kP95 || agg == Aggregation::kP99;
    for (size_t i = 0; i < points.size(); ++i) {
      EXPECT_EQ(points[i].timestamp_ms, want[i].timestamp_ms);
      const double tolerance = percentile ? 0.0101 * std::fabs(want[i].value)
                                          : 1e-9 * std::max(1.0, std::fabs(want[i].value));
      EXPECT_NEAR(points[i].value, want[i].value, tolerance)
          << sel << " agg " << static_cast<int>(agg) << " bucket " << i;
    }
  }

  ManualClock clock_{kDay0 + 8 * kDayMs};
  scout::testing::TestDir dir_{"scout-range"};
  std::unique_ptr<SqliteStorage> storage_;
};

TEST_F(RangeQueryTest, RollupsAnswerLikeRawForEveryAggregation) {
  WriteMinutes(kDay0, 8 * 1440);
  ASSERT_TRUE(storage_->FlushAll().ok());
  const int64_t start = kDay0 + kDayMs, end = kDay0 + 8 * kDayMs;  // 7 days
  ASSERT_EQ(ChooseTier(start, end, kHourMs, storage_->Coverage().raw_complete_from_ms),
            QueryTier::kHour);
  for (Aggregation agg : {Aggregation::kAvg, Aggregation::kMin, Aggregation::kMax,
                          Aggregation::kSum, Aggregation::kCount, Aggregation::kLast,
                          Aggregation::kRate}) {
    for (const char* sel : {"node_load1", "http_requests_total"}) {
      // RATE of a gauge counts every dip as a reset: meaningless, and not
      // the same from rows.
      if (agg == Aggregation::kRate && std::string(sel) == "node_load1") continue;
      for (int64_t step : {kHourMs, 6 * kHourMs, kDayMs}) {
        SCOPED_TRACE(std::string(sel) + " step " + std::to_string(step));
        ExpectAgree(sel, start, end, step, agg, RawAnswer(sel, start, end, step, agg));
      }
    }
  }
  for (Aggregation agg : {Aggregation::kP50, Aggregation::kP95, Aggregation::kP99}) {
    for (int64_t step : {kHourMs, kDayMs}) {
      const char* sel = "http_request_duration_seconds";
      ExpectAgree(sel, start, end, step, agg, RawAnswer(sel, start, end, step, agg));
    }
  }
}

TEST_F(RangeQueryTest, RecentDataNotYetInRollupsComesFromRaw) {
  WriteMinutes(kDay0, 7 * 1440);
  ASSERT_TRUE(storage_->FlushAll().ok());
  WriteMinutes(kDay0 + 7 * kDayMs, 1440);  // the last day only in memory
  const int64_t start = kDay0 + kDayMs, end = kDay0 + 8 * kDayMs;
  for (Aggregation agg : {Aggregation::kCount, Aggregation::kSum, Aggregation::kRate}) {
    ExpectAgree("http_requests_total", start, end, kHourMs, agg,
                RawAnswer("http_requests_total", start, end, kHourMs, agg));
  }
  // Percentiles of a series without sketches: raw wherever raw has data.
  ExpectAgree("node_load1", start, end, kHourMs, Aggregation::kP95,
              RawAnswer("node_load1", start, end, kHourMs, Aggregation::kP95));
}

TEST_F(RangeQueryTest, OlderThanRawRetentionIsAnsweredFromRollups) {
  WriteMinutes(kDay0, 3 * 1440);
  ASSERT_TRUE(storage_->FlushAll().ok());
  const int64_t start = kDay0, end = kDay0 + 3 * kDayMs;
  const auto before = Query("node_load1", start, end, kHourMs, Aggregation::kMax);
  ASSERT_EQ(before.items.size(), 1u);
  ASSERT_EQ(before.items[0].points.size(), 72u);
  clock_.SetMs(kDay0 + 20 * kDayMs);
  while (true) {
    auto deleted = storage_->DeleteExpired();
    ASSERT_TRUE(deleted.ok());
    if (*deleted == 0) break;
  }
  auto compiled = CompiledSelector::Compile(*ParseSelector("node_load1"));
  EXPECT_TRUE(storage_->ReadRange(*compiled, start, end, 10, NoBudget())->items[0].points.empty());
  // Even a short range at a 1 h step: raw has nothing there any more.
  const auto after = Query("node_load1", start, end, kHourMs, Aggregation::kMax);
  ASSERT_EQ(after.items.size(), 1u);
  EXPECT_EQ(after.items[0].points, before.items[0].points);
  EXPECT_EQ(Query("node_load1", start, start + kDayMs, kDayMs, Aggregation::kCount)
                .items[0].points,
            (std::vector<Point>{{start, 1440}}));
}

// The hostile query: 15 days at a 3,600,001 ms step (not whole
// hours, so raw) over many series with a series limit of 2^32 - 1.
class HostileRangeTest : public ::testing::Test {
 protected:
  static constexpr int kSeries = 200;
  static constexpr int64_t kStep = 60'000;
  static constexpr int kDays = 15;

  void SetUp() override {
    SqliteOptions options;
    options.path = dir_ / "scout.db";
    options.raw_retention = std::chrono::hours(24 * 30);
    auto opened = SqliteStorage::Open(options, clock_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    storage_ = *std::move(opened);
    // A day per commit, flushed into chunks: 200 x 21,600 = 4.32M points,
    // 66 MiB as raw Points.
    for (int day = 0; day < kDays; ++day) {
      WriteBatch b;
      b.agent_id = "bomb";
      for (int s = 0; s < kSeries; ++s) {
        SeriesPoints series{{"bomb_gauge", MakeLabels({{"i", std::to_string(s)}})}, {}};
        for (int64_t t = 0; t < kDayMs; t += kStep) {
          series.points.push_back({start_ + day * kDayMs + t, static_cast<double>(s + t % 7)});
        }
        b.series.push_back(std::move(series));
      }
      ASSERT_TRUE(storage_->Write({&b}).ok());
      ASSERT_TRUE(storage_->FlushAll().ok());
    }
  }

  // Resident set (VmRSS) and its peak since the last ResetPeak (VmHWM), bytes.
  static int64_t Status(const std::string& field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1)) * 1024;
    }
    return -1;
  }
  static bool ResetPeak() {
    std::ofstream out("/proc/self/clear_refs");
    out << "5";
    return static_cast<bool>(out);
  }

  absl::StatusOr<Limited<SeriesPoints>> Hostile(ReadBudget& budget) {
    auto all = CompiledSelector::Compile(*ParseSelector("bomb_gauge"));
    return QueryAggregated(*storage_, *all, start_, start_ + kDays * kDayMs, 3'600'001,
                           Aggregation::kAvg, 4'294'967'295u, budget);
  }

  const int64_t start_ = kDay0 - 14 * kDayMs;
  ManualClock clock_{kDay0 + kDayMs};
  scout::testing::TestDir dir_{"scout-hostile"};
  std::unique_ptr<SqliteStorage> storage_;
};

TEST_F(HostileRangeTest, StopsAtTheSampleCapWellWithinTheDeadline) {
  const auto t0 = std::chrono::steady_clock::now();
  ReadBudget budget(absl::Now() + absl::Seconds(30), 1'000'000);
  auto r = Hostile(budget);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted) << r.status();
  EXPECT_NE(r.status().message().find("query.max_samples (1000000)"), std::string::npos);
  EXPECT_EQ(budget.refusal(), QueryRefusal::kSamples);
  EXPECT_LE(budget.samples(), 1'000'000 + 1024);  // stopped at the chunk that crossed it
  EXPECT_LT(seconds, 10.0);
  std::printf("hostile query refused after %.3f s, %lld samples read\n", seconds,
              static_cast<long long>(budget.samples()));
}

TEST_F(HostileRangeTest, AggregatesPerSeriesWhileReading) {
  // Under the default cap (20M) the whole query runs: 4.32M points read,
  // but at most one series' raw points are held at a time.
  ReadBudget budget(absl::Now() + absl::Seconds(30), 20'000'000);
  malloc_trim(0);  // the set-up's freed batches must not hide the growth
  const int64_t before = Status("VmRSS");
  const bool peak = ResetPeak();
  const auto t0 = std::chrono::steady_clock::now();
  auto r = Hostile(budget);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r.ok()) << r.status();
  const int64_t growth = (peak ? Status("VmHWM") : Status("VmRSS")) - before;
  ASSERT_EQ(r->items.size(), static_cast<size_t>(kSeries));
  EXPECT_FALSE(r->truncated);
  EXPECT_EQ(budget.samples(), int64_t{kSeries} * kDays * (kDayMs / kStep));
  // 15 days in 3,600,001 ms buckets: 360 (+1 for the misaligned edge).
  EXPECT_GE(r->items[0].points.size(), 360u);
  EXPECT_LE(r->items[0].points.size(), 361u);
  EXPECT_LT(growth, int64_t{64} << 20);
  std::printf("hostile query: %.3f s, %lld samples, RSS growth %.1f MiB (%s)\n", seconds,
              static_cast<long long>(budget.samples()), static_cast<double>(growth) / (1 << 20),
              peak ? "peak, VmHWM" : "VmRSS after");

  // For comparison (printed, not asserted): every raw point in memory at
  // once, what QueryRange did before.
  malloc_trim(0);
  const int64_t before_all = Status("VmRSS");
  ResetPeak();
  auto all = storage_->ReadRange(*CompiledSelector::Compile(*ParseSelector("bomb_gauge")), start_,
                                 start_ + kDays * kDayMs, 4'294'967'295u, NoBudget());
  ASSERT_TRUE(all.ok());
  std::printf("the same range read whole: RSS growth %.1f MiB\n",
              static_cast<double>((peak ? Status("VmHWM") : Status("VmRSS")) - before_all) /
                  (1 << 20));
}

}  // namespace
}  // namespace scout::collector
