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

  // Since Create(): rows this writer created (not merged into existing
  // ones) and samples it merged, per tier (Stats() counters; valid once the
  // caller's transaction commits).
  int64_t new_rows(RollupTier tier) const { return new_rows_[static_cast<size_t>(tier)]; }
  int64_t merged_points(RollupTier tier) const {
    return merged_points_[static_cast<size_t>(tier)];
  }

 private:
  struct Tier {
    SqliteStatement upsert;
    SqliteStatement read_sketch;
  };
  explicit RollupWriter(std::vector<Tier> tiers) : tiers_(std::move(tiers)) {}
  std::vector<Tier> tiers_;  // indexed by RollupTier
  int64_t new_rows_[2] = {0, 0};
  int64_t merged_points_[2] = {0, 0};
};

}  // namespace scout::collector
