#include "agent/replay_pacer.h"

#include <gtest/gtest.h>

#include "tests/common/test_dir.h"

namespace scout::agent {
namespace {

using std::chrono::milliseconds;

v1::Batch BatchOf(int points) {
  v1::Batch b;
  auto* s = b.add_series();
  s->set_metric("m");
  for (int i = 0; i < points; ++i) s->add_points()->set_value(i);
  return b;
}

TEST(ReplayPacer, StartsFullSpendsAndRefillsOnTheClock) {
  ManualClock clock(0);
  ReplayPacer pacer(clock, 100);  // 100 samples/s
  EXPECT_TRUE(pacer.Ready());
  pacer.Spend(150);  // one batch may overdraw: -50
  EXPECT_FALSE(pacer.Ready());
  EXPECT_EQ(pacer.UntilReady(), milliseconds(511));  // back to one token: 51 tokens at 100/s, +1
  clock.Advance(milliseconds(500));                  // +50 -> 0: still not ready
  EXPECT_FALSE(pacer.Ready());
  clock.Advance(milliseconds(20));  // +2 -> 2
  EXPECT_TRUE(pacer.Ready());
  EXPECT_EQ(pacer.UntilReady(), milliseconds(0));
}

TEST(ReplayPacer, BanksAtMostOneSecond) {
  ManualClock clock(0);
  ReplayPacer pacer(clock, 100);
  clock.Advance(milliseconds(60'000));  // idle for a minute: still 100, not 6100
  EXPECT_TRUE(pacer.Ready());
  pacer.Spend(100);
  EXPECT_FALSE(pacer.Ready());
}

// A spool of its own in a test directory, on a ManualClock.
struct CursorTest {
  CursorTest() {
    SpoolOptions options;
    options.dir = dir / "spool";
    options.fsync = false;
    spool = Spool::Open(options, clock);
  }
  scout::testing::TestDir dir{"scout-cursor"};
  ManualClock clock{1'764'200'000'000};
  absl::StatusOr<std::unique_ptr<Spool>> spool = absl::UnknownError("not opened");
};

TEST(StreamCursor, LiveFirstThenTheBacklogAtThePacersRate) {
  CursorTest t;
  ManualClock& clock = t.clock;
  auto& spool = t.spool;
  ASSERT_TRUE(spool.ok()) << spool.status();
  ASSERT_TRUE((*spool)->Append(BatchOf(80)).ok());  // backlog: 1, 2
  ASSERT_TRUE((*spool)->Append(BatchOf(80)).ok());
  StreamCursor cursor(**spool, clock, 100);
  ASSERT_TRUE((*spool)->Append(BatchOf(5)).ok());  // live: 3

  auto next = cursor.Take();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->batch.seq(), 3u);
  EXPECT_FALSE(next->is_replay);
  next = cursor.Take();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->batch.seq(), 1u);
  EXPECT_TRUE(next->is_replay);
  next = cursor.Take();  // 100 - 80 = 20 left: one more batch may overdraw
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->batch.seq(), 2u);
  (*spool)->Remove(2);
  ASSERT_TRUE((*spool)->Append(BatchOf(1)).ok());  // live: 4, sent though the budget is spent
  next = cursor.Take();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->batch.seq(), 4u);
}

TEST(StreamCursor, ReplayWaitsForBudget) {
  CursorTest t;
  ManualClock& clock = t.clock;
  auto& spool = t.spool;
  ASSERT_TRUE(spool.ok()) << spool.status();
  ASSERT_TRUE((*spool)->Append(BatchOf(150)).ok());
  ASSERT_TRUE((*spool)->Append(BatchOf(10)).ok());
  StreamCursor cursor(**spool, clock, 100);
  ASSERT_TRUE(cursor.Take().has_value());  // 100 - 150 = -50
  EXPECT_FALSE(cursor.Take().has_value()) << "no budget: waits (real time, briefly)";
  clock.Advance(milliseconds(600));  // -50 + 60 = 10
  auto next = cursor.Take();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->batch.seq(), 2u);
}

}  // namespace
}  // namespace scout::agent
