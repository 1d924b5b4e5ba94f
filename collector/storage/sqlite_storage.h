// SqliteStorage: the embedded default Storage, one SQLite file in WAL mode.
//
// Layout (see docs/architecture.md, "Storage"):
//  * samples_log: every group commit appends ONE row whose blob holds all
//    of its samples (24 bytes each). Appending is sequential I/O however
//    many series are written, which is what makes ack-after-commit cheap.
//  * Head (memory): the same points, for queries, until they are chunked.
//  * chunks: per-series compressed runs of points (point_codec.h), written
//    by Maintain() in small transactions; once a whole flush generation is
//    chunked, its samples_log rows are deleted.
//  * rollup_1h / rollup_1d: per series and hour / day, min, max, sum,
//    count, last and (latency series) a quantile sketch. Each flush slice
//    merges its points into them in the same transaction as the chunks, so
//    rollups are exactly as durable as chunks and late samples just merge
//    into their bucket's row. flush_progress (same transaction) tells a
//    replay after a crash which logged samples are already flushed, so a
//    restart never merges a sample twice.
//  * On open, samples_log is replayed into the head, so a killed process
//    loses nothing it acknowledged.
//  * Retention: Maintain() deletes chunks and rollup rows older than their
//    tier's retention, at most `housekeeping_rows` rows per transaction.
//    Freed pages go to SQLite's free list and are reused before the file
//    grows, so at steady state the file stays the size of the retained data
//    (no auto-vacuum: switching an existing file to it needs a full VACUUM).
//
// Durability: `synchronous` FULL (default) fsyncs the WAL on every commit,
// so an acked sample survives power loss; NORMAL survives a process kill
// but may lose the last commits on power loss.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "collector/storage/head.h"
#include "collector/storage/series_index.h"
#include "collector/storage/storage.h"
#include "shared/clock.h"

namespace scout::collector {

class SqliteDb;
class SqliteStatement;

struct SqliteOptions {
  std::string path;
  bool synchronous_full = true;
  // A flush generation starts when the head holds this many points, or
  // when `flush_interval` has passed since the last one.
  size_t max_head_points = 2'000'000;
  std::chrono::milliseconds flush_interval = std::chrono::minutes(10);
  size_t max_chunk_points = 1024;
  size_t series_per_flush_slice = 2000;
  // How long one Maintain() call may keep flushing slices.
  std::chrono::milliseconds maintenance_budget{30};
  // Retention per tier; zero keeps the tier forever.
  std::chrono::milliseconds raw_retention = std::chrono::hours(24 * 15);
  std::chrono::milliseconds hour_retention = std::chrono::hours(24 * 90);
  std::chrono::milliseconds day_retention = std::chrono::hours(24 * 730);
  // Expired data is looked for this often; while some is left, every
  // Maintain() call deletes up to `housekeeping_rows` rows (one short
  // transaction per tier), so a big backlog never stalls commits.
  std::chrono::milliseconds housekeeping_interval = std::chrono::minutes(1);
  size_t housekeeping_rows = 500;
  // Chunks from before rollups existed, merged into rollups per call.
  size_t backfill_chunks_per_call = 32;
};

class SqliteStorage final : public Storage {
 public:
  // Opens or creates the database, applies pending schema migrations and
  // replays the log into memory.
  static absl::StatusOr<std::unique_ptr<SqliteStorage>> Open(const SqliteOptions& options,
                                                             const Clock& clock);
  ~SqliteStorage() override;

  absl::Status Write(const std::vector<const WriteBatch*>& batches) override;
  absl::Status UpsertAgent(const AgentRecord& agent) override;
  absl::Status Maintain() override;
  absl::StatusOr<std::vector<AgentRecord>> ListAgents() const override;
  absl::StatusOr<Limited<SeriesKey>> ListSeries(const CompiledSelector& selector,
                                                size_t limit) const override;
  absl::StatusOr<Limited<SeriesPoints>> ReadRange(const CompiledSelector& selector,
                                                  int64_t start_ms, int64_t end_ms,
                                                  size_t series_limit) const override;
  absl::StatusOr<Limited<SeriesPoints>> Latest(const CompiledSelector& selector,
                                               size_t limit) const override;
  absl::StatusOr<Limited<SeriesRollups>> ReadRollups(const CompiledSelector& selector,
                                                     RollupTier tier, int64_t start_ms,
                                                     int64_t end_ms,
                                                     size_t series_limit) const override;
  TierCoverage Coverage() const override;
  absl::StatusOr<StorageStats> Stats() const override;
  StorageGauges Gauges() const override;
  bool HasSeries(const SeriesKey& key) const override;

  // For tests: runs flush slices until the head is empty.
  absl::Status FlushAll();
  // One housekeeping step now, whatever the interval: deletes up to
  // `housekeeping_rows` expired rows; returns how many it deleted. Called
  // by Maintain(); public for tests and benchmarks.
  absl::StatusOr<size_t> DeleteExpired();
  bool backfill_pending() const { return backfill_done_ < backfill_upto_; }
  size_t head_points() const { return head_.point_count(); }
  int schema_version() const { return schema_version_; }

 private:
  SqliteStorage(SqliteOptions options, const Clock& clock);
  absl::Status Init();
  absl::Status OpenReadConnection();
  // Stats(): the file's bytes (main file + WAL) and its free pages.
  absl::Status AddFileSizes(StorageStats* stats) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(read_mu_);
  // False when no chunk of the series ends at or after start_ms, so a read
  // from there on is served from memory alone.
  bool ChunksMayHold(int64_t series_id, int64_t start_ms) const;
  // Appends to (*out)[i] the chunked points in [start_ms, end_ms) of
  // matches[i], for each i in `which`.
  absl::Status ReadChunks(const std::vector<SeriesIndex::Match>& matches,
                          const std::vector<size_t>& which, int64_t start_ms, int64_t end_ms,
                          std::vector<SeriesPoints>* out) const;
  absl::Status LoadSeries();
  absl::Status LoadLatestFromChunks();
  absl::Status ReplayLog();
  absl::Status MaintainFlush();
  absl::Status FlushSlice();
  absl::Status LoadRollupState();
  absl::Status BackfillStep();
  bool IsLatency(int64_t series_id) const { return latency_ids_.count(series_id) > 0; }
  absl::StatusOr<int64_t> InternSeries(SqliteStatement& insert, const SeriesKey& key, const std::string& key_string,
                                       std::vector<SeriesIndex::Match>* created);

  const SqliteOptions options_;
  const Clock& clock_;
  int schema_version_ = 0;

  // Writer-thread state.
  std::unique_ptr<SqliteDb> db_;
  std::vector<int64_t> flush_ids_;  // series left in this generation
  size_t flush_pos_ = 0;
  int64_t flush_log_upto_ = 0;      // samples_log rows covered by the generation
  bool flushing_ = false;
  std::chrono::steady_clock::time_point last_flush_;
  std::unordered_set<int64_t> latency_ids_;  // series whose rollups get sketches
  int64_t backfill_upto_ = 0;                // chunk ids to back-fill into rollups
  int64_t backfill_done_ = 0;
  std::chrono::steady_clock::time_point next_housekeeping_;
  // Rollup buckets starting before this may miss chunks not yet
  // back-filled; INT64_MIN once none are pending (read by Coverage()).
  std::atomic<int64_t> rollup_complete_from_ms_{INT64_MIN};

  // Reader state: one connection, serialised. WAL lets it read while the
  // writer commits.
  // Lock order: read_mu_ may be held while Head's and SeriesIndex's own
  // locks are taken (Stats()), never the other way round.
  mutable absl::Mutex read_mu_;
  std::unique_ptr<SqliteDb> read_db_ ABSL_GUARDED_BY(read_mu_);
  // Newest chunk end per series: a read that starts after it needs no chunk
  // query, so recent windows (alert rules, `sctl latest`-like reads) are
  // served from memory alone. Updated after a flush commits and before the
  // head drops the flushed points (see ReadRange for why that order).
  mutable absl::Mutex chunk_end_mu_;
  std::unordered_map<int64_t, int64_t> chunk_end_ms_ ABSL_GUARDED_BY(chunk_end_mu_);

  SeriesIndex index_;
  Head head_;
};

}  // namespace scout::collector
