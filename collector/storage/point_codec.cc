#include "collector/storage/point_codec.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace scout::collector {
namespace {

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    uint8_t byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

template <typename T>
void PutRaw(T v, std::string* out) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));  // x86-64 and arm64 are little-endian
  out->append(buf, sizeof(T));
}

template <typename T>
T GetRaw(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

}  // namespace

void EncodeChunk(const std::vector<Point>& points, std::string* out) {
  out->reserve(out->size() + points.size() * 10 + 10);
  PutVarint(points.size(), out);
  int64_t prev = 0;
  for (const Point& p : points) {
    PutVarint(ZigZag(p.timestamp_ms - prev), out);
    prev = p.timestamp_ms;
    PutRaw(p.value, out);
  }
}

absl::Status DecodeChunk(std::string_view data, std::vector<Point>* out) {
  uint64_t count;
  if (!GetVarint(&data, &count)) return absl::DataLossError("chunk: truncated header");
  out->reserve(out->size() + count);
  int64_t ts = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t delta;
    if (!GetVarint(&data, &delta) || data.size() < sizeof(double)) {
      return absl::DataLossError(absl::StrCat("chunk: truncated at point ", i));
    }
    ts += UnZigZag(delta);
    out->push_back({ts, GetRaw<double>(data.data())});
    data.remove_prefix(sizeof(double));
  }
  return absl::OkStatus();
}

void AppendLogRecord(const LogRecord& record, std::string* out) {
  PutRaw(record.series_id, out);
  PutRaw(record.timestamp_ms, out);
  PutRaw(record.value, out);
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
    records.push_back({GetRaw<int64_t>(p), GetRaw<int64_t>(p + 8), GetRaw<double>(p + 16)});
  }
  return records;
}

}  // namespace scout::collector
