// WriteQueue: group commits over a real SQLite storage. Batches are
// queued before the writer starts, so what one commit takes is known.
#include "collector/write_queue.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "collector/storage/sqlite_storage.h"
#include "tests/common/test_dir.h"
#include "tests/common/test_storage.h"

namespace scout::collector {
namespace {

class WriteQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage_ = scout::testing::OpenTestStorage(dir_.path(), clock_);
    ASSERT_NE(storage_, nullptr);
  }

  // `n` series named metric{i="k"} for k in [first, first + n), one point each.
  static WriteBatch Batch(const std::string& agent, const std::string& metric, int first, int n) {
    WriteBatch b;
    b.agent_id = agent;
    b.received_ms = kT0;
    for (int k = first; k < first + n; ++k) {
      b.series.push_back({{metric, MakeLabels({{"i", std::to_string(k)}})}, {{kT0, double(k)}}});
    }
    return b;
  }

  size_t Stored(const std::string& metric) {
    auto sel = CompiledSelector::Compile(*ParseSelector(metric));
    auto listed = storage_->ListSeries(*sel, 1'000'000);
    EXPECT_TRUE(listed.ok()) << listed.status();
    return listed.ok() ? listed->items.size() : 0;
  }

  static constexpr int64_t kT0 = 1'700'000'000'000;
  ManualClock clock_{kT0};
  scout::testing::TestDir dir_{"scout-write-queue"};
  std::unique_ptr<SqliteStorage> storage_;
};

TEST_F(WriteQueueTest, BatchWithManyNewSeriesIsCommittedInPartsAndAnsweredOnce) {
  WriteQueueOptions options;
  options.max_new_series_per_commit = 1000;
  WriteQueue queue(*storage_, options, clock_);
  std::vector<absl::Status> answers;
  queue.Submit(Batch("bomb", "big", 0, 2500),
               [&](const absl::Status& s) { answers.push_back(s); }, /*new_series=*/2500);
  queue.Start();
  queue.Stop();
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_TRUE(answers[0].ok()) << answers[0];
  EXPECT_EQ(queue.stats().commits, 3u);  // 1000 + 1000 + 500
  EXPECT_EQ(Stored("big"), 2500u);
  EXPECT_EQ(queue.pending_bytes(), 0u);
}

TEST_F(WriteQueueTest, OtherAgentsGoAheadOfTheWaitingPartsAndEachAgentKeepsItsOrder) {
  WriteQueueOptions options;
  options.max_new_series_per_commit = 1000;
  WriteQueue queue(*storage_, options, clock_);
  std::vector<std::string> order;
  auto note = [&order](std::string what) {
    return [&order, what](const absl::Status& s) {
      EXPECT_TRUE(s.ok()) << what << ": " << s;
      order.push_back(what);
    };
  };
  queue.Submit(Batch("bomb", "big", 0, 3000), note("bomb-1"), 3000);  // three parts
  queue.Submit(Batch("bomb", "big", 0, 10), note("bomb-2"), 0);       // known series, after bomb-1
  queue.Submit(Batch("good", "small", 0, 10), note("good-1"), 10);
  queue.Submit(Batch("good", "small", 0, 10), note("good-2"), 0);
  queue.Start();
  queue.Stop();
  // good's batches ride along with the bomb's first part; bomb-2 waits for
  // bomb-1's last part.
  EXPECT_EQ(order, (std::vector<std::string>{"good-1", "good-2", "bomb-1", "bomb-2"}));
  EXPECT_EQ(queue.stats().commits, 3u);
  EXPECT_EQ(Stored("big"), 3000u);
  EXPECT_EQ(Stored("small"), 10u);
}

TEST_F(WriteQueueTest, ACommitCarriesAtMostOnePartAndSmallBatchesAreNotSplit) {
  WriteQueueOptions options;
  options.max_new_series_per_commit = 100;
  WriteQueue queue(*storage_, options, clock_);
  int answered = 0;
  auto count = [&](const absl::Status& s) {
    EXPECT_TRUE(s.ok()) << s;
    ++answered;
  };
  queue.Submit(Batch("bomb-a", "a", 0, 200), count, 200);  // two parts
  queue.Submit(Batch("bomb-b", "b", 0, 200), count, 200);  // two parts
  for (int a = 0; a < 5; ++a) {                             // 80 new each: whole
    queue.Submit(Batch("agent-" + std::to_string(a), "m" + std::to_string(a), 0, 80), count, 80);
  }
  queue.Start();
  queue.Stop();
  EXPECT_EQ(answered, 7);
  // a1 + the five small ones, then a2, b1, b2: one part per commit.
  EXPECT_EQ(queue.stats().commits, 4u);
  EXPECT_EQ(Stored("a"), 200u);
  EXPECT_EQ(Stored("b"), 200u);
}

}  // namespace
}  // namespace scout::collector
