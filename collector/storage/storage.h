// Storage: everything the collector keeps, behind one interface.
//
// SQLite (sqlite_storage.h) is the embedded default; a PostgreSQL
// implementation will follow, so nothing above this header may know which
// one it talks to. Every implementation must pass
// tests/collector/storage_conformance_test.cc.
//
// Contract:
//  * Write() is all-or-nothing and durable when it returns OK (what
//    "durable" means is the implementation's documented sync mode).
//  * Samples are keyed by (series, timestamp): writing the same key again
//    is idempotent, and a different value for an existing key replaces it
//    (last write wins, in Write() call order), so a replayed batch is
//    stored once and queries never show duplicates.
//  * Reads return points sorted by timestamp, one per timestamp.
//  * Rollups (ReadRollups): per series, hourly and daily buckets (UTC,
//    aligned to multiples of the bucket width since the epoch) holding
//    min, max, sum, count, last (+ its timestamp) of the samples in the
//    bucket and, for latency series (IsLatencyMetric), a quantile sketch.
//    They are maintained incrementally as data is stored, and are complete
//    for buckets inside Coverage()'s rollup window; outside it a bucket may
//    still lack samples that raw reads return. Known limit: a sample that
//    is written again after its first copy already went into rollups
//    counts twice there (raw reads still show it once).
//  * Retention: data older than its tier's retention may disappear at any
//    time (Coverage() says from where raw is still complete).
//
//  * Series lifecycle: a series with no data left in any tier (raw, memory,
//    hourly, daily) is forgotten by Maintain()'s retention pass: it leaves
//    ListSeries and every selector, HasSeries() turns false and
//    Gauges().series comes down. Writing it again creates it anew.
//  * Read cost: every read that touches stored data (VisitRange, ReadRange,
//    VisitRollups, ReadRollups) charges each raw point and rollup row to
//    the caller's ReadBudget (query_limits.h) while it reads, and stops with
//    the budget's error at the first refusal; ListSeries, Latest and
//    selector matching cost O(matches + limit) time and O(limit) memory.
//
// Thread safety: Write() and UpsertAgent() are called from one writer
// thread only; the read methods may be called concurrently from any
// number of threads, also while a Write() is in progress, and a long read
// never delays a Write() or another reader for longer than one series'
// read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/query_limits.h"
#include "shared/metric.h"
#include "shared/selector.h"

namespace scout::collector {

struct AgentRecord {
  std::string agent_id;
  std::string hostname;
  std::string version;
  Labels labels;
  std::string incarnation_id;
  int64_t interval_ms = 0;
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;
};

// One agent's contribution to a write: its id (for last_seen) and series.
struct WriteBatch {
  std::string agent_id;
  int64_t received_ms = 0;
  std::vector<SeriesPoints> series;
};

enum class RollupTier { kHour, kDay };
constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 24 * kHourMs;
inline int64_t RollupBucketMs(RollupTier tier) {
  return tier == RollupTier::kHour ? kHourMs : kDayMs;
}
// Latency series get quantile sketches in their rollups: metric names
// ending in `_seconds` (so not `_seconds_total` counters).
inline bool IsLatencyMetric(const std::string& metric) {
  constexpr size_t kSuffixSize = 8;  // "_seconds"
  return metric.size() > kSuffixSize &&
         metric.compare(metric.size() - kSuffixSize, kSuffixSize, "_seconds") == 0;
}

struct RollupRow {
  int64_t bucket_start_ms = 0;
  double min = 0;
  double max = 0;
  double sum = 0;
  int64_t count = 0;
  double last = 0;      // value of the newest sample in the bucket
  int64_t last_ms = 0;  // its timestamp
  std::string sketch;   // QuantileSketch::Serialize(); empty unless latency
};

struct SeriesRollups {
  SeriesKey key;
  std::vector<RollupRow> rows;  // sorted by bucket_start_ms
};

// Where each tier is complete, so a reader can pick one per bucket.
struct TierCoverage {
  int64_t now_ms = 0;
  // Raw reads return every stored sample at or after this time (older
  // chunks may have been deleted by retention).
  int64_t raw_complete_from_ms = 0;
  // A rollup bucket that lies entirely inside [from, before) holds every
  // sample that raw reads would return for it: `before` is the oldest
  // sample still only in memory, `from` is where rows not yet back-filled
  // after an upgrade end (INT64_MIN when none are pending).
  int64_t rollup_complete_from_ms = 0;
  int64_t rollup_complete_before_ms = 0;
};

// What `sctl storage` shows. Answered without scanning data: counts are
// maintained as rows are written and deleted, times come from indexes.
struct TierStats {
  std::string tier;         // raw | 1h | 1d | memory
  int64_t rows = 0;         // chunks or rollup rows
  int64_t points = 0;       // samples stored (raw) or summarised (rollups)
  int64_t oldest_ms = 0;    // 0 when empty (raw: start of the chunk that ends first)
  int64_t newest_ms = 0;
  int64_t bytes = 0;        // stored payload (raw: chunk data, memory: log records); 0 when unknown
  int64_t retention_ms = 0; // 0 = kept forever
};
struct StorageStats {
  std::vector<TierStats> tiers;
  int64_t series = 0;
  int64_t file_bytes = 0;  // main file + WAL
  int64_t free_bytes = 0;  // free pages inside the file, reused before it grows
};

// Cheap gauges for the collector's own metrics (scout_collector_series,
// scout_collector_head_samples), read every few seconds from another
// thread: an implementation answers from memory, never by scanning data.
struct StorageGauges {
  int64_t series = 0;           // distinct series ever written (not yet removed)
  int64_t series_removed = 0;   // series removed since start (no data left in any tier)
  // Points accepted by Write() that are not yet in their long-term layout
  // (SQLite: the in-memory head); 0 for a backend that writes them there
  // directly. Maintain() brings it down.
  int64_t buffered_points = 0;
  // Bytes the store takes on disk (SQLite: the file + its -wal and -shm),
  // as last measured by Maintain(): at most a few seconds old, never
  // measured on the caller's thread. 0 when unknown (in-memory store).
  int64_t disk_bytes = 0;
};

template <typename T>
struct Limited {
  std::vector<T> items;
  bool truncated = false;
};

class Storage {
 public:
  virtual ~Storage() = default;

  // Commits all batches in one transaction (group commit).
  virtual absl::Status Write(const std::vector<const WriteBatch*>& batches) = 0;

  // Inserts or updates the agent's record; first_seen is kept from the
  // existing record.
  virtual absl::Status UpsertAgent(const AgentRecord& agent) = 0;

  // Work that must not delay a Write() for long (moving data into its
  // long-term layout, checkpoints). The writer thread calls it between
  // writes; each call does a bounded slice of work.
  virtual absl::Status Maintain() = 0;

  virtual absl::StatusOr<std::vector<AgentRecord>> ListAgents() const = 0;

  // Matching series sorted by key, at most `limit` (truncated when more
  // match); memory O(limit) whatever the number of matches.
  virtual absl::StatusOr<Limited<SeriesKey>> ListSeries(const CompiledSelector& selector,
                                                        size_t limit) const = 0;

  // Raw points with start_ms <= t < end_ms of every matching series
  // (ListSeries order, at most `series_limit`, *truncated set when more
  // match), handed to `visit` ONE series at a time (sorted, one point per
  // timestamp), so a caller that reduces each series holds one series' raw
  // points at a time. Stops at the first error of the budget or of `visit`.
  using SeriesVisitor = std::function<absl::Status(SeriesPoints&&)>;
  virtual absl::Status VisitRange(const CompiledSelector& selector, int64_t start_ms,
                                  int64_t end_ms, size_t series_limit, ReadBudget& budget,
                                  const SeriesVisitor& visit, bool* truncated) const = 0;

  // VisitRange collected: every matching series' points in memory.
  absl::StatusOr<Limited<SeriesPoints>> ReadRange(const CompiledSelector& selector,
                                                  int64_t start_ms, int64_t end_ms,
                                                  size_t series_limit, ReadBudget& budget) const;

  // The newest point of every matching series.
  virtual absl::StatusOr<Limited<SeriesPoints>> Latest(const CompiledSelector& selector,
                                                       size_t limit) const = 0;

  // Rollup rows with start_ms <= bucket_start_ms < end_ms for every
  // matching series (series with no rows in the range are included, empty,
  // so callers can combine with raw reads), one series at a time as
  // VisitRange; each row counts one sample of the budget.
  using RollupVisitor = std::function<absl::Status(SeriesRollups&&)>;
  virtual absl::Status VisitRollups(const CompiledSelector& selector, RollupTier tier,
                                    int64_t start_ms, int64_t end_ms, size_t series_limit,
                                    ReadBudget& budget, const RollupVisitor& visit,
                                    bool* truncated) const = 0;

  // VisitRollups collected.
  absl::StatusOr<Limited<SeriesRollups>> ReadRollups(const CompiledSelector& selector,
                                                     RollupTier tier, int64_t start_ms,
                                                     int64_t end_ms, size_t series_limit,
                                                     ReadBudget& budget) const;

  // Call before the reads it qualifies: data stored after the call can only
  // widen what is complete.
  virtual TierCoverage Coverage() const = 0;

  // Sizes per tier, from maintained counters and index lookups: cheap
  // whatever the size of the database.
  virtual absl::StatusOr<StorageStats> Stats() const = 0;

  // Never fails and never blocks on I/O (see StorageGauges).
  virtual StorageGauges Gauges() const = 0;

  // Whether the series exists: true once a Write() that created it has
  // returned OK, false again after the series is removed (no data left in
  // any tier). Answered from memory, never blocks on I/O: the ingest
  // series limits call it for every series not seen recently.
  virtual bool HasSeries(const SeriesKey& key) const = 0;
};

inline absl::StatusOr<Limited<SeriesPoints>> Storage::ReadRange(const CompiledSelector& selector,
                                                                int64_t start_ms, int64_t end_ms,
                                                                size_t series_limit,
                                                                ReadBudget& budget) const {
  Limited<SeriesPoints> out;
  absl::Status status = VisitRange(
      selector, start_ms, end_ms, series_limit, budget,
      [&](SeriesPoints&& s) {
        out.items.push_back(std::move(s));
        return absl::OkStatus();
      },
      &out.truncated);
  if (!status.ok()) return status;
  return out;
}

inline absl::StatusOr<Limited<SeriesRollups>> Storage::ReadRollups(
    const CompiledSelector& selector, RollupTier tier, int64_t start_ms, int64_t end_ms,
    size_t series_limit, ReadBudget& budget) const {
  Limited<SeriesRollups> out;
  absl::Status status = VisitRollups(
      selector, tier, start_ms, end_ms, series_limit, budget,
      [&](SeriesRollups&& s) {
        out.items.push_back(std::move(s));
        return absl::OkStatus();
      },
      &out.truncated);
  if (!status.ok()) return status;
  return out;
}

}  // namespace scout::collector
