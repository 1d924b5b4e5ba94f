// The monitoring queries of the postgres collector and their parsed
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

Activity QueryActivity(pqxx::transaction_base& tx);
std::vector<DatabaseStats> QueryDatabases(pqxx::transaction_base& tx);

}  // namespace scout::agent::pg
