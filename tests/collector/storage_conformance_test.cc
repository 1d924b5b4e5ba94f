// The behaviour every Storage implementation must have. Today only SQLite
// runs it; the PostgreSQL implementation will be added to kFactories.
#include <gtest/gtest.h>

#include "tests/common/test_dir.h"
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <thread>

#include "absl/synchronization/notification.h"

#include "collector/aggregation.h"
#include "collector/storage/quantile_sketch.h"
#include "collector/storage/sqlite_db.h"
#include "collector/storage/sqlite_storage.h"

namespace scout::collector {
namespace {

// Reads in tests are bounded by their fixtures, not by a budget.
ReadBudget& NoBudget() {
  static ReadBudget budget = ReadBudget::Unlimited();
  return budget;
}

constexpr int64_t kT0 = 1'764'200'000'000;  // 2025-11-27
constexpr int64_t kDay0 = kT0 / kDayMs * kDayMs;  // that day's UTC midnight

// A latency series (gets sketches) and a gauge, `n` points every 10 s.
WriteBatch LatencyBatch(int64_t from, int n, double base) {
  WriteBatch b;
  b.agent_id = "web-1";
  b.received_ms = from;
  for (const char* metric : {"http_request_duration_seconds", "node_load1"}) {
    SeriesPoints s{{metric, MakeLabels({{"host", "web-1"}})}, {}};
    for (int i = 0; i < n; ++i) {
      s.points.push_back({from + i * 10'000, base + std::fmod(i * 0.37, 1.0) + i * 1e-4});
    }
    b.series.push_back(std::move(s));
  }
  return b;
}

class StorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Reopen();
  }
  void TearDown() override {
    storage_.reset();
  }
  // Small thresholds so Maintain() really moves data into chunks.
  void Reopen() {
    storage_.reset();
    SqliteOptions options;
    options.path = dir_ / "scout.db";
    options.max_head_points = 1000;
    options.max_chunk_points = 64;
    options.series_per_flush_slice = 3;
    options.housekeeping_rows = housekeeping_rows_;
    options.maintenance_budget = maintenance_budget_;
    options.raw_retention = raw_retention_;
    options.hour_retention = hour_retention_;
    options.day_retention = day_retention_;
    auto opened = SqliteStorage::Open(options, clock_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    storage_ = *std::move(opened);
  }
  void FlushEverything() {
    ASSERT_TRUE(storage_->FlushAll().ok());
    ASSERT_EQ(storage_->head_points(), 0u);
  }

  static WriteBatch Batch(const std::string& host, int64_t from, int n, double base) {
    WriteBatch b;
    b.agent_id = host;
    b.received_ms = from;
    for (const char* metric : {"node_load1", "node_memory_used_ratio"}) {
      SeriesPoints s{{metric, MakeLabels({{"host", host}})}, {}};
      for (int i = 0; i < n; ++i) s.points.push_back({from + i * 10'000, base + i});
      b.series.push_back(std::move(s));
    }
    return b;
  }
  absl::Status Write(const WriteBatch& b) { return storage_->Write({&b}); }

  std::vector<Point> Read(const std::string& selector_text, int64_t start, int64_t end) {
    auto sel = CompiledSelector::Compile(*ParseSelector(selector_text));
    auto r = storage_->ReadRange(*sel, start, end, 100, NoBudget());
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok() || r->items.empty()) return {};
    EXPECT_EQ(r->items.size(), 1u);
    return r->items[0].points;
  }

  std::vector<RollupRow> Rollups(const std::string& selector_text, RollupTier tier, int64_t start,
                                 int64_t end) {
    auto sel = CompiledSelector::Compile(*ParseSelector(selector_text));
    auto r = storage_->ReadRollups(*sel, tier, start, end, 100, NoBudget());
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok() || r->items.empty()) return {};
    EXPECT_EQ(r->items.size(), 1u);
    return r->items[0].rows;
  }

  // Rollup rows computed from raw points, the reference for the storage's.
  static std::vector<RollupRow> Expected(const std::vector<Point>& points, int64_t width) {
    std::vector<RollupRow> rows;
    for (const Point& p : points) {
      const int64_t b = p.timestamp_ms / width * width;
      if (rows.empty() || rows.back().bucket_start_ms != b) {
        rows.push_back({});
        rows.back().bucket_start_ms = b;
        rows.back().min = rows.back().max = p.value;
      }
      RollupRow& r = rows.back();
      r.min = std::min(r.min, p.value);
      r.max = std::max(r.max, p.value);
      r.sum += p.value;
      ++r.count;
      r.last = p.value;
      r.last_ms = p.timestamp_ms;
    }
    return rows;
  }

  static void ExpectSameRows(const std::vector<RollupRow>& got, const std::vector<RollupRow>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].bucket_start_ms, want[i].bucket_start_ms) << i;
      EXPECT_EQ(got[i].count, want[i].count) << i;
      EXPECT_DOUBLE_EQ(got[i].min, want[i].min) << i;
      EXPECT_DOUBLE_EQ(got[i].max, want[i].max) << i;
      EXPECT_NEAR(got[i].sum, want[i].sum, 1e-9 * std::fabs(want[i].sum)) << i;
      EXPECT_DOUBLE_EQ(got[i].last, want[i].last) << i;
      EXPECT_EQ(got[i].last_ms, want[i].last_ms) << i;
    }
  }

  size_t housekeeping_rows_ = 500;
  std::chrono::milliseconds maintenance_budget_{30};
  std::chrono::milliseconds raw_retention_ = std::chrono::hours(24 * 15);
  std::chrono::milliseconds hour_retention_ = std::chrono::hours(24 * 90);
  std::chrono::milliseconds day_retention_ = std::chrono::hours(24 * 730);
  ManualClock clock_{kT0};
  scout::testing::TestDir dir_{"scout-storage"};
  std::unique_ptr<SqliteStorage> storage_;
};

TEST_F(StorageTest, WriteThenReadRangeRoundTrips) {
  ASSERT_TRUE(Write(Batch("web-1", kT0, 10, 1.0)).ok());
  auto points = Read(R"(node_load1{host="web-1"})", kT0 + 20'000, kT0 + 50'000);
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(points[0].timestamp_ms, kT0 + 20'000);
  EXPECT_EQ(points[0].value, 3.0);
  EXPECT_EQ(points[2].value, 5.0);
}

TEST_F(StorageTest, ReplayedBatchIsStoredOnce) {
  const WriteBatch b = Batch("web-1", kT0, 10, 1.0);
  ASSERT_TRUE(Write(b).ok());
  ASSERT_TRUE(Write(b).ok());
  EXPECT_EQ(Read("node_load1", kT0, kT0 + 1'000'000).size(), 10u);
  FlushEverything();
  ASSERT_TRUE(Write(b).ok());  // replay after the first copy is in chunks
  EXPECT_EQ(Read("node_load1", kT0, kT0 + 1'000'000).size(), 10u);
  FlushEverything();
  Reopen();
  EXPECT_EQ(Read("node_load1", kT0, kT0 + 1'000'000).size(), 10u);
}

TEST_F(StorageTest, SameTimestampNewValueLastWriteWins) {
  ASSERT_TRUE(Write(Batch("web-1", kT0, 3, 1.0)).ok());
  FlushEverything();
  ASSERT_TRUE(Write(Batch("web-1", kT0 + 10'000, 1, 99.0)).ok());  // rewrites the 2nd point
  auto points = Read("node_load1", kT0, kT0 + 1'000'000);
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(points[1].value, 99.0);
  Reopen();
  EXPECT_EQ(Read("node_load1", kT0, kT0 + 1'000'000)[1].value, 99.0);
}

TEST_F(StorageTest, AcknowledgedDataSurvivesReopenBeforeAndAfterChunking) {
  ASSERT_TRUE(Write(Batch("web-1", kT0, 5, 1.0)).ok());
  Reopen();  // only in the log
  EXPECT_EQ(Read("node_load1", kT0, kT0 + 1'000'000).size(), 5u);
  FlushEverything();
  ASSERT_TRUE(Write(Batch("web-1", kT0 + 50'000, 5, 6.0)).ok());
  Reopen();  // half in chunks, half in the log
  auto points = Read("node_load1", kT0, kT0 + 1'000'000);
  ASSERT_EQ(points.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(points[i].value, 1.0 + i);
}

TEST_F(StorageTest, ListSeriesFiltersSortsAndTruncates) {
  for (const char* host : {"web-2", "web-1", "db-1"}) ASSERT_TRUE(Write(Batch(host, kT0, 1, 0)).ok());
  auto all = storage_->ListSeries(*CompiledSelector::Compile({}), 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->items.size(), 6u);
  auto web = storage_->ListSeries(
      *CompiledSelector::Compile(*ParseSelector(R"(node_load1{host=~"web-.*"})")), 100);
  ASSERT_EQ(web->items.size(), 2u);
  EXPECT_EQ(LabelValue(web->items[0].labels, "host"), "web-1");
  auto limited = storage_->ListSeries(*CompiledSelector::Compile({}), 4);
  EXPECT_EQ(limited->items.size(), 4u);
  EXPECT_TRUE(limited->truncated);
}

TEST_F(StorageTest, GaugesCountSeriesAndWhatMaintainHasNotMovedYet) {
  EXPECT_EQ(storage_->Gauges().series, 0);
  EXPECT_EQ(storage_->Gauges().buffered_points, 0);
  for (const char* host : {"web-1", "db-1"}) ASSERT_TRUE(Write(Batch(host, kT0, 5, 0)).ok());
  const StorageGauges written = storage_->Gauges();
  EXPECT_EQ(written.series, 4);
  EXPECT_GE(written.buffered_points, 0);
  EXPECT_LE(written.buffered_points, 20);
  FlushEverything();
  EXPECT_EQ(storage_->Gauges().buffered_points, 0);
  Reopen();
  EXPECT_EQ(storage_->Gauges().series, 4);
}

TEST_F(StorageTest, LatestIsNewestByTimestampAcrossRestarts) {
  ASSERT_TRUE(Write(Batch("web-1", kT0 + 100'000, 1, 7.0)).ok());
  ASSERT_TRUE(Write(Batch("web-1", kT0, 1, 3.0)).ok());  // late, older sample
  auto sel = *CompiledSelector::Compile(*ParseSelector("node_load1"));
  auto latest = storage_->Latest(sel, 10);
  ASSERT_EQ(latest->items.size(), 1u);
  EXPECT_EQ(latest->items[0].points[0].value, 7.0);
  FlushEverything();
  Reopen();
  latest = storage_->Latest(sel, 10);
  ASSERT_EQ(latest->items.size(), 1u);
  EXPECT_EQ(latest->items[0].points[0].value, 7.0);
}

TEST_F(StorageTest, AgentRecordKeepsFirstSeenAndWriteBumpsLastSeen) {
  AgentRecord a{"web-1", "web-1.local", "0.1.0", MakeLabels({{"env", "prod"}}), "inc-1", 10'000,
                kT0, kT0};
  ASSERT_TRUE(storage_->UpsertAgent(a).ok());
  a.first_seen_ms = a.last_seen_ms = kT0 + 5'000;
  a.incarnation_id = "inc-2";
  ASSERT_TRUE(storage_->UpsertAgent(a).ok());
  WriteBatch b = Batch("web-1", kT0, 1, 0);
  b.received_ms = kT0 + 9'000;
  ASSERT_TRUE(Write(b).ok());
  auto agents = storage_->ListAgents();
  ASSERT_EQ(agents->size(), 1u);
  EXPECT_EQ((*agents)[0].first_seen_ms, kT0);
  EXPECT_EQ((*agents)[0].last_seen_ms, kT0 + 9'000);
  EXPECT_EQ((*agents)[0].incarnation_id, "inc-2");
  EXPECT_EQ(LabelValue((*agents)[0].labels, "env"), "prod");
}

TEST_F(StorageTest, ReadersNeverSeeGapsOrDuplicatesWhileWritesAndChunkingRun) {
  std::atomic<bool> done{false};
  std::atomic<int> problems{0};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    auto sel = *CompiledSelector::Compile(*ParseSelector(R"(node_load1{host="web-1"})"));
    size_t seen = 0;
    while (!done) {
      auto r = storage_->ReadRange(sel, kT0, kT0 + 100'000'000, 10, NoBudget());
      if (!r.ok()) { ++problems; continue; }
      const auto& pts = r->items.empty() ? std::vector<Point>{} : r->items[0].points;
      // Points are written in order, so a read is always a gap-free prefix.
      for (size_t i = 0; i < pts.size(); ++i) {
        if (pts[i].timestamp_ms != kT0 + static_cast<int64_t>(i) * 10'000) ++problems;
      }
      if (pts.size() < seen) ++problems;
      seen = pts.size();
      ++reads;
    }
  });
  for (int i = 0; i < 400; ++i) {
    ASSERT_TRUE(Write(Batch("web-1", kT0 + i * 50'000, 5, i * 5.0)).ok());
    ASSERT_TRUE(storage_->Maintain().ok());
  }
  done = true;
  reader.join();
  EXPECT_EQ(problems.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(Read(R"(node_load1{host="web-1"})", kT0, kT0 + 100'000'000).size(), 2000u);
}

TEST_F(StorageTest, RollupsMatchRawAndLateDataMergesIntoItsBucket) {
  // 3 h from midnight in two writes (so two flushes), then a late sample
  // for the first hour and a rewrite... of nothing: the same key twice
  // within memory counts once.
  ASSERT_TRUE(Write(LatencyBatch(kDay0, 700, 0.1)).ok());
  FlushEverything();
  ASSERT_TRUE(Write(LatencyBatch(kDay0 + 7'000'000, 380, 0.2)).ok());
  WriteBatch late = LatencyBatch(kDay0 + 5, 1, 9.0);  // inside hour 0, between samples
  ASSERT_TRUE(Write(late).ok());
  ASSERT_TRUE(Write(late).ok());  // replayed before its flush: stored once
  FlushEverything();

  for (const char* sel : {"http_request_duration_seconds", "node_load1"}) {
    SCOPED_TRACE(sel);
    const std::vector<Point> raw = Read(sel, kDay0, kDay0 + kDayMs);
    ASSERT_EQ(raw.size(), 1081u);
    ExpectSameRows(Rollups(sel, RollupTier::kHour, kDay0, kDay0 + kDayMs), Expected(raw, kHourMs));
    ExpectSameRows(Rollups(sel, RollupTier::kDay, kDay0, kDay0 + kDayMs), Expected(raw, kDayMs));
  }
  // Sketches only for the latency series; p95 of the day within 1 %.
  auto day = Rollups("http_request_duration_seconds", RollupTier::kDay, kDay0, kDay0 + 1);
  ASSERT_EQ(day.size(), 1u);
  auto sketch = QuantileSketch::Deserialize(day[0].sketch);
  ASSERT_TRUE(sketch.ok()) << sketch.status();
  EXPECT_EQ(sketch->count(), 1081u);
  std::vector<double> values;
  for (const Point& p : Read("http_request_duration_seconds", kDay0, kDay0 + kDayMs)) {
    values.push_back(p.value);
  }
  const double exact = Percentile(values, 0.95);
  EXPECT_NEAR(sketch->Quantile(0.95), exact, 0.0101 * exact);
  EXPECT_TRUE(Rollups("node_load1", RollupTier::kDay, kDay0, kDay0 + 1)[0].sketch.empty());
  // Survives a restart (same durability as chunks).
  Reopen();
  EXPECT_EQ(Rollups("node_load1", RollupTier::kHour, kDay0, kDay0 + kDayMs).size(), 3u);
}

TEST_F(StorageTest, CoverageTracksWhatIsOnlyInMemory) {
  auto c = storage_->Coverage();
  EXPECT_EQ(c.rollup_complete_before_ms, INT64_MAX);
  EXPECT_EQ(c.rollup_complete_from_ms, INT64_MIN);
  EXPECT_EQ(c.raw_complete_from_ms, kT0 - 15 * kDayMs);
  ASSERT_TRUE(Write(LatencyBatch(kDay0 + 100'000, 5, 1)).ok());
  ASSERT_TRUE(Write(LatencyBatch(kDay0 + 50'000, 1, 1)).ok());
  EXPECT_EQ(storage_->Coverage().rollup_complete_before_ms, kDay0 + 50'000);
  FlushEverything();
  EXPECT_EQ(storage_->Coverage().rollup_complete_before_ms, INT64_MAX);
}

TEST_F(StorageTest, ReplayAfterAPartialFlushDoesNotCountSamplesTwice) {
  maintenance_budget_ = std::chrono::milliseconds(0);  // one slice per Maintain()
  Reopen();
  WriteBatch b;
  b.agent_id = "web-1";
  for (int s = 0; s < 8; ++s) {  // 8 series: 3 flush slices of 3
    SeriesPoints series{{"m", MakeLabels({{"s", std::to_string(s)}})}, {}};
    for (int i = 0; i < 10; ++i) series.points.push_back({kDay0 + i * 1000, double(i)});
    b.series.push_back(std::move(series));
  }
  ASSERT_TRUE(Write(b).ok());
  clock_.Advance(std::chrono::minutes(11));  // flush due
  ASSERT_TRUE(storage_->Maintain().ok());    // first slice only, then "crash"
  Reopen();
  FlushEverything();
  auto sel = *CompiledSelector::Compile(*ParseSelector("m"));
  auto rollups = storage_->ReadRollups(sel, RollupTier::kHour, kDay0, kDay0 + kDayMs, 100, NoBudget());
  ASSERT_TRUE(rollups.ok());
  ASSERT_EQ(rollups->items.size(), 8u);
  for (const SeriesRollups& s : rollups->items) {
    ASSERT_EQ(s.rows.size(), 1u) << SeriesKeyString(s.key);
    EXPECT_EQ(s.rows[0].count, 10) << SeriesKeyString(s.key);
    EXPECT_EQ(s.rows[0].sum, 45) << SeriesKeyString(s.key);
  }
  EXPECT_EQ(Read(R"(m{s="0"})", kDay0, kDay0 + kDayMs).size(), 10u);
}

TEST_F(StorageTest, RetentionDeletesEachTierInSmallTransactions) {
  housekeeping_rows_ = 3;
  Reopen();
  ASSERT_TRUE(Write(LatencyBatch(kDay0, 1000, 1)).ok());  // ~2.8 h, 16 chunks per series
  FlushEverything();
  auto expired_everything = [&] {
    size_t calls = 0;
    while (true) {
      auto deleted = storage_->DeleteExpired();
      EXPECT_TRUE(deleted.ok()) << deleted.status();
      if (!deleted.ok() || *deleted == 0) return calls;
      EXPECT_LE(*deleted, 3u);
      ++calls;
    }
  };
  EXPECT_EQ(expired_everything(), 0u);  // nothing is old yet
  clock_.SetMs(kDay0 + 16 * kDayMs);
  EXPECT_GT(expired_everything(), 5u);
  EXPECT_TRUE(Read("node_load1", kDay0, kDay0 + kDayMs).empty());
  EXPECT_EQ(Rollups("node_load1", RollupTier::kHour, kDay0, kDay0 + kDayMs).size(), 3u);
  clock_.SetMs(kDay0 + 92 * kDayMs);
  expired_everything();
  EXPECT_TRUE(Rollups("node_load1", RollupTier::kHour, kDay0, kDay0 + kDayMs).empty());
  EXPECT_EQ(Rollups("node_load1", RollupTier::kDay, kDay0, kDay0 + kDayMs).size(), 1u);
  clock_.SetMs(kDay0 + 732 * kDayMs);
  expired_everything();
  EXPECT_TRUE(Rollups("node_load1", RollupTier::kDay, kDay0, kDay0 + kDayMs).empty());
  // Maintain() does the same on its own, a bounded step per call.
  ASSERT_TRUE(Write(LatencyBatch(clock_.NowMs(), 10, 1)).ok());
  FlushEverything();
  clock_.Advance(std::chrono::hours(24 * 16));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(storage_->Maintain().ok());
  EXPECT_TRUE(Read("node_load1", 0, clock_.NowMs()).empty());
}

TEST_F(StorageTest, StatsCountEveryTier) {
  ASSERT_TRUE(Write(LatencyBatch(kDay0, 720, 1)).ok());  // 2 h
  FlushEverything();
  ASSERT_TRUE(Write(LatencyBatch(kDay0 + 7'200'000, 6, 1)).ok());  // in memory
  auto stats = storage_->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->series, 2);
  ASSERT_EQ(stats->tiers.size(), 4u);
  EXPECT_EQ(stats->tiers[0].tier, "raw");
  EXPECT_EQ(stats->tiers[0].points, 1440);
  EXPECT_EQ(stats->tiers[0].oldest_ms, kDay0);
  EXPECT_GT(stats->tiers[0].bytes, 0);
  EXPECT_EQ(stats->tiers[1].tier, "1h");
  EXPECT_EQ(stats->tiers[1].rows, 4);
  EXPECT_EQ(stats->tiers[1].points, 1440);
  EXPECT_EQ(stats->tiers[2].rows, 2);
  EXPECT_EQ(stats->tiers[2].retention_ms, 730 * kDayMs);
  EXPECT_EQ(stats->tiers[3].tier, "memory");
  EXPECT_EQ(stats->tiers[3].points, 12);
  EXPECT_GT(stats->file_bytes, 0);
}

TEST_F(StorageTest, ChunksFromBeforeRollupsAreBackFilled) {
  ASSERT_TRUE(Write(LatencyBatch(kDay0, 500, 1)).ok());
  FlushEverything();
  const auto want = Rollups("node_load1", RollupTier::kHour, kDay0, kDay0 + kDayMs);
  ASSERT_EQ(want.size(), 2u);
  storage_.reset();
  {
    // What migration 3 finds on a database written by an older collector.
    auto db = SqliteDb::Open(dir_ / "scout.db", /*read_only=*/false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("DELETE FROM rollup_1h; DELETE FROM rollup_1d;"
                            " UPDATE rollup_backfill SET done_chunk_id = 0,"
                            " upto_chunk_id = (SELECT MAX(id) FROM chunks)").ok());
  }
  Reopen();
  EXPECT_TRUE(storage_->backfill_pending());
  EXPECT_GT(storage_->Coverage().rollup_complete_from_ms, kDay0);
  while (storage_->backfill_pending()) ASSERT_TRUE(storage_->Maintain().ok());
  EXPECT_EQ(storage_->Coverage().rollup_complete_from_ms, INT64_MIN);
  ExpectSameRows(Rollups("node_load1", RollupTier::kHour, kDay0, kDay0 + kDayMs), want);
}

// The true counts, by scanning (what Stats() must equal without scanning).
struct Counted {
  int64_t rows = 0, points = 0;
};
Counted CountTable(const std::filesystem::path& path, const std::string& sql) {
  auto db = SqliteDb::Open(path, /*read_only=*/true);
  EXPECT_TRUE(db.ok());
  auto stmt = (*db)->Prepare(sql);
  EXPECT_TRUE(stmt.ok()) << stmt.status();
  auto row = stmt->Step();
  EXPECT_TRUE(row.ok() && *row);
  return {stmt->ColumnInt(0), stmt->ColumnInt(1)};
}

TEST_F(StorageTest, StatsCountersMatchTheTablesAfterFlushRetentionAndReopen) {
  raw_retention_ = std::chrono::hours(3);
  hour_retention_ = std::chrono::hours(6);
  Reopen();
  ASSERT_TRUE(Write(LatencyBatch(kDay0, 2000, 1)).ok());  // 5.5 h
  FlushEverything();
  const auto path = dir_ / "scout.db";
  auto check = [&](const char* when) {
    auto stats = storage_->Stats();
    ASSERT_TRUE(stats.ok()) << stats.status();
    const Counted raw = CountTable(path, "SELECT COUNT(*), COALESCE(SUM(point_count), 0) FROM chunks");
    const Counted h = CountTable(path, "SELECT COUNT(*), COALESCE(SUM(count), 0) FROM rollup_1h");
    const Counted d = CountTable(path, "SELECT COUNT(*), COALESCE(SUM(count), 0) FROM rollup_1d");
    EXPECT_EQ(stats->tiers[0].rows, raw.rows) << when;
    EXPECT_EQ(stats->tiers[0].points, raw.points) << when;
    EXPECT_EQ(stats->tiers[1].rows, h.rows) << when;
    EXPECT_EQ(stats->tiers[1].points, h.points) << when;
    EXPECT_EQ(stats->tiers[2].rows, d.rows) << when;
    EXPECT_EQ(stats->tiers[2].points, d.points) << when;
    // oldest: the start of the chunk that ends first (an index seek).
    const Counted raw_times = CountTable(
        path, "SELECT COALESCE((SELECT start_ms FROM chunks ORDER BY end_ms, id LIMIT 1), 0),"
              " COALESCE(MAX(end_ms), 0) FROM chunks");
    EXPECT_EQ(stats->tiers[0].oldest_ms, raw_times.rows) << when;
    EXPECT_EQ(stats->tiers[0].newest_ms, raw_times.points) << when;
  };
  check("after flush");
  // A late sample merges into an existing hour row: points grow, rows not.
  ASSERT_TRUE(Write(LatencyBatch(kDay0 + 5, 1, 7)).ok());
  FlushEverything();
  check("after a merge");
  clock_.Advance(std::chrono::hours(4));
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(storage_->DeleteExpired().ok());
  check("after retention");
  Reopen();
  check("after reopen");
}

TEST_F(StorageTest, SeriesWithNoDataLeftAreRemovedByRetention) {
  raw_retention_ = std::chrono::hours(2);
  hour_retention_ = std::chrono::hours(3);
  day_retention_ = std::chrono::hours(72);
  housekeeping_rows_ = 2;  // several Maintain() calls per pass: bounded work
  Reopen();
  ASSERT_TRUE(Write(Batch("old", kT0, 30, 1)).ok());
  ASSERT_TRUE(Write(Batch("rollups", kT0, 30, 1)).ok());
  FlushEverything();
  const SeriesKey old_key{"node_load1", MakeLabels({{"host", "old"}})};
  EXPECT_TRUE(storage_->HasSeries(old_key));
  EXPECT_EQ(storage_->Gauges().series, 4);

  clock_.Advance(std::chrono::hours(24 * 10));
  // "rollups" keeps data in a tier that is kept: its daily rows get
  // written again (a late write), "old" has nothing anywhere.
  {
    auto db = SqliteDb::Open(dir_ / "scout.db", /*read_only=*/false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("UPDATE rollup_1d SET bucket_start_ms = " +
                            std::to_string(clock_.NowMs() / kDayMs * kDayMs) +
                            " WHERE series_id IN (SELECT id FROM series WHERE key LIKE '%rollups%')")
                    .ok());
  }
  const int64_t now = clock_.NowMs();
  ASSERT_TRUE(Write(Batch("new", now, 3, 1)).ok());  // in memory only
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(storage_->Maintain().ok());

  EXPECT_FALSE(storage_->HasSeries(old_key));
  EXPECT_TRUE(storage_->HasSeries({"node_load1", MakeLabels({{"host", "rollups"}})}));
  EXPECT_TRUE(storage_->HasSeries({"node_load1", MakeLabels({{"host", "new"}})}));
  const StorageGauges g = storage_->Gauges();
  EXPECT_EQ(g.series, 4);
  EXPECT_EQ(g.series_removed, 2);
  auto all = storage_->ListSeries(*CompiledSelector::Compile({}), 100);
  ASSERT_TRUE(all.ok());
  for (const SeriesKey& k : all->items) EXPECT_NE(LabelValue(k.labels, "host"), "old");
  auto latest = storage_->Latest(*CompiledSelector::Compile(*ParseSelector("{host=\"old\"}")), 10);
  ASSERT_TRUE(latest.ok());
  EXPECT_TRUE(latest->items.empty());

  // A restart loads only the live series.
  Reopen();
  EXPECT_EQ(storage_->Gauges().series, 4);
  EXPECT_FALSE(storage_->HasSeries(old_key));
  // Written again, it is a new series with only the new data.
  ASSERT_TRUE(Write(Batch("old", now, 2, 5)).ok());
  EXPECT_TRUE(storage_->HasSeries(old_key));
  EXPECT_EQ(Read("node_load1{host=\"old\"}", 0, now + kDayMs).size(), 2u);
}

TEST_F(StorageTest, ReadBudgetStopsReadsAtTheSampleCap) {
  ASSERT_TRUE(Write(Batch("a", kT0, 500, 1)).ok());
  ASSERT_TRUE(Write(Batch("b", kT0, 500, 1)).ok());
  FlushEverything();
  const auto all = *CompiledSelector::Compile({});
  ReadBudget budget(absl::InfiniteFuture(), 300);
  int visited = 0;
  bool truncated = false;
  absl::Status st = storage_->VisitRange(
      all, kT0, kT0 + kDayMs, 100, budget,
      [&](SeriesPoints&&) {
        ++visited;
        return absl::OkStatus();
      },
      &truncated);
  EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted) << st;
  EXPECT_NE(st.message().find("query.max_samples (300)"), std::string::npos) << st;
  EXPECT_EQ(budget.refusal(), QueryRefusal::kSamples);
  // Stopped at the chunk that crossed the cap (chunks hold 64 points).
  EXPECT_LE(budget.samples(), 300 + 64);
  EXPECT_EQ(visited, 0);  // the first series alone has 500 points

  ReadBudget rows(absl::InfiniteFuture(), 3);
  auto rollups = storage_->ReadRollups(all, RollupTier::kHour, kT0 - kDayMs, kT0 + kDayMs, 100, rows);
  EXPECT_EQ(rollups.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(rows.samples(), 4);

  ReadBudget late(absl::Now() - absl::Seconds(1), INT64_MAX);
  auto range = storage_->ReadRange(all, kT0, kT0 + kDayMs, 100, late);
  EXPECT_EQ(range.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(late.refusal(), QueryRefusal::kDeadline);

  ReadBudget enough(absl::InfiniteFuture(), 2000);
  auto ok = storage_->ReadRange(all, kT0, kT0 + kDayMs, 100, enough);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(enough.samples(), 2000);
}

TEST_F(StorageTest, ListSeriesKeepsTheSmallestKeysOfManyMatches) {
  WriteBatch b;
  b.agent_id = "x";
  for (int i = 999; i >= 0; --i) {
    char host[16];
    std::snprintf(host, sizeof host, "h%04d", i);
    b.series.push_back({{"m", MakeLabels({{"host", host}})}, {{kT0, 1.0}}});
  }
  ASSERT_TRUE(Write(b).ok());
  auto r = storage_->ListSeries(*CompiledSelector::Compile(*ParseSelector("m")), 10);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->truncated);
  ASSERT_EQ(r->items.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    char host[16];
    std::snprintf(host, sizeof host, "h%04d", i);
    EXPECT_EQ(LabelValue(r->items[static_cast<size_t>(i)].labels, "host"), host);
  }
  auto exact = storage_->ListSeries(*CompiledSelector::Compile(*ParseSelector("m")), 1000);
  ASSERT_TRUE(exact.ok());
  EXPECT_FALSE(exact->truncated);
  EXPECT_EQ(exact->items.size(), 1000u);
}

// A long read holds one read connection, never a lock the writer or other
// readers need: while it is stopped inside a chunk read, a commit, a flush
// and another reader's chunk read all complete.
TEST_F(StorageTest, LongReadDoesNotStallWritesOrOtherReads) {
  ASSERT_TRUE(Write(Batch("a", kT0, 500, 1)).ok());
  FlushEverything();
  absl::Notification inside, release;
  std::atomic<std::thread::id> long_reader{};
  storage_->SetChunkReadHookForTesting([&] {
    if (std::this_thread::get_id() != long_reader.load()) return;
    if (!inside.HasBeenNotified()) inside.Notify();
    release.WaitForNotification();
  });
  std::thread reader([&] {
    long_reader = std::this_thread::get_id();
    auto r = storage_->ReadRange(*CompiledSelector::Compile({}), kT0, kT0 + kDayMs, 100,
                                 NoBudget());
    EXPECT_TRUE(r.ok()) << r.status();
  });
  inside.WaitForNotification();
  // The writer: a commit and a flush into chunks.
  ASSERT_TRUE(Write(Batch("b", kT0, 100, 1)).ok());
  ASSERT_TRUE(storage_->FlushAll().ok());
  // Another reader (the alert engine's, a second query) reads chunks.
  EXPECT_EQ(Read("node_load1{host=\"b\"}", kT0, kT0 + kDayMs).size(), 100u);
  EXPECT_EQ(Read("node_load1{host=\"a\"}", kT0, kT0 + kDayMs).size(), 500u);
  auto stats = storage_->Stats();
  EXPECT_TRUE(stats.ok());
  EXPECT_FALSE(release.HasBeenNotified());  // the long read was still held
  release.Notify();
  reader.join();
  storage_->SetChunkReadHookForTesting(nullptr);
}

}  // namespace
}  // namespace scout::collector
