#include "collector/storage/sqlite_storage.h"

#include <optional>

#include <algorithm>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "collector/storage/migrations.h"
#include "collector/storage/point_codec.h"
#include "collector/storage/sqlite_db.h"
#include "shared/status_macros.h"
#include "shared/logging.h"

namespace scout::collector {

std::string EncodeLabels(const Labels& labels) {
  std::string out;
  for (const auto& [name, value] : labels) {
    out.append(name);
    out.push_back('\0');
    out.append(value);
    out.push_back('\0');
  }
  return out;
}

Labels DecodeLabels(std::string_view blob) {
  Labels labels;
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i < blob.size(); ++i) {
    if (blob[i] == '\0') {
      parts.emplace_back(blob.substr(start, i - start));
      start = i + 1;
    }
  }
  for (size_t i = 0; i + 1 < parts.size(); i += 2) labels.emplace_back(parts[i], parts[i + 1]);
  return labels;
}

namespace {

// Runs `body` inside BEGIN IMMEDIATE ... COMMIT, rolling back on error.
template <typename Body>
absl::Status InTransaction(SqliteDb& db, Body body) {
  SCOUT_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  absl::Status status = body();
  if (status.ok()) status = db.Exec("COMMIT");
  if (!status.ok()) (void)db.Exec("ROLLBACK");
  return status;
}

}  // namespace

SqliteStorage::SqliteStorage(SqliteOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock), last_flush_(clock.SteadyNow()) {}

SqliteStorage::~SqliteStorage() = default;

absl::StatusOr<std::unique_ptr<SqliteStorage>> SqliteStorage::Open(
    const SqliteOptions& options, const Clock& clock) {
  std::unique_ptr<SqliteStorage> storage(new SqliteStorage(options, clock));
  SCOUT_RETURN_IF_ERROR(storage->Init());
  return storage;
}

absl::Status SqliteStorage::Init() {
  SCOUT_ASSIGN_OR_RETURN(db_, SqliteDb::Open(options_.path, /*read_only=*/false));
  SCOUT_RETURN_IF_ERROR(db_->Exec("PRAGMA journal_mode=WAL"));
  SCOUT_RETURN_IF_ERROR(db_->Exec(options_.synchronous_full ? "PRAGMA synchronous=FULL"
                                                            : "PRAGMA synchronous=NORMAL"));
  SCOUT_RETURN_IF_ERROR(db_->Exec("PRAGMA cache_size=-32768"));  // 32 MiB
  SCOUT_RETURN_IF_ERROR(db_->Exec("PRAGMA temp_store=MEMORY"));
  SCOUT_ASSIGN_OR_RETURN(schema_version_, MigrateSchema(*db_, clock_.NowMs()));

  SCOUT_ASSIGN_OR_RETURN(read_db_, SqliteDb::Open(options_.path, /*read_only=*/false));
  SCOUT_RETURN_IF_ERROR(read_db_->Exec("PRAGMA query_only=1"));
  SCOUT_RETURN_IF_ERROR(read_db_->Exec("PRAGMA cache_size=-16384"));

  SCOUT_RETURN_IF_ERROR(LoadSeries());
  SCOUT_RETURN_IF_ERROR(LoadLatestFromChunks());
  return ReplayLog();
}

absl::Status SqliteStorage::LoadSeries() {
  SCOUT_ASSIGN_OR_RETURN(SqliteStatement stmt,
                         db_->Prepare("SELECT id, metric, labels, key FROM series"));
  while (true) {
    SCOUT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    SeriesKey key{stmt.ColumnText(1), DecodeLabels(stmt.ColumnBlob(2))};
    index_.Add(stmt.ColumnInt(0), std::move(key), stmt.ColumnText(3));
  }
  return absl::OkStatus();
}

absl::Status SqliteStorage::LoadLatestFromChunks() {
  // SQLite returns the bare columns of the row holding MAX(end_ms).
  SCOUT_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      db_->Prepare("SELECT series_id, MAX(end_ms), data FROM chunks GROUP BY series_id"));
  std::vector<Point> points;
  while (true) {
    SCOUT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    points.clear();
    SCOUT_RETURN_IF_ERROR(DecodeChunk(stmt.ColumnBlob(2), &points));
    if (!points.empty()) head_.SetLatest(stmt.ColumnInt(0), points.back());
    std::lock_guard<std::mutex> lock(chunk_end_mu_);
    chunk_end_ms_[stmt.ColumnInt(0)] = stmt.ColumnInt(1);
  }
  return absl::OkStatus();
}

absl::Status SqliteStorage::ReplayLog() {
  SCOUT_ASSIGN_OR_RETURN(SqliteStatement stmt,
                         db_->Prepare("SELECT id, data FROM samples_log ORDER BY id"));
  size_t rows = 0;
  std::vector<Head::Entry> entries;
  while (true) {
    SCOUT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    SCOUT_ASSIGN_OR_RETURN(std::vector<LogRecord> records,
                           DecodeLogRecords(stmt.ColumnBlob(1)));
    entries.clear();
    for (const LogRecord& r : records) entries.push_back({r.series_id, {r.timestamp_ms, r.value}});
    head_.Append(entries);
    ++rows;
  }
  if (rows > 0) {
    spdlog::info("storage: replayed {} log rows ({} points) into memory", rows,
                 head_.point_count());
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> SqliteStorage::InternSeries(SqliteStatement& insert,
                                                    const SeriesKey& key,
                                                    const std::string& key_string,
                                                    std::vector<SeriesIndex::Match>* created) {
  insert.Bind(1, key.metric);
  const std::string labels = EncodeLabels(key.labels);
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
  const std::string labels = EncodeLabels(agent.labels);
  stmt.BindBlob(4, labels.data(), labels.size());
  stmt.Bind(5, agent.incarnation_id);
  stmt.Bind(6, agent.interval_ms);
  stmt.Bind(7, agent.first_seen_ms);
  stmt.Bind(8, agent.last_seen_ms);
  return stmt.Run();
}

absl::Status SqliteStorage::Maintain() {
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
  if (flush_pos_ < end) SCOUT_RETURN_IF_ERROR(InTransaction(*db_, [&]() -> absl::Status {
    SCOUT_ASSIGN_OR_RETURN(
        SqliteStatement insert,
        db_->Prepare("INSERT INTO chunks(series_id, start_ms, end_ms, point_count, data)"
                     " VALUES (?, ?, ?, ?, ?)"));
    for (size_t i = flush_pos_; i < end; ++i) {
      std::vector<Point> points = head_.FlushingPoints(flush_ids_[i]);
      if (!points.empty()) chunk_ends.emplace_back(flush_ids_[i], points.back().timestamp_ms);
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
      }
    }
    return absl::OkStatus();
  }));
  {
    std::lock_guard<std::mutex> lock(chunk_end_mu_);
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
  if (more) return absl::OkStatus();
  flushing_ = false;
  flush_ids_.clear();
  return absl::OkStatus();
}

absl::Status SqliteStorage::FlushAll() {
  if (!flushing_ && head_.point_count() == 0) return absl::OkStatus();
  last_flush_ = clock_.SteadyNow() - options_.flush_interval;
  do {
    SCOUT_RETURN_IF_ERROR(Maintain());
  } while (flushing_);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<AgentRecord>> SqliteStorage::ListAgents() const {
  std::lock_guard<std::mutex> lock(read_mu_);
  SCOUT_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      read_db_->Prepare("SELECT agent_id, hostname, version, labels, incarnation_id, interval_ms,"
                        " first_seen_ms, last_seen_ms FROM agents ORDER BY agent_id"));
  std::vector<AgentRecord> agents;
  while (true) {
    SCOUT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    AgentRecord a;
    a.agent_id = stmt.ColumnText(0);
    a.hostname = stmt.ColumnText(1);
    a.version = stmt.ColumnText(2);
    a.labels = DecodeLabels(stmt.ColumnBlob(3));
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

absl::StatusOr<Limited<SeriesPoints>> SqliteStorage::ReadRange(const CompiledSelector& selector,
                                                               int64_t start_ms, int64_t end_ms,
                                                               size_t series_limit) const {
  Limited<SeriesPoints> out;
  std::vector<SeriesIndex::Match> matches = index_.Select(selector, series_limit, &out.truncated);
  std::unique_lock<std::mutex> read_lock(read_mu_, std::defer_lock);
  std::optional<SqliteStatement> stmt;  // prepared on the first series that needs chunks
  std::vector<Point> memory;
  for (SeriesIndex::Match& m : matches) {
    // Memory first: a chunk committed after this copy is then still read
    // below, and one committed before it is in the database snapshot. The
    // chunk end is read after the copy: a flush updates it before the head
    // drops the points, so points missing from the copy are in a chunk
    // whose end we then see.
    memory.clear();
    head_.CopyRange(m.id, start_ms, end_ms, &memory);
    SeriesPoints series{std::move(m.key), {}};
    bool need_chunks = false;
    {
      std::lock_guard<std::mutex> lock(chunk_end_mu_);
      const auto it = chunk_end_ms_.find(m.id);
      need_chunks = it != chunk_end_ms_.end() && it->second >= start_ms;
    }
    if (need_chunks) {
      if (!stmt) {
        read_lock.lock();
        SCOUT_ASSIGN_OR_RETURN(
            SqliteStatement prepared,
            read_db_->Prepare("SELECT data FROM chunks WHERE series_id = ? AND end_ms >= ?"
                              " AND start_ms < ? ORDER BY id"));
        stmt.emplace(std::move(prepared));
      }
      stmt->Bind(1, m.id);
      stmt->Bind(2, start_ms);
      stmt->Bind(3, end_ms);
      while (true) {
        auto row = stmt->Step();
        if (!row.ok()) {
          stmt->Reset();
          return row.status();
        }
        if (!*row) break;
        SCOUT_RETURN_IF_ERROR(DecodeChunk(stmt->ColumnBlob(0), &series.points));
      }
      stmt->Reset();
      series.points.erase(std::remove_if(series.points.begin(), series.points.end(),
                                         [&](const Point& p) {
                                           return p.timestamp_ms < start_ms ||
                                                  p.timestamp_ms >= end_ms;
                                         }),
                          series.points.end());
    }
    series.points.insert(series.points.end(), memory.begin(), memory.end());
    SortAndDedupLastWins(&series.points);
    out.items.push_back(std::move(series));
  }
  return out;
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

}  // namespace scout::collector
