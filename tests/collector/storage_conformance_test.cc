// The behaviour every Storage implementation must have. Today only SQLite
// runs it; the PostgreSQL implementation will be added to kFactories.
#include <gtest/gtest.h>

#include "tests/common/test_dir.h"
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "collector/storage/sqlite_storage.h"

namespace scout::collector {
namespace {

constexpr int64_t kT0 = 1'764'200'000'000;  // 2025-11-27

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
    auto r = storage_->ReadRange(*sel, start, end, 100);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok() || r->items.empty()) return {};
    EXPECT_EQ(r->items.size(), 1u);
    return r->items[0].points;
  }

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
      auto r = storage_->ReadRange(sel, kT0, kT0 + 100'000'000, 10);
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

}  // namespace
}  // namespace scout::collector
