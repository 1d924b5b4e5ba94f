// RollupWriter: merges points into the rollup_1h / rollup_1d rows of a
// series (migration 3), inside the caller's transaction.
//
// Only the writer thread uses it (SqliteStorage::FlushSlice and the
// back-fill of chunks written before rollups existed). Merging is an
// upsert per bucket touched: min/max/sum/count/last combine in SQL; the
// quantile sketch of a latency series is read, merged and written back.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/storage/sqlite_db.h"
#include "collector/storage/storage.h"
#include "shared/metric.h"

namespace scout::collector {

// Table holding a tier's rows.
const char* RollupTable(RollupTier tier);

// The bucket of `timestamp_ms`: floor to a multiple of `width_ms` (also for
// times before the epoch).
inline int64_t BucketStart(int64_t timestamp_ms, int64_t width_ms) {
  const int64_t q = timestamp_ms / width_ms;
  return (timestamp_ms % width_ms < 0 ? q - 1 : q) * width_ms;
}

// Rollup rows of `points` (REQUIRES: sorted by timestamp, one per
// timestamp) for buckets `width_ms` wide; sketches only when `latency`.
std::vector<RollupRow> BuildRollupRows(const std::vector<Point>& points, int64_t width_ms,
                                       bool latency);

class RollupWriter {
 public:
  // Prepares its statements on `db` (valid while `db` lives).
  static absl::StatusOr<RollupWriter> Create(SqliteDb& db);

  // Merges `points` into both tiers' rows of the series.
  absl::Status Merge(int64_t series_id, bool latency, const std::vector<Point>& points);

 private:
  struct Tier {
    SqliteStatement upsert;
    SqliteStatement read_sketch;
  };
  explicit RollupWriter(std::vector<Tier> tiers) : tiers_(std::move(tiers)) {}
  std::vector<Tier> tiers_;  // indexed by RollupTier
};

}  // namespace scout::collector
