#include "collector/storage/point_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace scout::collector {
namespace {

TEST(PointCodec, ChunkRoundTripsIrregularTimesAndExtremeValues) {
  std::vector<Point> points = {{946'684'800'000, 0.0},
                               {946'684'800'001, -1.5},
                               {1'700'000'000'000, std::numeric_limits<double>::max()},
                               {1'700'000'010'000, std::numeric_limits<double>::denorm_min()},
                               {4'102'444'800'000, 1e-300}};
  std::string data;
  EncodeChunk(points, &data);
  std::vector<Point> decoded;
  ASSERT_TRUE(DecodeChunk(data, &decoded).ok());
  EXPECT_EQ(decoded, points);
}

TEST(PointCodec, RegularSeriesIsCompact) {
  std::vector<Point> points;
  for (int i = 0; i < 1000; ++i) points.push_back({1'700'000'000'000 + i * 10'000, i * 0.5});
  std::string data;
  EncodeChunk(points, &data);
  EXPECT_LT(data.size(), 1000u * 12);  // 8-byte value + ~3-byte delta
}

TEST(PointCodec, TruncatedChunkIsDataLoss) {
  std::string data;
  EncodeChunk({{1'700'000'000'000, 1}, {1'700'000'010'000, 2}}, &data);
  data.resize(data.size() - 3);
  std::vector<Point> decoded;
  EXPECT_EQ(DecodeChunk(data, &decoded).code(), absl::StatusCode::kDataLoss);
}

TEST(PointCodec, LogRecordsRoundTripAndRejectTornBlobs) {
  std::string blob;
  AppendLogRecord({7, 1'700'000'000'000, 3.25}, &blob);
  AppendLogRecord({9, 1'700'000'000'001, -2}, &blob);
  auto records = DecodeLogRecords(blob);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[1].series_id, 9);
  EXPECT_EQ((*records)[1].value, -2);
  EXPECT_FALSE(DecodeLogRecords(blob.substr(0, 30)).ok());
}

}  // namespace
}  // namespace scout::collector
