#include "collector/storage/sqlite_storage.h"

#include <algorithm>
#include <climits>
#include <filesystem>
#include <optional>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "collector/storage/label_codec.h"
#include "collector/storage/migrations.h"
#include "collector/storage/point_codec.h"
#include "collector/storage/rollup_writer.h"
#include "collector/storage/sqlite_db.h"
#include "shared/status_macros.h"
#include "shared/logging.h"

namespace scout::collector {

// A read connection with its statements prepared once.
struct SqliteStorage::ReadConnection {
  std::unique_ptr<SqliteDb> db;  // declared first: destroyed after the statements
  std::optional<SqliteStatement> chunks;
  std::optional<SqliteStatement> rollups[2];  // by RollupTier
};

// Holds one read connection for the scope; never held across series.
class SqliteStorage::ReadLease {
 public:
  explicit ReadLease(const SqliteStorage& storage)
      : storage_(storage), connection_(storage.AcquireRead()) {}
  ~ReadLease() { storage_.ReleaseRead(std::move(connection_)); }
  ReadLease(const ReadLease&) = delete;
  ReadLease& operator=(const ReadLease&) = delete;
  ReadConnection& operator*() const { return *connection_; }
  ReadConnection* operator->() const { return connection_.get(); }

 private:
  const SqliteStorage& storage_;
  std::unique_ptr<ReadConnection> connection_;
};

SqliteStorage::SqliteStorage(SqliteOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock), last_flush_(clock.SteadyNow()) {}

SqliteStorage::~SqliteStorage() = default;

std::unique_ptr<SqliteStorage::ReadConnection> SqliteStorage::AcquireRead() const {
  read_mu_.LockWhen(absl::Condition(
      +[](std::vector<std::unique_ptr<ReadConnection>>* idle) { return !idle->empty(); },
      &idle_reads_));
  std::unique_ptr<ReadConnection> connection = std::move(idle_reads_.back());
  idle_reads_.pop_back();
  read_mu_.Unlock();
  return connection;
}

void SqliteStorage::ReleaseRead(std::unique_ptr<ReadConnection> connection) const {
  absl::MutexLock lock(&read_mu_);
  idle_reads_.push_back(std::move(connection));
}

void SqliteStorage::SetChunkReadHookForTesting(std::function<void()> hook) {
  absl::MutexLock lock(&read_mu_);
  chunk_read_hook_ = std::move(hook);
}

absl::StatusOr<std::unique_ptr<SqliteStorage>> SqliteStorage::Open(
    const SqliteOptions& options, const Clock& clock) {
  std::unique_ptr<SqliteStorage> storage(new SqliteStorage(options, clock));
  SCOUT_RETURN_IF_ERROR(storage->Init());
  return storage;
}

absl::Status SqliteStorage::OpenReadConnections() {
  const size_t n = std::max<size_t>(1, options_.read_connections);
  for (size_t i = 0; i < n; ++i) {
    auto c = std::make_unique<ReadConnection>();
    SCOUT_ASSIGN_OR_RETURN(c->db, SqliteDb::Open(options_.path, /*read_only=*/false));
    SCOUT_RETURN_IF_ERROR(c->db->Exec("PRAGMA query_only=1"));
    // 16 MiB of page cache shared out over the pool.
    SCOUT_RETURN_IF_ERROR(
        c->db->Exec(absl::StrCat("PRAGMA cache_size=-", std::max<size_t>(2048, 16384 / n))));
    SCOUT_ASSIGN_OR_RETURN(SqliteStatement chunks,
                           c->db->Prepare("SELECT point_count, data FROM chunks WHERE"
                                          " series_id = ? AND end_ms >= ? AND start_ms < ?"
                                          " ORDER BY id"));
    c->chunks.emplace(std::move(chunks));
    for (RollupTier tier : {RollupTier::kHour, RollupTier::kDay}) {
      SCOUT_ASSIGN_OR_RETURN(
          SqliteStatement rollups,
          c->db->Prepare(absl::StrCat(
              "SELECT bucket_start_ms, min, max, sum, count, last, last_ms, sketch FROM ",
              RollupTable(tier),
              " WHERE series_id = ? AND bucket_start_ms >= ? AND bucket_start_ms < ?"
              " ORDER BY bucket_start_ms")));
      c->rollups[static_cast<size_t>(tier)].emplace(std::move(rollups));
    }
    ReleaseRead(std::move(c));
  }
  return absl::OkStatus();
}

absl::Status SqliteStorage::Init() {
  SCOUT_ASSIGN_OR_RETURN(db_, SqliteDb::Open(options_.path, /*read_only=*/false));
  SCOUT_RETURN_IF_ERROR(db_->Exec("PRAGMA journal_mode=WAL"));
  SCOUT_RETURN_IF_ERROR(db_->Exec(options_.synchronous_full ? "PRAGMA synchronous=FULL"
                                                            : "PRAGMA synchronous=NORMAL"));
  SCOUT_RETURN_IF_ERROR(db_->Exec("PRAGMA cache_size=-32768"));  // 32 MiB
  SCOUT_RETURN_IF_ERROR(db_->Exec("PRAGMA temp_store=MEMORY"));
  SCOUT_ASSIGN_OR_RETURN(schema_version_, MigrateSchema(*db_, clock_.NowMs()));

  SCOUT_RETURN_IF_ERROR(OpenReadConnections());

  SCOUT_RETURN_IF_ERROR(LoadSeries());
  SCOUT_RETURN_IF_ERROR(LoadLatestFromChunks());
  SCOUT_RETURN_IF_ERROR(LoadTierCounts());
  SCOUT_RETURN_IF_ERROR(LoadRollupState());
  SCOUT_RETURN_IF_ERROR(ReplayLog());
  RefreshDiskBytes();
  return absl::OkStatus();
}

absl::Status SqliteStorage::LoadSeries() {
  SCOUT_ASSIGN_OR_RETURN(SqliteStatement stmt,
                         db_->Prepare("SELECT id, metric, labels, key FROM series"));
  while (true) {
    SCOUT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    SeriesKey key{stmt.ColumnText(1), DecodeLabelsBlob(stmt.ColumnBlob(2))};
    if (IsLatencyMetric(key.metric)) latency_ids_.insert(stmt.ColumnInt(0));
    index_.Add(stmt.ColumnInt(0), std::move(key), stmt.ColumnText(3));
  }
  return absl::OkStatus();
}

absl::Status SqliteStorage::LoadLatestFromChunks() {
  // SQLite returns the bare columns of the row holding MAX(end_ms).
  SCOUT_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      db_->Prepare("SELECT series_id, MAX(end_ms), data, COUNT(*), SUM(point_count),"
                   " SUM(LENGTH(data)) FROM chunks GROUP BY series_id"));
  std::vector<Point> points;
  // The raw tier's Stats() counters come with this scan, which open does
  // anyway (rollups: LoadTierCounts).
  int64_t rows = 0, stored = 0, bytes = 0;
  while (true) {
    SCOUT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) {
      tier_rows_[0] = rows;
      tier_points_[0] = stored;
      raw_bytes_ = bytes;
      break;
    }
    rows += stmt.ColumnInt(3);
    stored += stmt.ColumnInt(4);
    bytes += stmt.ColumnInt(5);
    points.clear();
    SCOUT_RETURN_IF_ERROR(DecodeChunk(stmt.ColumnBlob(2), &points));
    if (!points.empty()) head_.SetLatest(stmt.ColumnInt(0), points.back());
    absl::MutexLock lock(&chunk_end_mu_);
    chunk_end_ms_[stmt.ColumnInt(0)] = stmt.ColumnInt(1);
  }
  return absl::OkStatus();
}

absl::Status SqliteStorage::LoadTierCounts() {
  for (RollupTier tier : {RollupTier::kHour, RollupTier::kDay}) {
    SCOUT_ASSIGN_OR_RETURN(SqliteStatement count,
                           db_->Prepare(absl::StrCat("SELECT COUNT(*), COALESCE(SUM(count), 0) FROM ",
                                                     RollupTable(tier))));
    SCOUT_ASSIGN_OR_RETURN(bool row, count.Step());
    const size_t i = tier == RollupTier::kHour ? 1 : 2;
    tier_rows_[i] = row ? count.ColumnInt(0) : 0;
    tier_points_[i] = row ? count.ColumnInt(1) : 0;
  }
  return absl::OkStatus();
}

absl::Status SqliteStorage::LoadRollupState() {
  SCOUT_ASSIGN_OR_RETURN(
      SqliteStatement state,
      db_->Prepare("SELECT upto_chunk_id, done_chunk_id,"
                   " (SELECT MAX(end_ms) FROM chunks WHERE id > b.done_chunk_id"
                   "  AND id <= b.upto_chunk_id) FROM rollup_backfill b WHERE id = 1"));
  SCOUT_ASSIGN_OR_RETURN(bool row, state.Step());
  if (row) {
    backfill_upto_ = state.ColumnInt(0);
    backfill_done_ = state.ColumnInt(1);
  }
  if (backfill_pending() && !state.ColumnIsNull(2)) {
    // Buckets from the one after the newest pending chunk's point on are
    // complete; older ones wait for the back-fill.
    rollup_complete_from_ms_ = state.ColumnInt(2) + 1;
    spdlog::info("storage: merging {} chunks written before rollups existed into rollups",
                 backfill_upto_ - backfill_done_);
  } else {
    backfill_done_ = backfill_upto_;
  }
  return absl::OkStatus();
}

absl::Status SqliteStorage::ReplayLog() {
  // Samples of a generation that was partly flushed before the process
  // stopped: already in chunks and rollups, so not replayed (see
  // migration 3, flush_progress). done_after[i]: the highest series flushed
  // by any generation covering log rows <= progress[i].first.
  std::vector<std::pair<int64_t, int64_t>> progress;
  {
    SCOUT_ASSIGN_OR_RETURN(
        SqliteStatement p,
        db_->Prepare("SELECT log_upto, series_done FROM flush_progress ORDER BY log_upto"));
    while (true) {
      SCOUT_ASSIGN_OR_RETURN(bool row, p.Step());
      if (!row) break;
      progress.emplace_back(p.ColumnInt(0), p.ColumnInt(1));
    }
    for (size_t i = progress.size(); i-- > 1;) {
      progress[i - 1].second = std::max(progress[i - 1].second, progress[i].second);
    }
  }
  SCOUT_ASSIGN_OR_RETURN(SqliteStatement stmt,
                         db_->Prepare("SELECT id, data FROM samples_log ORDER BY id"));
  size_t rows = 0;
  size_t skipped = 0;
  size_t next_progress = 0;
  std::vector<Head::Entry> entries;
  while (true) {
    SCOUT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    SCOUT_ASSIGN_OR_RETURN(std::vector<LogRecord> records,
                           DecodeLogRecords(stmt.ColumnBlob(1)));
    const int64_t log_id = stmt.ColumnInt(0);
    while (next_progress < progress.size() && progress[next_progress].first < log_id) {
      ++next_progress;
    }
    const int64_t flushed_upto =
        next_progress < progress.size() ? progress[next_progress].second : INT64_MIN;
    entries.clear();
    for (const LogRecord& r : records) {
      if (r.series_id <= flushed_upto) {
        ++skipped;
        continue;
      }
      entries.push_back({r.series_id, {r.timestamp_ms, r.value}});
    }
    head_.Append(entries);
    ++rows;
  }
  if (rows > 0) {
    spdlog::info("storage: replayed {} log rows ({} points) into memory, {} already flushed",
                 rows, head_.point_count(), skipped);
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> SqliteStorage::InternSeries(SqliteStatement& insert,
                                                    const SeriesKey& key,
                                                    const std::string& key_string,
                                                    std::vector<SeriesIndex::Match>* created) {
  insert.Bind(1, key.metric);
  const std::string labels = EncodeLabelsBlob(key.labels);
  insert.BindBlob(2, labels.data(), labels.size());
  insert.Bind(3, key_string);
  SCOUT_RETURN_IF_ERROR(insert.Run());
  int64_t id = db_->LastInsertRowId();
  created->push_back({id, key});
  return id;
}

absl::Status SqliteStorage::Write(const std::vector<const WriteBatch*>& batches) {
  std::vector<SeriesIndex::Match> created;
  std::unordered_map<std::string, int64_t> created_ids;  // new series in this commit
  std::vector<Head::Entry> entries;
  std::string blob;

  absl::Status status = InTransaction(*db_, [&]() -> absl::Status {
    SCOUT_ASSIGN_OR_RETURN(SqliteStatement insert_series,
                           db_->Prepare("INSERT INTO series(metric, labels, key) VALUES (?, ?, ?)"));
    for (const WriteBatch* batch : batches) {
      for (const SeriesPoints& series : batch->series) {
        std::string key_string = SeriesKeyString(series.key);
        int64_t id;
        if (auto found = index_.Find(key_string)) {
          id = *found;
        } else if (auto it = created_ids.find(key_string); it != created_ids.end()) {
          id = it->second;
        } else {
          SCOUT_ASSIGN_OR_RETURN(id, InternSeries(insert_series, series.key, key_string, &created));
          created_ids.emplace(std::move(key_string), id);
        }
        for (const Point& p : series.points) {
          AppendLogRecord({id, p.timestamp_ms, p.value}, &blob);
          entries.push_back({id, p});
        }
      }
    }
    SCOUT_ASSIGN_OR_RETURN(SqliteStatement log,
                           db_->Prepare("INSERT INTO samples_log(committed_ms, data) VALUES (?, ?)"));
    log.Bind(1, clock_.NowMs());
    log.BindBlob(2, blob.data(), blob.size());
    SCOUT_RETURN_IF_ERROR(log.Run());

    SCOUT_ASSIGN_OR_RETURN(
        SqliteStatement seen,
        db_->Prepare("UPDATE agents SET last_seen_ms = MAX(last_seen_ms, ?) WHERE agent_id = ?"));
    for (const WriteBatch* batch : batches) {
      seen.Bind(1, batch->received_ms);
      seen.Bind(2, batch->agent_id);
      SCOUT_RETURN_IF_ERROR(seen.Run());
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;

  // Committed: make it visible to readers.
  for (SeriesIndex::Match& m : created) {
    if (IsLatencyMetric(m.key.metric)) latency_ids_.insert(m.id);
    std::string key_string = SeriesKeyString(m.key);
    index_.Add(m.id, std::move(m.key), std::move(key_string));
  }
  head_.Append(entries);
  return absl::OkStatus();
}

absl::Status SqliteStorage::UpsertAgent(const AgentRecord& agent) {
  SCOUT_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      db_->Prepare("INSERT INTO agents(agent_id, hostname, version, labels, incarnation_id,"
                   " interval_ms, first_seen_ms, last_seen_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                   " ON CONFLICT(agent_id) DO UPDATE SET hostname = excluded.hostname,"
                   " version = excluded.version, labels = excluded.labels,"
                   " incarnation_id = excluded.incarnation_id, interval_ms = excluded.interval_ms,"
                   " last_seen_ms = MAX(last_seen_ms, excluded.last_seen_ms)"));
  stmt.Bind(1, agent.agent_id);
  stmt.Bind(2, agent.hostname);
  stmt.Bind(3, agent.version);
  const std::string labels = EncodeLabelsBlob(agent.labels);
  stmt.BindBlob(4, labels.data(), labels.size());
  stmt.Bind(5, agent.incarnation_id);
  stmt.Bind(6, agent.interval_ms);
  stmt.Bind(7, agent.first_seen_ms);
  stmt.Bind(8, agent.last_seen_ms);
  return stmt.Run();
}

void SqliteStorage::RefreshDiskBytes() {
  int64_t total = 0;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;  // a missing -wal/-shm (or ":memory:") counts 0
    const auto size = std::filesystem::file_size(options_.path + suffix, ec);
    if (!ec) total += static_cast<int64_t>(size);
  }
  disk_bytes_.store(total);
}

absl::Status SqliteStorage::Maintain() {
  // First, so the size stays fresh whichever kind of work this call does.
  if (const auto now = clock_.SteadyNow(); now >= next_disk_size_) {
    RefreshDiskBytes();
    next_disk_size_ = now + options_.disk_size_interval;
  }
  SCOUT_RETURN_IF_ERROR(MaintainFlush());
  // One kind of work per call, so a call stays short: flushing first (the
  // head must not grow), then back-fill, then retention.
  if (flushing_) return absl::OkStatus();
  if (backfill_pending()) return BackfillStep();
  const auto now = clock_.SteadyNow();
  if (now < next_housekeeping_) return absl::OkStatus();
  if (!sweeping_) {
    SCOUT_ASSIGN_OR_RETURN(size_t deleted, DeleteExpired());
    // A full batch means more may be left: look again on the next call.
    // Once retention caught up, the series lifecycle pass follows.
    if (deleted < options_.housekeeping_rows) sweeping_ = true;
    return absl::OkStatus();
  }
  SCOUT_ASSIGN_OR_RETURN(bool pass_done, RemoveDeadSeries());
  if (pass_done) {
    sweeping_ = false;
    next_housekeeping_ = now + options_.housekeeping_interval;
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> SqliteStorage::RemoveDeadSeries() {
  SCOUT_ASSIGN_OR_RETURN(SqliteStatement next,
                         db_->Prepare("SELECT id FROM series WHERE id > ? ORDER BY id LIMIT ?"));
  next.Bind(1, sweep_after_id_);
  next.Bind(2, static_cast<int64_t>(options_.housekeeping_rows));
  std::vector<int64_t> ids;
  while (true) {
    SCOUT_ASSIGN_OR_RETURN(bool row, next.Step());
    if (!row) break;
    ids.push_back(next.ColumnInt(0));
  }
  next.Reset();
  const bool pass_done = ids.size() < options_.housekeeping_rows;
  sweep_after_id_ = pass_done || ids.empty() ? 0 : ids.back();

  // Each probe is one index lookup (chunks_by_series_end, the rollup
  // tables' primary keys).
  SCOUT_ASSIGN_OR_RETURN(
      SqliteStatement has_data,
      db_->Prepare("SELECT EXISTS (SELECT 1 FROM chunks WHERE series_id = ?1)"
                   " OR EXISTS (SELECT 1 FROM rollup_1h WHERE series_id = ?1)"
                   " OR EXISTS (SELECT 1 FROM rollup_1d WHERE series_id = ?1)"));
  std::vector<int64_t> dead;
  for (int64_t id : ids) {
    has_data.Bind(1, id);
    SCOUT_ASSIGN_OR_RETURN(bool row, has_data.Step());
    const bool stored = row && has_data.ColumnInt(0) != 0;
    has_data.Reset();
    if (stored) continue;
    // Only this (the writer) thread appends to the head, so a series with
    // nothing in memory now cannot gain points before it is removed.
    if (head_.ForgetIfEmpty(id)) dead.push_back(id);
  }
  if (dead.empty()) return pass_done;
  SCOUT_RETURN_IF_ERROR(InTransaction(*db_, [&]() -> absl::Status {
    SCOUT_ASSIGN_OR_RETURN(SqliteStatement del, db_->Prepare("DELETE FROM series WHERE id = ?"));
    for (int64_t id : dead) {
      del.Bind(1, id);
      SCOUT_RETURN_IF_ERROR(del.Run());
    }
    return absl::OkStatus();
  }));
  {
    absl::MutexLock lock(&chunk_end_mu_);
    for (int64_t id : dead) chunk_end_ms_.erase(id);
  }
  for (int64_t id : dead) {
    index_.Remove(id);
    latency_ids_.erase(id);
  }
  series_removed_ += static_cast<int64_t>(dead.size());
  spdlog::debug("storage: removed {} series with no data left", dead.size());
  return pass_done;
}

absl::StatusOr<size_t> SqliteStorage::DeleteExpired() {
  const int64_t now = clock_.NowMs();
  size_t deleted = 0;
  struct Target {
    const char* sql;  // RETURNING (points, bytes) of each deleted row, for Stats()
    int64_t cutoff;   // rows wholly older than this go
    bool enabled;
  };
  const Target targets[] = {
      {"DELETE FROM chunks WHERE id IN"
       " (SELECT id FROM chunks WHERE end_ms < ? LIMIT ?) RETURNING point_count, LENGTH(data)",
       now - options_.raw_retention.count(), options_.raw_retention.count() > 0},
      {"DELETE FROM rollup_1h WHERE (series_id, bucket_start_ms) IN"
       " (SELECT series_id, bucket_start_ms FROM rollup_1h WHERE bucket_start_ms < ? LIMIT ?)"
       " RETURNING count, 0",
       now - options_.hour_retention.count() - kHourMs, options_.hour_retention.count() > 0},
      {"DELETE FROM rollup_1d WHERE (series_id, bucket_start_ms) IN"
       " (SELECT series_id, bucket_start_ms FROM rollup_1d WHERE bucket_start_ms < ? LIMIT ?)"
       " RETURNING count, 0",
       now - options_.day_retention.count() - kDayMs, options_.day_retention.count() > 0},
  };
  for (size_t i = 0; i < 3; ++i) {
    const Target& t = targets[i];
    if (!t.enabled || deleted >= options_.housekeeping_rows) continue;
    SCOUT_ASSIGN_OR_RETURN(SqliteStatement del, db_->Prepare(t.sql));
    del.Bind(1, t.cutoff);
    del.Bind(2, static_cast<int64_t>(options_.housekeeping_rows - deleted));
    int64_t rows = 0, points = 0, bytes = 0;
    SCOUT_RETURN_IF_ERROR(InTransaction(*db_, [&]() -> absl::Status {
      rows = points = bytes = 0;
      while (true) {
        SCOUT_ASSIGN_OR_RETURN(bool row, del.Step());
        if (!row) break;
        ++rows;
        points += del.ColumnInt(0);
        bytes += del.ColumnInt(1);
      }
      del.Reset();
      return absl::OkStatus();
    }));
    tier_rows_[i] -= rows;
    tier_points_[i] -= points;
    if (i == 0) raw_bytes_ -= bytes;
    deleted += static_cast<size_t>(rows);
  }
  return deleted;
}

absl::Status SqliteStorage::BackfillStep() {
  int64_t done = backfill_done_;
  int64_t new_rows[2] = {0, 0}, new_points[2] = {0, 0};  // Stats() counters, once committed
  SCOUT_RETURN_IF_ERROR(InTransaction(*db_, [&]() -> absl::Status {
    SCOUT_ASSIGN_OR_RETURN(RollupWriter rollups, RollupWriter::Create(*db_));
    SCOUT_ASSIGN_OR_RETURN(
        SqliteStatement chunks,
        db_->Prepare("SELECT id, series_id, data FROM chunks WHERE id > ? AND id <= ?"
                     " ORDER BY id LIMIT ?"));
    chunks.Bind(1, backfill_done_);
    chunks.Bind(2, backfill_upto_);
    chunks.Bind(3, static_cast<int64_t>(options_.backfill_chunks_per_call));
    std::vector<Point> points;
    while (true) {
      SCOUT_ASSIGN_OR_RETURN(bool row, chunks.Step());
      if (!row) break;
      points.clear();
      SCOUT_RETURN_IF_ERROR(DecodeChunk(chunks.ColumnBlob(2), &points));
      SortAndDedupLastWins(&points);
      SCOUT_RETURN_IF_ERROR(rollups.Merge(chunks.ColumnInt(1), IsLatency(chunks.ColumnInt(1)), points));
      done = chunks.ColumnInt(0);
    }
    chunks.Reset();
    // Nothing left below upto (e.g. deleted by retention): finished.
    if (done == backfill_done_) done = backfill_upto_;
    SCOUT_ASSIGN_OR_RETURN(SqliteStatement save,
                           db_->Prepare("UPDATE rollup_backfill SET done_chunk_id = ? WHERE id = 1"));
    save.Bind(1, done);
    SCOUT_RETURN_IF_ERROR(save.Run());
    for (size_t i = 0; i < 2; ++i) {
      new_rows[i] = rollups.new_rows(static_cast<RollupTier>(i));
      new_points[i] = rollups.merged_points(static_cast<RollupTier>(i));
    }
    return absl::OkStatus();
  }));
  for (size_t i = 0; i < 2; ++i) {
    tier_rows_[i + 1] += new_rows[i];
    tier_points_[i + 1] += new_points[i];
  }
  backfill_done_ = done;
  if (!backfill_pending()) {
    rollup_complete_from_ms_ = INT64_MIN;
    spdlog::info("storage: rollups back-filled");
  }
  return absl::OkStatus();
}

absl::Status SqliteStorage::MaintainFlush() {
  if (!flushing_) {
    const size_t points = head_.point_count();
    const bool due = points >= options_.max_head_points ||
                     (points > 0 && clock_.SteadyNow() - last_flush_ >= options_.flush_interval);
    if (!due) return absl::OkStatus();
    SCOUT_ASSIGN_OR_RETURN(SqliteStatement upto,
                           db_->Prepare("SELECT COALESCE(MAX(id), 0) FROM samples_log"));
    SCOUT_ASSIGN_OR_RETURN(bool row, upto.Step());
    flush_log_upto_ = row ? upto.ColumnInt(0) : 0;
    flush_ids_ = head_.BeginFlush();
    flush_pos_ = 0;
    flushing_ = true;
    last_flush_ = clock_.SteadyNow();
    spdlog::debug("storage: flushing {} points of {} series into chunks", points,
                  flush_ids_.size());
  }
  // Slices until the time budget is spent, so chunking keeps pace with a
  // heavy ingest without holding the writer (and acks) for long.
  const auto deadline = clock_.SteadyNow() + options_.maintenance_budget;
  do {
    SCOUT_RETURN_IF_ERROR(FlushSlice());
  } while (flushing_ && clock_.SteadyNow() < deadline);
  return absl::OkStatus();
}

absl::Status SqliteStorage::FlushSlice() {
  const size_t end = std::min(flush_ids_.size(), flush_pos_ + options_.series_per_flush_slice);
  std::string data;
  std::vector<std::pair<int64_t, int64_t>> chunk_ends;  // series id, newest point flushed
  // Stats() counters (raw, 1h, 1d), applied once the slice commits.
  int64_t new_rows[3] = {0, 0, 0}, new_points[3] = {0, 0, 0}, new_bytes = 0;
  if (flush_pos_ < end) SCOUT_RETURN_IF_ERROR(InTransaction(*db_, [&]() -> absl::Status {
    for (size_t i = 0; i < 3; ++i) new_rows[i] = new_points[i] = 0;
    new_bytes = 0;
    SCOUT_ASSIGN_OR_RETURN(
        SqliteStatement insert,
        db_->Prepare("INSERT INTO chunks(series_id, start_ms, end_ms, point_count, data)"
                     " VALUES (?, ?, ?, ?, ?)"));
    SCOUT_ASSIGN_OR_RETURN(RollupWriter rollups, RollupWriter::Create(*db_));
    for (size_t i = flush_pos_; i < end; ++i) {
      std::vector<Point> points = head_.FlushingPoints(flush_ids_[i]);
      if (!points.empty()) chunk_ends.emplace_back(flush_ids_[i], points.back().timestamp_ms);
      // Same transaction as the chunks: rollups are exactly as durable.
      SCOUT_RETURN_IF_ERROR(rollups.Merge(flush_ids_[i], IsLatency(flush_ids_[i]), points));
      for (size_t off = 0; off < points.size(); off += options_.max_chunk_points) {
        std::vector<Point> part(
            points.begin() + static_cast<ptrdiff_t>(off),
            points.begin() + static_cast<ptrdiff_t>(
                                 std::min(points.size(), off + options_.max_chunk_points)));
        data.clear();
        EncodeChunk(part, &data);
        insert.Bind(1, flush_ids_[i]);
        insert.Bind(2, part.front().timestamp_ms);
        insert.Bind(3, part.back().timestamp_ms);
        insert.Bind(4, static_cast<int64_t>(part.size()));
        insert.BindBlob(5, data.data(), data.size());
        SCOUT_RETURN_IF_ERROR(insert.Run());
        ++new_rows[0];
        new_points[0] += static_cast<int64_t>(part.size());
        new_bytes += static_cast<int64_t>(data.size());
      }
    }
    for (size_t t = 0; t < 2; ++t) {
      new_rows[t + 1] = rollups.new_rows(static_cast<RollupTier>(t));
      new_points[t + 1] = rollups.merged_points(static_cast<RollupTier>(t));
    }
    // flush_ids_ is sorted: every series up to this one is now flushed.
    SCOUT_ASSIGN_OR_RETURN(
        SqliteStatement progress,
        db_->Prepare("INSERT INTO flush_progress(log_upto, series_done) VALUES (?, ?)"
                     " ON CONFLICT(log_upto) DO UPDATE SET series_done = excluded.series_done"));
    progress.Bind(1, flush_log_upto_);
    progress.Bind(2, flush_ids_[end - 1]);
    return progress.Run();
  }));
  for (size_t t = 0; t < 3; ++t) {
    tier_rows_[t] += new_rows[t];
    tier_points_[t] += new_points[t];
  }
  raw_bytes_ += new_bytes;
  {
    absl::MutexLock lock(&chunk_end_mu_);
    for (const auto& [id, end_ms] : chunk_ends) {
      int64_t& known = chunk_end_ms_[id];
      known = std::max(known, end_ms);
    }
  }
  for (size_t i = flush_pos_; i < end; ++i) head_.EndFlush(flush_ids_[i]);
  flush_pos_ = end;
  if (flush_pos_ < flush_ids_.size()) return absl::OkStatus();

  // The whole generation is in chunks: its log rows are no longer needed.
  // Freeing their pages is slow for large logs, so it goes a few rows per
  // slice too.
  SCOUT_ASSIGN_OR_RETURN(
      SqliteStatement del,
      db_->Prepare("DELETE FROM samples_log WHERE id IN"
                   " (SELECT id FROM samples_log WHERE id <= ? ORDER BY id LIMIT 64)"));
  del.Bind(1, flush_log_upto_);
  SCOUT_RETURN_IF_ERROR(InTransaction(*db_, [&] { return del.Run(); }));
  SCOUT_ASSIGN_OR_RETURN(SqliteStatement left,
                         db_->Prepare("SELECT 1 FROM samples_log WHERE id <= ? LIMIT 1"));
  left.Bind(1, flush_log_upto_);
  SCOUT_ASSIGN_OR_RETURN(bool more, left.Step());
  left.Reset();
  if (more) return absl::OkStatus();
  SCOUT_ASSIGN_OR_RETURN(SqliteStatement forget,
                         db_->Prepare("DELETE FROM flush_progress WHERE log_upto <= ?"));
  forget.Bind(1, flush_log_upto_);
  SCOUT_RETURN_IF_ERROR(forget.Run());
  flushing_ = false;
  flush_ids_.clear();
  return absl::OkStatus();
}

absl::Status SqliteStorage::FlushAll() {
  if (!flushing_ && head_.point_count() == 0) return absl::OkStatus();
  last_flush_ = clock_.SteadyNow() - options_.flush_interval;
  do {
    SCOUT_RETURN_IF_ERROR(MaintainFlush());
  } while (flushing_);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<AgentRecord>> SqliteStorage::ListAgents() const {
  ReadLease read(*this);
  SCOUT_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      read->db->Prepare("SELECT agent_id, hostname, version, labels, incarnation_id, interval_ms,"
                        " first_seen_ms, last_seen_ms FROM agents ORDER BY agent_id"));
  std::vector<AgentRecord> agents;
  while (true) {
    SCOUT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    AgentRecord a;
    a.agent_id = stmt.ColumnText(0);
    a.hostname = stmt.ColumnText(1);
    a.version = stmt.ColumnText(2);
    a.labels = DecodeLabelsBlob(stmt.ColumnBlob(3));
    a.incarnation_id = stmt.ColumnText(4);
    a.interval_ms = stmt.ColumnInt(5);
    a.first_seen_ms = stmt.ColumnInt(6);
    a.last_seen_ms = stmt.ColumnInt(7);
    agents.push_back(std::move(a));
  }
  return agents;
}

absl::StatusOr<Limited<SeriesKey>> SqliteStorage::ListSeries(const CompiledSelector& selector,
                                                             size_t limit) const {
  Limited<SeriesKey> out;
  for (SeriesIndex::Match& m : index_.Select(selector, limit, &out.truncated)) {
    out.items.push_back(std::move(m.key));
  }
  return out;
}

namespace {

// Binds (series id, start, end) as parameters 1-3 of a per-series range
// query and runs `on_row` on each result row; the statement is reset after.
template <typename OnRow>
absl::Status ForEachSeriesRow(SqliteStatement& stmt, int64_t series_id, int64_t start_ms,
                              int64_t end_ms, OnRow on_row) {
  stmt.Bind(1, series_id);
  stmt.Bind(2, start_ms);
  stmt.Bind(3, end_ms);
  absl::Status status = absl::OkStatus();
  while (status.ok()) {
    absl::StatusOr<bool> row = stmt.Step();
    if (!row.ok()) status = row.status();
    if (!status.ok() || !*row) break;
    status = on_row();
  }
  stmt.Reset();
  return status;
}

}  // namespace

absl::Status SqliteStorage::VisitRange(const CompiledSelector& selector, int64_t start_ms,
                                       int64_t end_ms, size_t series_limit, ReadBudget& budget,
                                       const SeriesVisitor& visit, bool* truncated) const {
  std::vector<SeriesIndex::Match> matches = index_.Select(selector, series_limit, truncated);
  std::vector<Point> memory;
  for (SeriesIndex::Match& m : matches) {
    // Memory first: a chunk committed after this copy is then still read
    // below, and one committed before it is in the database snapshot. The
    // chunk end is read after the copy: a flush updates it before the head
    // drops the points, so points missing from the copy are in a chunk
    // whose end we then see.
    memory.clear();
    head_.CopyRange(m.id, start_ms, end_ms, &memory);
    SCOUT_RETURN_IF_ERROR(budget.Charge(static_cast<int64_t>(memory.size())));
    std::vector<Point> points;
    if (ChunksMayHold(m.id, start_ms)) {
      SCOUT_RETURN_IF_ERROR(ReadChunks(m.id, start_ms, end_ms, budget, &points));
    }
    // Memory goes last so that it wins over chunks for equal timestamps.
    if (points.empty()) {
      points.swap(memory);  // the common case: a recent window, all in memory
    } else {
      points.insert(points.end(), memory.begin(), memory.end());
    }
    SortAndDedupLastWins(&points);
    SCOUT_RETURN_IF_ERROR(visit(SeriesPoints{std::move(m.key), std::move(points)}));
  }
  return absl::OkStatus();
}

bool SqliteStorage::ChunksMayHold(int64_t series_id, int64_t start_ms) const {
  absl::MutexLock lock(&chunk_end_mu_);
  const auto it = chunk_end_ms_.find(series_id);
  return it != chunk_end_ms_.end() && it->second >= start_ms;
}

absl::Status SqliteStorage::ReadChunks(int64_t series_id, int64_t start_ms, int64_t end_ms,
                                       ReadBudget& budget, std::vector<Point>* points) const {
  std::function<void()> hook;
  {
    absl::MutexLock lock(&read_mu_);
    hook = chunk_read_hook_;
  }
  ReadLease read(*this);
  SqliteStatement& stmt = *read->chunks;
  SCOUT_RETURN_IF_ERROR(ForEachSeriesRow(stmt, series_id, start_ms, end_ms, [&]() -> absl::Status {
    if (hook) hook();
    // Counted before decoding: a refused query decodes nothing more.
    SCOUT_RETURN_IF_ERROR(budget.Charge(stmt.ColumnInt(0)));
    return DecodeChunk(stmt.ColumnBlob(1), points);
  }));
  points->erase(std::remove_if(points->begin(), points->end(),
                               [&](const Point& p) {
                                 return p.timestamp_ms < start_ms || p.timestamp_ms >= end_ms;
                               }),
                points->end());
  return absl::OkStatus();
}

absl::StatusOr<Limited<SeriesPoints>> SqliteStorage::Latest(const CompiledSelector& selector,
                                                            size_t limit) const {
  Limited<SeriesPoints> out;
  for (SeriesIndex::Match& m : index_.Select(selector, limit, &out.truncated)) {
    std::optional<Point> p = head_.Latest(m.id);
    if (!p) continue;
    out.items.push_back({std::move(m.key), {*p}});
  }
  return out;
}

absl::Status SqliteStorage::VisitRollups(const CompiledSelector& selector, RollupTier tier,
                                         int64_t start_ms, int64_t end_ms, size_t series_limit,
                                         ReadBudget& budget, const RollupVisitor& visit,
                                         bool* truncated) const {
  std::vector<SeriesIndex::Match> matches = index_.Select(selector, series_limit, truncated);
  for (SeriesIndex::Match& m : matches) {
    SeriesRollups series{std::move(m.key), {}};
    {
      ReadLease read(*this);
      SqliteStatement& stmt = *read->rollups[static_cast<size_t>(tier)];
      SCOUT_RETURN_IF_ERROR(ForEachSeriesRow(stmt, m.id, start_ms, end_ms, [&]() -> absl::Status {
        SCOUT_RETURN_IF_ERROR(budget.Charge(1));
        RollupRow r;
        r.bucket_start_ms = stmt.ColumnInt(0);
        r.min = stmt.ColumnDouble(1);
        r.max = stmt.ColumnDouble(2);
        r.sum = stmt.ColumnDouble(3);
        r.count = stmt.ColumnInt(4);
        r.last = stmt.ColumnDouble(5);
        r.last_ms = stmt.ColumnInt(6);
        if (!stmt.ColumnIsNull(7)) r.sketch = std::string(stmt.ColumnBlob(7));
        series.rows.push_back(std::move(r));
        return absl::OkStatus();
      }));
    }
    SCOUT_RETURN_IF_ERROR(budget.Check());
    SCOUT_RETURN_IF_ERROR(visit(std::move(series)));
  }
  return absl::OkStatus();
}

TierCoverage SqliteStorage::Coverage() const {
  TierCoverage c;
  c.now_ms = clock_.NowMs();
  // Retention deletes a chunk only when its newest point is older than the
  // cutoff, so every point newer than the cutoff is still there.
  c.raw_complete_from_ms = options_.raw_retention.count() > 0
                               ? c.now_ms - options_.raw_retention.count()
                               : INT64_MIN;
  c.rollup_complete_from_ms = rollup_complete_from_ms_.load();
  c.rollup_complete_before_ms = head_.OldestUnflushedMs();
  return c;
}

bool SqliteStorage::HasSeries(const SeriesKey& key) const {
  // The index holds every committed series (loaded at open, added after
  // each commit), so this is a lookup in memory.
  return index_.Find(SeriesKeyString(key)).has_value();
}

StorageGauges SqliteStorage::Gauges() const {
  StorageGauges g;
  g.series = static_cast<int64_t>(index_.size());
  g.series_removed = series_removed_.load();
  g.buffered_points = static_cast<int64_t>(head_.point_count());
  g.disk_bytes = disk_bytes_.load();
  return g;
}

absl::StatusOr<StorageStats> SqliteStorage::Stats() const {
  // Counts from the counters the writer keeps (counted once at open);
  // oldest/newest from the indexes (each sub-select is one index seek);
  // no table is scanned, whatever the size of the database.
  StorageStats stats;
  stats.series = static_cast<int64_t>(index_.size());
  struct Source {
    const char* tier;
    const char* sql;
    int64_t retention_ms;
  };
  const Source sources[] = {
      {"raw",
       "SELECT (SELECT start_ms FROM chunks ORDER BY end_ms LIMIT 1),"
       " (SELECT MAX(end_ms) FROM chunks)",
       static_cast<int64_t>(options_.raw_retention.count())},
      {"1h",
       "SELECT (SELECT MIN(bucket_start_ms) FROM rollup_1h),"
       " (SELECT MAX(bucket_start_ms) FROM rollup_1h)",
       static_cast<int64_t>(options_.hour_retention.count())},
      {"1d",
       "SELECT (SELECT MIN(bucket_start_ms) FROM rollup_1d),"
       " (SELECT MAX(bucket_start_ms) FROM rollup_1d)",
       static_cast<int64_t>(options_.day_retention.count())},
  };
  ReadLease read(*this);
  for (size_t i = 0; i < 3; ++i) {
    const Source& src = sources[i];
    SCOUT_ASSIGN_OR_RETURN(SqliteStatement stmt, read->db->Prepare(src.sql));
    SCOUT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    TierStats t;
    t.tier = src.tier;
    t.rows = tier_rows_[i].load();
    t.points = tier_points_[i].load();
    if (row) {
      t.oldest_ms = stmt.ColumnInt(0);  // NULL (empty) reads as 0
      t.newest_ms = stmt.ColumnInt(1);
    }
    // Chunk payload for raw (what bytes per sample means); rollup bytes
    // would need a page scan (dbstat), so they are left unknown.
    t.bytes = i == 0 ? raw_bytes_.load() : 0;
    t.retention_ms = src.retention_ms;
    stats.tiers.push_back(std::move(t));
  }
  TierStats memory;
  memory.tier = "memory";
  memory.points = static_cast<int64_t>(head_.point_count());
  memory.rows = 0;
  memory.bytes = memory.points * static_cast<int64_t>(kLogRecordSize);  // its durable copy in samples_log
  stats.tiers.push_back(std::move(memory));

  SCOUT_RETURN_IF_ERROR(AddFileSizes(*read->db, &stats));
  return stats;
}

absl::Status SqliteStorage::AddFileSizes(SqliteDb& db, StorageStats* stats) const {
  SCOUT_ASSIGN_OR_RETURN(SqliteStatement pages,
                         db.Prepare("SELECT page_count * page_size, freelist_count *"
                                           " page_size FROM pragma_page_count(),"
                                           " pragma_freelist_count(), pragma_page_size()"));
  SCOUT_ASSIGN_OR_RETURN(bool row, pages.Step());
  if (row) {
    stats->file_bytes = pages.ColumnInt(0);
    stats->free_bytes = pages.ColumnInt(1);
  }
  std::error_code ec;
  const auto wal = std::filesystem::file_size(options_.path + "-wal", ec);
  if (!ec) stats->file_bytes += static_cast<int64_t>(wal);
  return absl::OkStatus();
}

}  // namespace scout::collector
