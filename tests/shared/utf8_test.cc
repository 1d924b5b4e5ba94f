#include "shared/utf8.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scout/v1/types.pb.h"

namespace scout {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(Utf8, ValidTextIsValidAndUnchanged) {
  for (const std::string& s : std::vector<std::string>{"", "node", "caf\xC3\xA9", "\xE2\x82\xAC 5", "\xF0\x9F\x98\x80",
                              "\xED\x9F\xBF" /* U+D7FF */, "\xEE\x80\x80" /* U+E000 */,
                              "\xF4\x8F\xBF\xBF" /* U+10FFFF */, std::string("a\0b", 3)}) {
    EXPECT_TRUE(IsValidUtf8(s)) << s;
    EXPECT_EQ(SanitizeUtf8(s), s);
    std::string copy = s;
    EXPECT_FALSE(SanitizeUtf8InPlace(&copy));
    EXPECT_EQ(copy, s);
  }
}

TEST(Utf8, TruncatedSequencesBecomeOneReplacement) {
  EXPECT_FALSE(IsValidUtf8("node\xC3"));
  EXPECT_EQ(SanitizeUtf8("node\xC3"), "node" + kFffd);  // comm cut at 15 bytes
  EXPECT_EQ(SanitizeUtf8("a\xE2\x82z"), "a" + kFffd + "z");
  EXPECT_EQ(SanitizeUtf8("\xF0\x9F\x98"), kFffd);
  EXPECT_EQ(SanitizeUtf8("\xF0\x9F\x98" "a"), kFffd + "a");
  EXPECT_EQ(SanitizeUtf8("\xE2\x82\xC3\xA9"), kFffd + "\xC3\xA9")
      << "a new lead byte ends the broken sequence and is read on its own";
}

TEST(Utf8, StrayBytesEachBecomeOneReplacement) {
  EXPECT_EQ(SanitizeUtf8("/mnt/\xFF" "data"), "/mnt/" + kFffd + "data");
  EXPECT_EQ(SanitizeUtf8("\x80\xBF"), kFffd + kFffd);       // lone continuation bytes
  EXPECT_EQ(SanitizeUtf8("\xFE\xFF\xF5"), kFffd + kFffd + kFffd);
  EXPECT_EQ(SanitizeUtf8("caf\xE9"), "caf" + kFffd);        // Latin-1 e-acute
}

TEST(Utf8, OverlongFormsAreInvalid) {
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));  // '/' in two bytes
  EXPECT_EQ(SanitizeUtf8("\xC0\xAF"), kFffd + kFffd);
  EXPECT_FALSE(IsValidUtf8("\xC1\xBF"));
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));  // '/' in three bytes
  EXPECT_EQ(SanitizeUtf8("\xE0\x80\xAF"), kFffd + kFffd + kFffd);
  EXPECT_FALSE(IsValidUtf8("\xE0\x9F\xBF"));  // U+07FF in three bytes
  EXPECT_FALSE(IsValidUtf8("\xF0\x8F\xBF\xBF"));  // U+FFFF in four bytes
  EXPECT_EQ(SanitizeUtf8("\xF0\x8F\xBF\xBF"), kFffd + kFffd + kFffd + kFffd);
}

TEST(Utf8, SurrogatesAndBeyondU10FFFFAreInvalid) {
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // U+D800
  EXPECT_FALSE(IsValidUtf8("\xED\xBF\xBF"));  // U+DFFF
  EXPECT_EQ(SanitizeUtf8("x\xED\xA0\x80y"), "x" + kFffd + kFffd + kFffd + "y");
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_EQ(SanitizeUtf8("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);
}

TEST(Utf8, InPlaceReportsAChange) {
  std::string s = "node\xC3";
  EXPECT_TRUE(SanitizeUtf8InPlace(&s));
  EXPECT_EQ(s, "node" + kFffd);
  EXPECT_TRUE(IsValidUtf8(s));
}

// Why the agent sanitises: proto3 will not parse a `string` field holding
// invalid UTF-8, so a batch with one such label can never be read back or
// stored. The repaired text parses.
TEST(Utf8, ProtobufParsesOnlySanitisedText) {
  v1::Label bad;
  bad.set_name("comm");
  bad.set_value("node\xC3");
  std::string wire;
  bad.SerializeToString(&wire);  // protobuf logs an error here, and may write it anyway
  v1::Label parsed;
  EXPECT_FALSE(!wire.empty() && parsed.ParseFromString(wire));

  v1::Label good = bad;
  good.set_value(SanitizeUtf8(bad.value()));
  ASSERT_TRUE(good.SerializeToString(&wire));
  ASSERT_TRUE(parsed.ParseFromString(wire));
  EXPECT_EQ(parsed.value(), "node" + kFffd);
}

}  // namespace
}  // namespace scout
