#include "collector/storage/sqlite_db.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"

namespace scout::collector {

absl::StatusCode SqliteCodeToStatus(int code) {
  switch (code & 0xff) {
    case SQLITE_FULL:
      return absl::StatusCode::kResourceExhausted;
    case SQLITE_READONLY:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return absl::StatusCode::kUnavailable;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
      return absl::StatusCode::kInvalidArgument;
    default:
      return absl::StatusCode::kInternal;
  }
}

SqliteStatement::SqliteStatement(SqliteStatement&& o) noexcept
    : db_(o.db_), stmt_(o.stmt_), sql_(std::move(o.sql_)) {
  o.stmt_ = nullptr;
}

SqliteStatement::~SqliteStatement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

void SqliteStatement::Bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
void SqliteStatement::Bind(int index, double value) { sqlite3_bind_double(stmt_, index, value); }
void SqliteStatement::Bind(int index, const std::string& value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                    SQLITE_TRANSIENT);
}
void SqliteStatement::BindBlob(int index, const void* data, size_t size) {
  sqlite3_bind_blob64(stmt_, index, data, size, SQLITE_TRANSIENT);
}

absl::StatusOr<bool> SqliteStatement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  absl::Status error(SqliteCodeToStatus(rc),
                     absl::StrCat("sqlite: ", sqlite3_errmsg(db_), " (in: ", sql_, ")"));
  sqlite3_reset(stmt_);
  return error;
}

absl::Status SqliteStatement::Run() {
  auto row = Step();
  Reset();
  if (!row.ok()) return row.status();
  return absl::OkStatus();
}

void SqliteStatement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t SqliteStatement::ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }
double SqliteStatement::ColumnDouble(int col) const { return sqlite3_column_double(stmt_, col); }
std::string SqliteStatement::ColumnText(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  return text ? std::string(reinterpret_cast<const char*>(text),
                            static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
              : std::string();
}
std::string_view SqliteStatement::ColumnBlob(int col) const {
  const void* data = sqlite3_column_blob(stmt_, col);
  return data ? std::string_view(static_cast<const char*>(data),
                                 static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
              : std::string_view();
}
bool SqliteStatement::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

absl::StatusOr<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path,
                                                         bool read_only) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX |
              (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status error(SqliteCodeToStatus(rc),
                       absl::StrCat("cannot open database ", path, ": ",
                                    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close(db);
    return error;
  }
  sqlite3_busy_timeout(db, 5000);
  return std::unique_ptr<SqliteDb>(new SqliteDb(db, path));
}

SqliteDb::~SqliteDb() { sqlite3_close(db_); }

absl::Status SqliteDb::Exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return absl::OkStatus();
  absl::Status error(SqliteCodeToStatus(rc),
                     absl::StrCat("sqlite: ", message ? message : sqlite3_errstr(rc),
                                  " (in: ", sql.substr(0, 120), ")"));
  sqlite3_free(message);
  return error;
}

absl::StatusOr<SqliteStatement> SqliteDb::Prepare(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return Error(rc, sql);
  return SqliteStatement(db_, stmt, sql);
}

int64_t SqliteDb::Changes() const { return sqlite3_changes64(db_); }

int64_t SqliteDb::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

absl::Status SqliteDb::Error(int code, const std::string& context) const {
  return absl::Status(SqliteCodeToStatus(code),
                      absl::StrCat("sqlite: ", sqlite3_errmsg(db_), " (in: ", context, ")"));
}

}  // namespace scout::collector
