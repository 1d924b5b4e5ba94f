// Fuzz target: the storage's point encodings read back from the database
// (collector/storage/point_codec.h): DecodeChunk (a series' compressed
// points) and DecodeLogRecords (a group commit's samples_log blob). A
// corrupt file must give DataLoss, never a crash or a huge allocation.
// Invariant: a decoded chunk re-encodes to bytes that decode to the same
// points.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "collector/storage/point_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)scout::collector::DecodeLogRecords(bytes);
  std::vector<scout::Point> points;
  if (!scout::collector::DecodeChunk(bytes, &points).ok()) return 0;
  std::string encoded;
  scout::collector::EncodeChunk(points, &encoded);
  std::vector<scout::Point> again;
  if (!scout::collector::DecodeChunk(encoded, &again).ok() || again.size() != points.size()) abort();
  for (size_t i = 0; i < points.size(); ++i) {
    // Bitwise: the values may be NaN.
    if (again[i].timestamp_ms != points[i].timestamp_ms ||
        std::memcmp(&again[i].value, &points[i].value, sizeof(double)) != 0) {
      abort();
    }
  }
  return 0;
}
