// The agent's sender against a real in-process collector over loopback.
#include "agent/ingest_client.h"

#include <gtest/gtest.h>

#include "tests/common/loopback_collector_config.h"
#include "tests/common/test_dir.h"
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "agent/scheduler.h"
#include "shared/spool.h"
#include "collector/collector_server.h"
#include "collector/storage/sqlite_storage.h"

namespace scout::agent {
namespace {

// Reads in tests are bounded by their fixtures, not by a budget.
collector::ReadBudget& NoBudget() {
  static collector::ReadBudget budget = collector::ReadBudget::Unlimited();
  return budget;
}

constexpr int64_t kNow = 1'764'200'000'000;

// Polls `done` until it holds or 20 s pass (only as a safety net; the
// conditions are normally met within milliseconds).
template <typename F>
bool WaitFor(F done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

v1::Batch OnePoint(uint64_t n, double value) {
  Sample s{{"node_load1", MakeLabels({{"host", "web-1"}})},
           {kNow + static_cast<int64_t>(n) * 1000, value}};
  return MakeBatches({s}, 1 << 20).at(0);
}

class IngestClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = scout::testing::LoopbackCollectorConfig(dir_);
  }

  std::unique_ptr<Spool> OpenSpool() {
    SpoolOptions o;
    o.dir = dir_ / "spool";
    o.fsync = false;
    auto s = Spool::Open(o, clock_);
    EXPECT_TRUE(s.ok()) << s.status();
    return *std::move(s);
  }

  void StartCollector() {
    auto s = collector::CollectorServer::Start(config_, clock_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
    config_.listen = "127.0.0.1:" + std::to_string(server_->port());  // same port on restart
  }
  size_t StoredPoints() {
    auto sel = *CompiledSelector::Compile(*ParseSelector("node_load1"));
    auto r = server_->storage().ReadRange(sel, 0, kNow * 2, 10, NoBudget());
    return r.ok() && !r->items.empty() ? r->items[0].points.size() : 0;
  }
  IngestClientOptions Options() {
    IngestClientOptions o;
    o.address = config_.listen;
    o.agent_id = "web-1";
    o.hostname = "web-1";
    o.incarnation_id = "test";
    o.initial_backoff = std::chrono::milliseconds(50);
    o.max_backoff = std::chrono::milliseconds(200);
    return o;
  }

  ManualClock clock_{kNow};
  scout::testing::TestDir dir_{"scout-client"};
  collector::CollectorConfig config_;
  std::unique_ptr<collector::CollectorServer> server_;
};

TEST_F(IngestClientTest, DeliversEveryBatchAndEmptiesTheSpool) {
  StartCollector();
  auto spool = OpenSpool();
  AgentCounters counters;
  IngestClient client(Options(), *spool, counters, clock_);
  client.Start();
  for (uint64_t s = 1; s <= 50; ++s) ASSERT_TRUE(spool->Append(OnePoint(s, static_cast<double>(s))).ok());
  ASSERT_TRUE(WaitFor([&] { return spool->stats().batches == 0; }));
  EXPECT_EQ(StoredPoints(), 50u);
  EXPECT_TRUE(counters.connected);
  EXPECT_EQ(counters.batches_acked, 50u);
  EXPECT_EQ(counters.samples_acked, 50u);
  client.Stop(std::chrono::seconds(1));
}

TEST_F(IngestClientTest, KeepsBatchesWhileCollectorIsDownAndDeliversOnReturn) {
  StartCollector();
  auto spool = OpenSpool();
  AgentCounters counters;
  IngestClient client(Options(), *spool, counters, clock_);
  client.Start();
  ASSERT_TRUE(spool->Append(OnePoint(1, 1)).ok());
  ASSERT_TRUE(WaitFor([&] { return spool->stats().batches == 0; }));

  server_.reset();  // collector goes away
  ASSERT_TRUE(WaitFor([&] { return !counters.connected; }));
  for (uint64_t s = 2; s <= 20; ++s) ASSERT_TRUE(spool->Append(OnePoint(s, static_cast<double>(s))).ok());
  EXPECT_EQ(spool->stats().batches, 19u);  // nothing lost, nothing acked

  StartCollector();  // same port, same database
  ASSERT_TRUE(WaitFor([&] { return spool->stats().batches == 0; }));
  EXPECT_EQ(StoredPoints(), 20u);
  EXPECT_GE(counters.connects, 2u);
  EXPECT_EQ(counters.batches_acked, 20u);
  client.Stop(std::chrono::seconds(1));
}

TEST_F(IngestClientTest, InvalidBatchIsDroppedNotRetriedForever) {
  StartCollector();
  auto spool = OpenSpool();
  AgentCounters counters;
  IngestClient client(Options(), *spool, counters, clock_);
  client.Start();
  v1::Batch bad = OnePoint(1, 1);
  bad.mutable_series(0)->set_metric("");
  ASSERT_TRUE(spool->Append(bad).ok());
  ASSERT_TRUE(spool->Append(OnePoint(2, 2)).ok());
  ASSERT_TRUE(WaitFor([&] { return spool->stats().batches == 0; }));
  EXPECT_EQ(counters.batches_rejected, 1u);
  EXPECT_EQ(counters.samples_rejected, 1u);
  EXPECT_EQ(counters.batches_acked, 1u);
  EXPECT_EQ(counters.batches_sent, 2u);  // the invalid batch was not retried
  EXPECT_EQ(StoredPoints(), 1u);
  client.Stop(std::chrono::seconds(1));
}

TEST_F(IngestClientTest, BacklogIsReplayedOldestFirstAtTheConfiguredPace) {
  auto spool = OpenSpool();
  for (uint64_t s = 1; s <= 30; ++s) ASSERT_TRUE(spool->Append(OnePoint(s, static_cast<double>(s))).ok());
  StartCollector();
  AgentCounters counters;
  IngestClientOptions options = Options();
  options.replay_samples_per_second = 20;  // 30 one-point batches: ~1 s at least
  IngestClient client(options, *spool, counters, clock_);
  const auto start = std::chrono::steady_clock::now();
  client.Start();
  ASSERT_TRUE(WaitFor([&] { return spool->stats().batches == 0; }));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(seconds, 0.45);  // 20 banked, 10 more at 20/s
  EXPECT_EQ(counters.batches_replayed, 30u);
  EXPECT_EQ(StoredPoints(), 30u);
  client.Stop(std::chrono::seconds(1));
}

}  // namespace
}  // namespace scout::agent
