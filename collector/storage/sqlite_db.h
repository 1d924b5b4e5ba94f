// Minimal RAII wrappers over the SQLite C API, translating result codes
// into absl::Status with the failing SQL and SQLite's message. Only this
// file and sqlite_storage.cc include <sqlite3.h>.
//
// Not thread-safe: one SqliteDb per thread (SQLite connections are opened
// in multi-thread mode, not shared).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

struct sqlite3;
struct sqlite3_stmt;

namespace scout::collector {

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt, std::string sql)
      : db_(db), stmt_(stmt), sql_(std::move(sql)) {}
  SqliteStatement(SqliteStatement&& o) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  SqliteStatement(const SqliteStatement&) = delete;
  ~SqliteStatement();

  // Binds are 1-based, as in SQLite.
  void Bind(int index, int64_t value);
  void Bind(int index, double value);
  void Bind(int index, const std::string& value);
  void BindBlob(int index, const void* data, size_t size);

  // Returns true when a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Step() that expects no rows (INSERT/UPDATE/DELETE), then Reset().
  absl::Status Run();
  void Reset();

  int64_t ColumnInt(int col) const;
  double ColumnDouble(int col) const;
  std::string ColumnText(int col) const;
  std::string_view ColumnBlob(int col) const;
  bool ColumnIsNull(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::string sql_;
};

class SqliteDb {
 public:
  // Opens (creating if needed) the database file.
  static absl::StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path,
                                                        bool read_only);
  ~SqliteDb();

  absl::Status Exec(const std::string& sql);
  absl::StatusOr<SqliteStatement> Prepare(const std::string& sql);
  int64_t LastInsertRowId() const;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t Changes() const;
  // The error for a failed call, with context.
  absl::Status Error(int code, const std::string& context) const;
  const std::string& path() const { return path_; }

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

// Runs `body()` (returning absl::Status) in BEGIN IMMEDIATE ... COMMIT,
// rolling back when it or the commit fails.
template <typename Body>
absl::Status InTransaction(SqliteDb& db, Body&& body) {
  if (absl::Status begin = db.Exec("BEGIN IMMEDIATE"); !begin.ok()) return begin;
  absl::Status status = body();
  if (status.ok()) status = db.Exec("COMMIT");
  if (!status.ok()) (void)db.Exec("ROLLBACK");
  return status;
}

// SQLite result code -> absl status code: SQLITE_FULL is RESOURCE_EXHAUSTED,
// SQLITE_READONLY/BUSY/IOERR are UNAVAILABLE, constraint errors
// INVALID_ARGUMENT, the rest INTERNAL.
absl::StatusCode SqliteCodeToStatus(int code);

}  // namespace scout::collector
