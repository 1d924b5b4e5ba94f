#include "collector/storage/point_codec.h"

#include "absl/strings/str_cat.h"
#include "collector/storage/byte_codec.h"

namespace scout::collector {

void EncodeChunk(const std::vector<Point>& points, std::string* out) {
  out->reserve(out->size() + points.size() * 10 + 10);
  PutVarint(points.size(), out);
  int64_t prev = 0;
  for (const Point& p : points) {
    // Wrapping difference, as DecodeChunk sums: identical bytes for real
    // timestamps, no overflow for the wrapped ones a corrupt chunk decodes
    // to (issue 16, tests/fuzz).
    PutVarint(ZigZag(static_cast<int64_t>(static_cast<uint64_t>(p.timestamp_ms) -
                                          static_cast<uint64_t>(prev))),
              out);
    prev = p.timestamp_ms;
    PutFixed(p.value, out);
  }
}

absl::Status DecodeChunk(std::string_view data, std::vector<Point>* out) {
  uint64_t count;
  if (!GetVarint(&data, &count)) return absl::DataLossError("chunk: truncated header");
  // A point takes at least 9 bytes (1-byte delta, 8-byte value): a corrupt
  // count must not make us reserve more than the data can hold (issue 16,
  // found by tests/fuzz: a 10-byte chunk asked for terabytes).
  if (count > data.size() / 9) {
    return absl::DataLossError(
        absl::StrCat("chunk: ", count, " points cannot fit in ", data.size(), " bytes"));
  }
  out->reserve(out->size() + count);
  // Unsigned: corrupt deltas wrap instead of overflowing (undefined).
  uint64_t ts = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t delta;
    if (!GetVarint(&data, &delta) || data.size() < sizeof(double)) {
      return absl::DataLossError(absl::StrCat("chunk: truncated at point ", i));
    }
    ts += static_cast<uint64_t>(UnZigZag(delta));
    out->push_back({static_cast<int64_t>(ts), LoadFixed<double>(data.data())});
    data.remove_prefix(sizeof(double));
  }
  return absl::OkStatus();
}

void AppendLogRecord(const LogRecord& record, std::string* out) {
  PutFixed(record.series_id, out);
  PutFixed(record.timestamp_ms, out);
  PutFixed(record.value, out);
}

absl::StatusOr<std::vector<LogRecord>> DecodeLogRecords(std::string_view data) {
  if (data.size() % kLogRecordSize != 0) {
    return absl::DataLossError(
        absl::StrCat("log blob of ", data.size(), " bytes is not whole records"));
  }
  std::vector<LogRecord> records;
  records.reserve(data.size() / kLogRecordSize);
  for (size_t off = 0; off < data.size(); off += kLogRecordSize) {
    const char* p = data.data() + off;
    records.push_back({LoadFixed<int64_t>(p), LoadFixed<int64_t>(p + 8), LoadFixed<double>(p + 16)});
  }
  return records;
}

}  // namespace scout::collector
