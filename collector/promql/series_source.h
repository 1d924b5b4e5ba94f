// What the PromQL evaluator reads: raw points by selector.
//
// The collector's implementation (StorageSeriesSource) reads the Storage
// interface; tests use an in-memory source with fixed points. A source may
// refuse with ResourceExhausted or DeadlineExceeded (its own read limits);
// the evaluator passes the error on with the selector named.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/metric.h"
#include "shared/selector.h"

namespace scout::collector::promql {

class SeriesSource {
 public:
  virtual ~SeriesSource() = default;

  // Raw points with start_ms <= t < end_ms of every series matching
  // `selector`, sorted by timestamp. Series without points in the range
  // may be omitted.
  virtual absl::StatusOr<std::vector<SeriesPoints>> ReadRange(const CompiledSelector& selector,
                                                              int64_t start_ms,
                                                              int64_t end_ms) = 0;

  // The newest point of every series matching `selector`, however old.
  virtual absl::StatusOr<std::vector<SeriesPoints>> Latest(const CompiledSelector& selector) = 0;
};

}  // namespace scout::collector::promql
