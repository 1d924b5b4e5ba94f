#include "shared/duration.h"

#include <gtest/gtest.h>

namespace scout {
namespace {

using std::chrono::milliseconds;

TEST(ParseDuration, AcceptsUnitsAndCompounds) {
  EXPECT_EQ(*ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(*ParseDuration("10s"), milliseconds(10'000));
  EXPECT_EQ(*ParseDuration("5m"), milliseconds(300'000));
  EXPECT_EQ(*ParseDuration("1h30m"), milliseconds(5'400'000));
  EXPECT_EQ(*ParseDuration("7d"), milliseconds(604'800'000));
  EXPECT_EQ(*ParseDuration("2w"), milliseconds(1'209'600'000));
  EXPECT_EQ(*ParseDuration("1m500ms"), milliseconds(60'500));
}

TEST(ParseDuration, RejectsBareNumbersAndJunk) {
  for (const char* bad : {"", "10", "s", "10x", "-5s", "1.5s", "10s ", "99999999999999999999s"}) {
    auto d = ParseDuration(bad);
    EXPECT_FALSE(d.ok()) << bad;
    if (!d.ok()) {
      EXPECT_NE(d.status().message().find("invalid duration"), std::string::npos);
    }
  }
}

TEST(FormatDuration, ShortestExactForm) {
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(FormatDuration(milliseconds(90'000)), "1m30s");
  EXPECT_EQ(FormatDuration(milliseconds(1'500)), "1s500ms");
  EXPECT_EQ(FormatDuration(milliseconds(86'400'000)), "1d");
  EXPECT_EQ(*ParseDuration(FormatDuration(milliseconds(93'784'005))), milliseconds(93'784'005));
}

}  // namespace
}  // namespace scout
