// StorageReportSource on a real SqliteStorage: exact windows that are not
// bucket-aligned, the RATE base before the window, sampling at instants,
// snapshots with their own timestamps, alert transitions by window.
#include "collector/reports/storage_report_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "collector/storage/sqlite_alert_store.h"
#include "collector/storage/sqlite_storage.h"
#include "shared/clock.h"
#include "tests/common/test_dir.h"

namespace scout::collector::reports {
namespace {

using ::testing::HasSubstr;

// 1.8e12: a 2027 timestamp, a multiple of a minute.
constexpr int64_t kT0 = 1'800'000'000'000 - 1'800'000'000'000 % 60'000;

class StorageReportSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteOptions options;
    options.path = dir_ / "scout.db";
    options.synchronous_full = false;
    auto storage = SqliteStorage::Open(options, clock_);
    ASSERT_TRUE(storage.ok()) << storage.status();
    storage_ = std::move(*storage);
    auto alerts = SqliteAlertStore::Open(options.path);
    ASSERT_TRUE(alerts.ok());
    alerts_ = std::move(*alerts);
    // g: 1, 2, ..., 10 at kT0 + 0, 60 s, ...; c: a counter +10 a minute
    // that resets after the 6th point.
    WriteBatch batch{"a", kT0, {}};
    SeriesPoints g{{"g", MakeLabels({{"host", "a"}})}, {}};
    SeriesPoints c{{"c_total", MakeLabels({{"host", "a"}})}, {}};
    for (int i = 0; i < 10; ++i) {
      g.points.push_back({kT0 + i * 60'000, static_cast<double>(i + 1)});
      c.points.push_back({kT0 + i * 60'000, i < 6 ? 10.0 * i : 10.0 * (i - 6)});
    }
    batch.series = {g, c};
    ASSERT_TRUE(storage_->Write({&batch}).ok());
  }

  testing::TestDir dir_{"report-source"};
  ManualClock clock_{kT0 + 3'600'000};
  std::unique_ptr<SqliteStorage> storage_;
  std::unique_ptr<SqliteAlertStore> alerts_;
};

TEST_F(StorageReportSourceTest, SummarizeIsExactOverTheWindow) {
  StorageReportSource source(*storage_, alerts_.get());
  // [kT0 + 90 s, kT0 + 330 s): points 3 (at 120 s) .. 6 (at 300 s).
  auto avg = source.Summarize("g", kT0 + 90'000, kT0 + 330'000, Aggregation::kAvg);
  ASSERT_TRUE(avg.ok()) << avg.status();
  ASSERT_EQ(avg->size(), 1u);
  EXPECT_EQ((*avg)[0].points[0].timestamp_ms, kT0 + 90'000);
  EXPECT_DOUBLE_EQ((*avg)[0].points[0].value, (3 + 4 + 5 + 6) / 4.0);
  auto p50 = source.Summarize("g", kT0 + 90'000, kT0 + 330'000, Aggregation::kP50);
  EXPECT_DOUBLE_EQ((*p50)[0].points[0].value, 4.5);
  // RATE from the point before the window (at 60 s, value 10) to the one
  // at 540 s, across the reset: +10 x 4 to 50, then 0, 10, 20, 30 = 70 in 480 s.
  auto rate = source.Summarize("c_total", kT0 + 90'000, kT0 + 600'000, Aggregation::kRate);
  ASSERT_TRUE(rate.ok());
  EXPECT_DOUBLE_EQ((*rate)[0].points[0].value, 70.0 / 480.0);
  auto none = source.Summarize("g", kT0 + 700'000, kT0 + 800'000, Aggregation::kAvg);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(StorageReportSourceTest, SampleAtAndLatest) {
  StorageReportSource source(*storage_, alerts_.get());
  // At kT0 + 120 s exactly (inclusive), between points, and too late for
  // a 5-minute lookback.
  auto s = source.SampleAt("g", {kT0 + 120'000, kT0 + 150'000, kT0 + 1'000'000}, 300'000);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->size(), 1u);
  ASSERT_EQ((*s)[0].points.size(), 2u);
  EXPECT_EQ((*s)[0].points[0], (Point{kT0 + 120'000, 3}));
  EXPECT_EQ((*s)[0].points[1], (Point{kT0 + 150'000, 3}));
  auto latest = source.Latest("g", kT0 + 150'000, 300'000);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ((*latest)[0].points, (std::vector<Point>{{kT0 + 120'000, 3}}));
}

TEST_F(StorageReportSourceTest, RangeAndBadSelector) {
  StorageReportSource source(*storage_, alerts_.get());
  auto r = source.Range("g", kT0, kT0 + 600'000, 300'000, Aggregation::kMax);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].points, (std::vector<Point>{{kT0, 5}, {kT0 + 300'000, 10}}));
  auto bad = source.Range("g{host=~\"(\"}", kT0, kT0 + 1, 1, Aggregation::kMax);
  ASSERT_FALSE(bad.ok());
  auto unparsable = source.Summarize("g{", kT0, kT0 + 1, Aggregation::kMax);
  ASSERT_FALSE(unparsable.ok());
  EXPECT_THAT(std::string(unparsable.status().message()), HasSubstr("\"g{\""));
}

TEST_F(StorageReportSourceTest, WindowedReadsEqualDirectReads) {
  StorageReportSource direct(*storage_, alerts_.get());
  StorageReportSource shared(*storage_, alerts_.get());
  std::unique_ptr<ReportSource> windowed = shared.ForWindow(kT0 - 600'000, kT0 + 600'000);
  ASSERT_NE(windowed, nullptr);
  ReportSource& cached = *windowed;
  for (int64_t from : {kT0, kT0 + 90'000, kT0 + 300'000}) {
    for (const char* selector : {"g", "c_total", "{host=\"a\"}"}) {
      for (Aggregation agg : {Aggregation::kAvg, Aggregation::kRate, Aggregation::kP95}) {
        auto a = direct.Summarize(selector, from, from + 240'000, agg);
        auto b = cached.Summarize(selector, from, from + 240'000, agg);
        ASSERT_TRUE(a.ok() && b.ok());
        ASSERT_EQ(a->size(), b->size());
        for (size_t i = 0; i < a->size(); ++i) EXPECT_EQ((*a)[i].points, (*b)[i].points);
      }
      auto ra = direct.Range(selector, from, from + 240'000, 120'000, Aggregation::kMax);
      auto rb = cached.Range(selector, from, from + 240'000, 120'000, Aggregation::kMax);
      ASSERT_TRUE(ra.ok() && rb.ok());
      ASSERT_EQ(ra->size(), rb->size());
      for (size_t i = 0; i < ra->size(); ++i) EXPECT_EQ((*ra)[i].points, (*rb)[i].points);
    }
  }
  // Outside the window: read directly, still right.
  auto late = cached.Summarize("g", kT0 + 500'000, kT0 + 700'000, Aggregation::kAvg);
  ASSERT_TRUE(late.ok());
  EXPECT_DOUBLE_EQ((*late)[0].points[0].value, 10);  // the point at 540 s
}

TEST_F(StorageReportSourceTest, AlertTransitionsInTheWindow) {
  using alerting::AlertTransition;
  const Labels l = MakeLabels({{"alertname", "A"}});
  ASSERT_TRUE(alerts_
                  ->Save({}, {},
                         {AlertTransition{kT0 - 1, "f", "A", l, "pending", "firing", 1},
                          AlertTransition{kT0, "f", "A", l, "firing", "resolved", 0},
                          AlertTransition{kT0 + 10, "f", "A", l, "pending", "firing", 1},
                          AlertTransition{kT0 + 20, "f", "A", l, "pending", "firing", 1}})
                  .ok());
  StorageReportSource source(*storage_, alerts_.get());
  auto t = source.AlertTransitions(kT0, kT0 + 20);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[0].at_ms, kT0);
  EXPECT_EQ((*t)[1].at_ms, kT0 + 10);
  StorageReportSource no_alerts(*storage_, nullptr);
  EXPECT_TRUE(no_alerts.AlertTransitions(kT0, kT0 + 20)->empty());
}

}  // namespace
}  // namespace scout::collector::reports
