#include "shared/backoff.h"

#include <gtest/gtest.h>

#include <set>

namespace scout {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, GrowsWithinJitterBandAndCaps) {
  Backoff b(milliseconds(100), milliseconds(1000), 42);
  const int64_t ceilings[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (int64_t ceiling : ceilings) {
    const int64_t d = b.NextDelay().count();
    EXPECT_GE(d, ceiling / 2);
    EXPECT_LE(d, ceiling);
  }
  b.Reset();
  EXPECT_LE(b.NextDelay().count(), 100);
}

TEST(Backoff, FullDelayIsAtLeastTheCapAndLeavesTheCeiling) {
  Backoff b(milliseconds(100), milliseconds(1000), 7);
  for (int i = 0; i < 20; ++i) {
    const int64_t d = b.FullDelay().count();
    EXPECT_GE(d, 1000);
    EXPECT_LE(d, 1250);
  }
  EXPECT_LE(b.NextDelay().count(), 100);  // still the first step
}

TEST(Backoff, DifferentSeedsSpreadAFleet) {
  std::set<int64_t> delays;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    Backoff b(milliseconds(1000), milliseconds(30'000), seed);
    for (int i = 0; i < 5; ++i) b.NextDelay();
    delays.insert(b.NextDelay().count());
  }
  // 50 agents reconnecting after the same outage must not pick one moment.
  EXPECT_GT(delays.size(), 40u);
}

}  // namespace
}  // namespace scout
