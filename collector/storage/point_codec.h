// Binary encodings of points used by the SQLite storage.
//
// Chunk: the long-term form of one series' points. A varint count, the
// first timestamp (zig-zag varint), then timestamp deltas (zig-zag varint)
// and each value as 8 raw little-endian bytes. About 10 bytes a point at a
// fixed interval, and decoding is a tight loop.
//
// Log record: one sample in the write-ahead log of not-yet-chunked data,
// fixed 24 bytes (series id, timestamp, value) so a whole group commit is a
// single blob.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/metric.h"

namespace scout::collector {

// REQUIRES: points sorted by timestamp.
void EncodeChunk(const std::vector<Point>& points, std::string* out);
absl::Status DecodeChunk(std::string_view data, std::vector<Point>* out);

struct LogRecord {
  int64_t series_id;
  int64_t timestamp_ms;
  double value;
};
constexpr size_t kLogRecordSize = 24;

void AppendLogRecord(const LogRecord& record, std::string* out);
// Fails with DataLoss when the blob is not a whole number of records.
absl::StatusOr<std::vector<LogRecord>> DecodeLogRecords(std::string_view data);

}  // namespace scout::collector
