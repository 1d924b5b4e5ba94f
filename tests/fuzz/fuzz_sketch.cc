// Fuzz target: QuantileSketch::Deserialize (rollup rows of latency series
// read back from the database), then what the query path does with a
// sketch: quantiles, merging, serialising again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collector/storage/quantile_sketch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using scout::collector::QuantileSketch;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto sketch = QuantileSketch::Deserialize(bytes);
  if (!sketch.ok()) return 0;
  for (double q : {0.0, 0.5, 0.95, 0.99, 1.0}) (void)sketch->Quantile(q);
  auto again = QuantileSketch::Deserialize(sketch->Serialize());
  if (!again.ok() || again->count() != sketch->count()) abort();
  QuantileSketch merged = *sketch;
  merged.Merge(*again);
  (void)merged.Quantile(0.5);
  merged.Add(0.25);
  (void)merged.Serialize();
  return 0;
}
