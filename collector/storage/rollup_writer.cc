#include "collector/storage/rollup_writer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "collector/storage/quantile_sketch.h"
#include "shared/status_macros.h"

namespace scout::collector {

const char* RollupTable(RollupTier tier) {
  return tier == RollupTier::kHour ? "rollup_1h" : "rollup_1d";
}

std::vector<RollupRow> BuildRollupRows(const std::vector<Point>& points, int64_t width_ms,
                                       bool latency) {
  std::vector<RollupRow> rows;
  QuantileSketch sketch;
  auto finish = [&] {
    if (latency) {
      rows.back().sketch = sketch.Serialize();
      sketch = QuantileSketch();
    }
  };
  for (const Point& p : points) {
    const int64_t bucket = BucketStart(p.timestamp_ms, width_ms);
    if (rows.empty() || rows.back().bucket_start_ms != bucket) {
      if (!rows.empty()) finish();
      RollupRow row;
      row.bucket_start_ms = bucket;
      row.min = row.max = p.value;
      rows.push_back(std::move(row));
    }
    RollupRow& row = rows.back();
    row.min = std::min(row.min, p.value);
    row.max = std::max(row.max, p.value);
    row.sum += p.value;
    ++row.count;
    row.last = p.value;  // sorted input: the newest so far
    row.last_ms = p.timestamp_ms;
    if (latency) sketch.Add(p.value);
  }
  if (!rows.empty()) finish();
  return rows;
}

absl::StatusOr<RollupWriter> RollupWriter::Create(SqliteDb& db) {
  std::vector<Tier> tiers;
  for (RollupTier tier : {RollupTier::kHour, RollupTier::kDay}) {
    const std::string table = RollupTable(tier);
    // SET expressions see the row as it was, so each combines old and new.
    // Equal last_ms: the later write wins, as for raw samples.
    SCOUT_ASSIGN_OR_RETURN(
        SqliteStatement upsert,
        db.Prepare(absl::StrCat(
            "INSERT INTO ", table,
            "(series_id, bucket_start_ms, min, max, sum, count, last, last_ms, sketch)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(series_id, bucket_start_ms) DO UPDATE SET"
            " min = MIN(min, excluded.min), max = MAX(max, excluded.max),"
            " sum = sum + excluded.sum, count = count + excluded.count,"
            " last = CASE WHEN excluded.last_ms >= last_ms THEN excluded.last ELSE last END,"
            " last_ms = MAX(last_ms, excluded.last_ms), sketch = excluded.sketch"
            // A row whose count is just this merge's was created by it.
            " RETURNING count")));
    SCOUT_ASSIGN_OR_RETURN(
        SqliteStatement read_sketch,
        db.Prepare(absl::StrCat("SELECT sketch FROM ", table,
                                " WHERE series_id = ? AND bucket_start_ms = ?")));
    tiers.push_back({std::move(upsert), std::move(read_sketch)});
  }
  return RollupWriter(std::move(tiers));
}

absl::Status RollupWriter::Merge(int64_t series_id, bool latency,
                                 const std::vector<Point>& points) {
  for (RollupTier tier : {RollupTier::kHour, RollupTier::kDay}) {
    Tier& t = tiers_[static_cast<size_t>(tier)];
    for (RollupRow& row : BuildRollupRows(points, RollupBucketMs(tier), latency)) {
      if (latency) {
        // The stored sketch is merged here; the other columns in SQL.
        t.read_sketch.Bind(1, series_id);
        t.read_sketch.Bind(2, row.bucket_start_ms);
        auto found = t.read_sketch.Step();
        if (!found.ok()) return found.status();
        std::string stored;
        if (*found && !t.read_sketch.ColumnIsNull(0)) stored = std::string(t.read_sketch.ColumnBlob(0));
        t.read_sketch.Reset();
        if (!stored.empty()) {
          SCOUT_ASSIGN_OR_RETURN(QuantileSketch merged, QuantileSketch::Deserialize(stored));
          SCOUT_ASSIGN_OR_RETURN(QuantileSketch add, QuantileSketch::Deserialize(row.sketch));
          merged.Merge(add);
          row.sketch = merged.Serialize();
        }
      }
      t.upsert.Bind(1, series_id);
      t.upsert.Bind(2, row.bucket_start_ms);
      t.upsert.Bind(3, row.min);
      t.upsert.Bind(4, row.max);
      t.upsert.Bind(5, row.sum);
      t.upsert.Bind(6, row.count);
      t.upsert.Bind(7, row.last);
      t.upsert.Bind(8, row.last_ms);
      if (latency) t.upsert.BindBlob(9, row.sketch.data(), row.sketch.size());
      auto returned = t.upsert.Step();  // unbound ?9 is NULL
      if (!returned.ok()) return returned.status();
      if (*returned && t.upsert.ColumnInt(0) == row.count) ++new_rows_[static_cast<size_t>(tier)];
      t.upsert.Reset();
      merged_points_[static_cast<size_t>(tier)] += row.count;
    }
  }
  return absl::OkStatus();
}

}  // namespace scout::collector
