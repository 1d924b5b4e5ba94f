#include "collector/storage/migrations.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "collector/storage/sqlite_db.h"
#include "shared/status_macros.h"

namespace scout::collector {
namespace {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// Long on purpose: the shipped schema, one literal per migration, never edited.
const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "series, samples log, chunks, agents", R"sql(
CREATE TABLE series (
  id INTEGER PRIMARY KEY,
  metric TEXT NOT NULL,
  labels BLOB NOT NULL,          -- name NUL value NUL ..., sorted by name
  key TEXT NOT NULL UNIQUE       -- canonical metric{a="x"} form
);
-- One row per group commit: all its samples as 24-byte records.
CREATE TABLE samples_log (
  id INTEGER PRIMARY KEY,
  committed_ms INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE TABLE chunks (
  id INTEGER PRIMARY KEY,        -- write order: later chunks win on equal timestamps
  series_id INTEGER NOT NULL REFERENCES series(id),
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL,       -- inclusive
  point_count INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX chunks_by_series_end ON chunks(series_id, end_ms);
CREATE TABLE agents (
  agent_id TEXT PRIMARY KEY,
  hostname TEXT NOT NULL,
  version TEXT NOT NULL,
  labels BLOB NOT NULL,
  incarnation_id TEXT NOT NULL,
  interval_ms INTEGER NOT NULL,
  first_seen_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL
);
)sql"},
      {2, "alert states, alert history, silences", R"sql(
-- One row per alert (rule + label set) that is pending, firing, or
-- resolved and still being re-sent; the engine's state survives restarts.
CREATE TABLE alerts (
  fingerprint TEXT PRIMARY KEY,  -- hex hash of rule name + labels
  rule TEXT NOT NULL,
  labels TEXT NOT NULL,          -- canonical {a="x",...} incl. alertname
  annotations TEXT NOT NULL,     -- same form
  state TEXT NOT NULL,           -- pending | firing | resolved
  active_since_ms INTEGER NOT NULL,
  fired_ms INTEGER NOT NULL,     -- 0 while pending
  resolved_ms INTEGER NOT NULL,  -- 0 unless resolved
  value REAL NOT NULL,
  last_sent_ms INTEGER NOT NULL
);
-- Every state transition.
CREATE TABLE alert_history (
  id INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  rule TEXT NOT NULL,
  labels TEXT NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  value REAL NOT NULL
);
CREATE INDEX alert_history_by_time ON alert_history(at_ms);
CREATE TABLE silences (
  id TEXT PRIMARY KEY,
  matchers TEXT NOT NULL,        -- selector form {host="db-1"}
  starts_ms INTEGER NOT NULL,
  ends_ms INTEGER NOT NULL,
  comment TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
)sql"},
      {3, "hourly and daily rollups, retention index", R"sql(
-- Per series and bucket (UTC hour / day since the epoch): what the
-- aggregations need without the raw samples. Maintained by the flush that
-- writes the chunks, in the same transaction. `sketch` is a
-- QuantileSketch for latency series (metric ending in _seconds), else NULL.
CREATE TABLE rollup_1h (
  series_id INTEGER NOT NULL,
  bucket_start_ms INTEGER NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  sum REAL NOT NULL,
  count INTEGER NOT NULL,
  last REAL NOT NULL,
  last_ms INTEGER NOT NULL,
  sketch BLOB,
  PRIMARY KEY (series_id, bucket_start_ms)
) WITHOUT ROWID;
CREATE INDEX rollup_1h_by_bucket ON rollup_1h(bucket_start_ms);
CREATE TABLE rollup_1d (
  series_id INTEGER NOT NULL,
  bucket_start_ms INTEGER NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  sum REAL NOT NULL,
  count INTEGER NOT NULL,
  last REAL NOT NULL,
  last_ms INTEGER NOT NULL,
  sketch BLOB,
  PRIMARY KEY (series_id, bucket_start_ms)
) WITHOUT ROWID;
CREATE INDEX rollup_1d_by_bucket ON rollup_1d(bucket_start_ms);
-- Retention deletes the oldest chunks first, whatever their series.
CREATE INDEX chunks_by_end ON chunks(end_ms);
-- Chunks written before this migration have no rollups yet: the writer
-- back-fills them a few at a time (ids up to upto_chunk_id).
CREATE TABLE rollup_backfill (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  upto_chunk_id INTEGER NOT NULL,
  done_chunk_id INTEGER NOT NULL
);
INSERT INTO rollup_backfill VALUES (1, (SELECT COALESCE(MAX(id), 0) FROM chunks), 0);
-- Progress of unfinished flush generations, written with each slice: the
-- samples of log rows <= log_upto of series <= series_done are already in
-- chunks and rollups, so replay after a crash leaves them out (and they are
-- not merged into rollups a second time).
CREATE TABLE flush_progress (
  log_upto INTEGER PRIMARY KEY,
  series_done INTEGER NOT NULL
);
)sql"},
  };
  return kMigrations;
}

}  // namespace

int LatestSchemaVersion() { return Migrations().back().version; }

absl::StatusOr<int> MigrateSchema(SqliteDb& db, int64_t now_ms) {
  SCOUT_RETURN_IF_ERROR(db.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_ms INTEGER NOT NULL)"));
  SCOUT_ASSIGN_OR_RETURN(SqliteStatement current,
                         db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  SCOUT_ASSIGN_OR_RETURN(bool has_row, current.Step());
  int version = has_row ? static_cast<int>(current.ColumnInt(0)) : 0;
  current.Reset();
  if (version > LatestSchemaVersion()) {
    return absl::FailedPreconditionError(absl::StrCat(
        db.path(), ": database schema version ", version,
        " is newer than this collector supports (", LatestSchemaVersion(),
        "); upgrade scout-collector"));
  }
  for (const Migration& m : Migrations()) {
    if (m.version <= version) continue;
    SCOUT_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
    absl::Status status = db.Exec(m.sql);
    if (status.ok()) {
      auto record = db.Prepare(
          "INSERT INTO schema_migrations(version, description, applied_ms) VALUES (?, ?, ?)");
      status = record.status();
      if (record.ok()) {
        record->Bind(1, static_cast<int64_t>(m.version));
        record->Bind(2, std::string(m.description));
        record->Bind(3, now_ms);
        status = record->Run();
      }
    }
    if (status.ok()) status = db.Exec("COMMIT");
    if (!status.ok()) {
      (void)db.Exec("ROLLBACK");
      return absl::Status(status.code(), absl::StrCat("schema migration ", m.version, " (",
                                                      m.description, "): ", status.message()));
    }
    version = m.version;
  }
  return version;
}

}  // namespace scout::collector
