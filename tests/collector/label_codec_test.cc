#include "collector/storage/label_codec.h"

#include <gtest/gtest.h>

namespace scout::collector {
namespace {

Labels Sample() {
  return MakeLabels({{"host", "db-1"}, {"path", "C:\\tmp \"x\"\n"}, {"empty", ""}});
}

TEST(LabelCodec, BlobRoundTripsAndKeepsTheStoredBytes) {
  EXPECT_EQ(DecodeLabelsBlob(EncodeLabelsBlob(Sample())), Sample());
  // The bytes of series.labels in databases written so far.
  EXPECT_EQ(EncodeLabelsBlob(MakeLabels({{"a", "x"}, {"b", ""}})), std::string("a\0x\0b\0\0", 7));
  EXPECT_TRUE(DecodeLabelsBlob("").empty());
  EXPECT_EQ(DecodeLabelsBlob(std::string("a\0x\0torn", 8)), MakeLabels({{"a", "x"}}));
}

TEST(LabelCodec, TextRoundTripsAndKeepsTheStoredText) {
  auto decoded = DecodeLabelsText(EncodeLabelsText(Sample()));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, Sample());
  // The text of the alert tables in databases written so far.
  EXPECT_EQ(EncodeLabelsText(MakeLabels({{"a", "x"}, {"b", "y"}})), "{a=\"x\",b=\"y\"}");
  EXPECT_TRUE(DecodeLabelsText("{}")->empty());
  EXPECT_FALSE(DecodeLabelsText("{a=x}").ok());
}

}  // namespace
}  // namespace scout::collector
