// The monitoring queries of the postgres plugin and their parsed
// results. Functions throw pqxx exceptions; the collector catches them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace scout::agent::pg {

// pg_stat_activity grouped by state (NULL state -> "background") against
// max_connections (the guide's query 2).
struct Activity {
  std::map<std::string, int64_t> by_state;
  int64_t client_backends = 0;  // the sessions that use max_connections slots
  int64_t max_connections = 0;

  int64_t Total() const;
  int64_t Active() const;
};

// One row of pg_stat_database (shared objects' row, datname NULL, skipped).
struct DatabaseStats {
  std::string datname;
  std::optional<int64_t> size_bytes;  // empty without CONNECT privilege
  uint64_t xact_commit = 0, xact_rollback = 0, deadlocks = 0;
  uint64_t temp_files = 0, temp_bytes = 0, blks_hit = 0, blks_read = 0;
};

// A session waiting for a lock, paired with one session it waits on
// (pg_blocking_pids; a session blocked by two others gives two rows).
struct LockWait {
  int64_t blocked_pid = 0, blocking_pid = 0;
  std::string datname, blocked_user, blocked_query;
  std::string blocking_user, blocking_state, blocking_query;
  std::string locktype, mode;
  double wait_seconds = 0;  // now() - pg_locks.waitstart
};

// A non-idle client backend (other than ours), oldest query first.
struct RunningQuery {
  int64_t pid = 0;
  std::string datname, user, state, query;
  double seconds = 0;  // now() - query_start
};

// One pg_stat_statements entry; `query` only when read with texts.
struct StatementStats {
  int64_t queryid = 0;
  std::string datname, user, query;
  uint64_t calls = 0, rows = 0, shared_blks_hit = 0, shared_blks_read = 0;
  double total_ms = 0, mean_ms = 0, max_ms = 0;
};

Activity QueryActivity(pqxx::transaction_base& tx);
// Without `with_sizes`, size_bytes stays empty (pg_database_size walks
// every file of the database).
std::vector<DatabaseStats> QueryDatabases(pqxx::transaction_base& tx, bool with_sizes);
std::vector<LockWait> QueryLockWaits(pqxx::transaction_base& tx);
std::vector<RunningQuery> QueryRunning(pqxx::transaction_base& tx);

// Databases whose tables the collector may read: connectable, not a
// template, CONNECT privilege; sorted.
std::vector<std::string> QueryConnectableDatabases(pqxx::transaction_base& tx);

// Schema of the pg_stat_statements extension in this database, or empty
// when it is not installed here.
std::string QueryStatStatementsSchema(pqxx::transaction_base& tx);
// pg_stat_statements(false): every entry without its text, so the
// query-text file is not read on routine scrapes.
std::vector<StatementStats> QueryStatements(pqxx::transaction_base& tx, const std::string& schema);
// Texts of the given query ids (reads the text file once).
std::map<int64_t, std::string> QueryStatementTexts(pqxx::transaction_base& tx,
                                                   const std::string& schema,
                                                   const std::vector<int64_t>& queryids);

}  // namespace scout::agent::pg
