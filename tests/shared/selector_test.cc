#include "shared/selector.h"

#include <gtest/gtest.h>

namespace scout {
namespace {

SeriesKey Key(std::string metric, Labels labels) {
  return SeriesKey{std::move(metric), MakeLabels(std::move(labels))};
}

TEST(ParseSelector, ParsesAllOperators) {
  auto sel = ParseSelector(R"(node_cpu_usage_ratio{host="web-1", cpu!="0",mode=~"user|system", dev!~'loop.*'})");
  ASSERT_TRUE(sel.ok()) << sel.status();
  EXPECT_EQ(sel->metric, "node_cpu_usage_ratio");
  ASSERT_EQ(sel->matchers.size(), 4u);
  EXPECT_EQ(sel->matchers[0].name, "host");
  EXPECT_EQ(sel->matchers[0].op, MatchOp::kEqual);
  EXPECT_EQ(sel->matchers[0].value, "web-1");
  EXPECT_EQ(sel->matchers[1].op, MatchOp::kNotEqual);
  EXPECT_EQ(sel->matchers[2].op, MatchOp::kRegexMatch);
  EXPECT_EQ(sel->matchers[3].op, MatchOp::kRegexNotMatch);
  EXPECT_EQ(sel->matchers[3].value, "loop.*");
}

TEST(ParseSelector, AcceptsBareFormsAndEscapes) {
  EXPECT_TRUE(ParseSelector("").ok());
  EXPECT_EQ(ParseSelector("node_load1")->metric, "node_load1");
  auto sel = ParseSelector(R"({path="a\"b"})");
  ASSERT_TRUE(sel.ok());
  EXPECT_EQ(sel->metric, "");
  EXPECT_EQ(sel->matchers[0].value, "a\"b");
  EXPECT_EQ(FormatSelector(*sel), R"({path="a\"b"})");
}

TEST(ParseSelector, ErrorsSayWhere) {
  for (const char* bad : {"m{", "m{a}", "m{a=b}", "m{a=\"x\"", "m{=\"x\"}", "m x", "m{a==\"x\"}"}) {
    auto sel = ParseSelector(bad);
    ASSERT_FALSE(sel.ok()) << bad;
    EXPECT_NE(sel.status().message().find("at position"), std::string::npos) << bad;
  }
}

TEST(CompiledSelector, MatchesLikePrometheus) {
  auto sel = CompiledSelector::Compile(*ParseSelector(R"(m{host=~"web-.*",env!="test"})"));
  ASSERT_TRUE(sel.ok());
  EXPECT_TRUE(sel->Matches(Key("m", {{"host", "web-1"}, {"env", "prod"}})));
  EXPECT_TRUE(sel->Matches(Key("m", {{"host", "web-2"}})));  // absent env is ""
  EXPECT_FALSE(sel->Matches(Key("m", {{"host", "web-1"}, {"env", "test"}})));
  EXPECT_FALSE(sel->Matches(Key("m", {{"host", "xweb-1"}})));  // anchored
  EXPECT_FALSE(sel->Matches(Key("other", {{"host", "web-1"}})));
}

TEST(CompiledSelector, BadRegexIsAnError) {
  auto sel = CompiledSelector::Compile(*ParseSelector(R"(m{host=~"("})"));
  ASSERT_FALSE(sel.ok());
  EXPECT_NE(sel.status().message().find("bad regex"), std::string::npos);
}

TEST(SeriesKeyString, IsCanonical) {
  EXPECT_EQ(SeriesKeyString(Key("m", {{"b", "2"}, {"a", "x\"y"}})), R"(m{a="x\"y",b="2"})");
  EXPECT_EQ(SeriesKeyString(Key("m", {})), "m");
}

}  // namespace
}  // namespace scout
