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
//    tier's retention, at most `housekeeping_rows` rows per transaction;
//    then the series lifecycle pass checks `housekeeping_rows` series per
//    call and removes those with no data left in any tier (row in
//    `series`, SeriesIndex entry, head entry), so a restart loads only live
//    series.
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
#include <functional>
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
  // Read connections shared by all readers. A reader holds one only for
  // one series' chunk or rollup read, so a long query never keeps the
  // alert engine or another query waiting for longer than that.
  size_t read_connections = 4;
  // How often Maintain() re-measures the files for Gauges().disk_bytes
  // (stat() on the writer thread, so /metrics never waits for the disk).
  std::chrono::milliseconds disk_size_interval = std::chrono::seconds(5);
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
  absl::Status VisitRange(const CompiledSelector& selector, int64_t start_ms, int64_t end_ms,
                          size_t series_limit, ReadBudget& budget, const SeriesVisitor& visit,
                          bool* truncated) const override;
  absl::StatusOr<Limited<SeriesPoints>> Latest(const CompiledSelector& selector,
                                               size_t limit) const override;
  absl::Status VisitRollups(const CompiledSelector& selector, RollupTier tier, int64_t start_ms,
                            int64_t end_ms, size_t series_limit, ReadBudget& budget,
                            const RollupVisitor& visit, bool* truncated) const override;
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
  // One step of the series lifecycle pass: checks up to `housekeeping_rows`
  // series after the previous step's last and removes those with no data
  // in any tier; returns true when the pass reached the last series.
  // Called by Maintain() after retention; public for tests.
  absl::StatusOr<bool> RemoveDeadSeries();
  // Measures the files' sizes now for Gauges().disk_bytes (three stat()
  // calls). Maintain() calls it every `disk_size_interval`; public for tests.
  void RefreshDiskBytes();
  // Tests only: runs inside every chunk read while the read connection is
  // held (to hold a long read open without sleeping).
  void SetChunkReadHookForTesting(std::function<void()> hook);
  bool backfill_pending() const { return backfill_done_ < backfill_upto_; }
  size_t head_points() const { return head_.point_count(); }
  int schema_version() const { return schema_version_; }

 private:
  SqliteStorage(SqliteOptions options, const Clock& clock);
  absl::Status Init();
  // One read connection and its prepared statements; see ReadLease.
  struct ReadConnection;
  class ReadLease;
  absl::Status OpenReadConnections();
  // Waits for an idle read connection (at most read_connections exist).
  std::unique_ptr<ReadConnection> AcquireRead() const;
  void ReleaseRead(std::unique_ptr<ReadConnection> connection) const;
  // Stats(): the file's bytes (main file + WAL) and its free pages.
  absl::Status AddFileSizes(SqliteDb& db, StorageStats* stats) const;
  // False when no chunk of the series ends at or after start_ms, so a read
  // from there on is served from memory alone.
  bool ChunksMayHold(int64_t series_id, int64_t start_ms) const;
  // Appends to *points the chunked points in [start_ms, end_ms) of the
  // series, charging each chunk's points to `budget` before decoding it.
  absl::Status ReadChunks(int64_t series_id, int64_t start_ms, int64_t end_ms,
                          ReadBudget& budget, std::vector<Point>* points) const;
  // Counts of the tiers, once at open (Stats() keeps them up to date).
  absl::Status LoadTierCounts();
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
  bool sweeping_ = false;  // retention caught up: the lifecycle pass runs
  std::chrono::steady_clock::time_point last_flush_;
  std::unordered_set<int64_t> latency_ids_;  // series whose rollups get sketches
  int64_t backfill_upto_ = 0;                // chunk ids to back-fill into rollups
  int64_t backfill_done_ = 0;
  std::chrono::steady_clock::time_point next_housekeeping_;
  // Rollup buckets starting before this may miss chunks not yet
  // back-filled; INT64_MIN once none are pending (read by Coverage()).
  std::atomic<int64_t> rollup_complete_from_ms_{INT64_MIN};

  int64_t sweep_after_id_ = 0;               // lifecycle pass: last series checked

  // Reader state: a pool of `read_connections` connections (WAL lets them
  // read while the writer commits). read_mu_ guards only the idle list: a
  // reader takes a connection out, uses it without any storage lock for
  // one series' read, and puts it back. No other lock is taken while
  // read_mu_ is held.
  mutable absl::Mutex read_mu_;
  mutable std::vector<std::unique_ptr<ReadConnection>> idle_reads_ ABSL_GUARDED_BY(read_mu_);
  std::function<void()> chunk_read_hook_ ABSL_GUARDED_BY(read_mu_);

  // Stats() counters, written by the writer thread after each commit that
  // changes a tier and read by Stats() from any thread. Index: raw, 1h, 1d.
  std::atomic<int64_t> tier_rows_[3] = {};
  std::atomic<int64_t> tier_points_[3] = {};
  std::atomic<int64_t> raw_bytes_{0};      // chunk payload bytes
  std::atomic<int64_t> series_removed_{0};
  std::atomic<int64_t> disk_bytes_{0};     // Gauges().disk_bytes
  std::chrono::steady_clock::time_point next_disk_size_;  // writer thread
  // Newest chunk end per series: a read that starts after it needs no chunk
  // query, so recent windows (alert rules, `sctl latest`-like reads) are
  // served from memory alone. Updated after a flush commits and before the
  // head drops the flushed points (see VisitRange for why that order).
  mutable absl::Mutex chunk_end_mu_;
  std::unordered_map<int64_t, int64_t> chunk_end_ms_ ABSL_GUARDED_BY(chunk_end_mu_);

  SeriesIndex index_;
  Head head_;
};

}  // namespace scout::collector
