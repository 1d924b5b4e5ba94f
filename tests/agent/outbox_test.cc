#include "agent/outbox.h"

#include <gtest/gtest.h>

#include <thread>

namespace scout::agent {
namespace {

v1::Batch B(uint64_t seq) {
  v1::Batch b;
  b.set_seq(seq);
  return b;
}

auto Soon() { return std::chrono::steady_clock::now() + std::chrono::milliseconds(50); }

TEST(Outbox, HandsOutInOrderAndKeepsUntilRemoved) {
  Outbox o(10);
  o.Push(B(1));
  o.Push(B(2));
  EXPECT_EQ(o.NextAfter(0, Soon())->seq(), 1u);
  EXPECT_EQ(o.NextAfter(1, Soon())->seq(), 2u);
  EXPECT_FALSE(o.NextAfter(2, Soon()).has_value());
  // A new stream starts again from 0 and sees everything not yet removed.
  o.Remove(1);
  EXPECT_EQ(o.NextAfter(0, Soon())->seq(), 2u);
  EXPECT_EQ(o.size(), 1u);
}

TEST(Outbox, DropsOldestWhenFullAndCountsIt) {
  Outbox o(3);
  for (uint64_t s = 1; s <= 5; ++s) o.Push(B(s));
  EXPECT_EQ(o.size(), 3u);
  EXPECT_EQ(o.dropped_total(), 2u);
  EXPECT_EQ(o.NextAfter(0, Soon())->seq(), 3u);
}

TEST(Outbox, WaiterWakesOnPushAndOnClose) {
  Outbox o(3);
  std::thread pusher([&] { o.Push(B(9)); });
  auto got = o.NextAfter(0, std::chrono::steady_clock::now() + std::chrono::seconds(10));
  pusher.join();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->seq(), 9u);
  std::thread closer([&] { o.Close(); });
  EXPECT_FALSE(o.NextAfter(9, std::chrono::steady_clock::now() + std::chrono::seconds(10)));
  closer.join();
}

}  // namespace
}  // namespace scout::agent
