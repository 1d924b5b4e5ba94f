#include "agent/postgres/postgres_queries.h"

namespace scout::agent::pg {
namespace {

uint64_t Counter(const pqxx::field& f) {
  if (f.is_null()) return 0;
  const auto v = f.as<long long>();
  return v < 0 ? 0 : static_cast<uint64_t>(v);
}

}  // namespace

int64_t Activity::Total() const {
  int64_t n = 0;
  for (const auto& [state, count] : by_state) n += count;
  return n;
}

int64_t Activity::Active() const {
  const auto it = by_state.find("active");
  return it == by_state.end() ? 0 : it->second;
}

Activity QueryActivity(pqxx::transaction_base& tx) {
  Activity a;
  const pqxx::result states = tx.exec(
      "SELECT coalesce(state, 'null') AS state, count(*) AS n "
      "FROM pg_stat_activity GROUP BY 1");
  for (const pqxx::row& r : states) {
    std::string state = r[0].as<std::string>();
    if (state == "null") state = "background";
    a.by_state[state] += r[1].as<long long>();
  }
  const pqxx::result max = tx.exec("SELECT current_setting('max_connections')::bigint");
  a.max_connections = max.at(0).at(0).as<long long>();
  return a;
}

std::vector<DatabaseStats> QueryDatabases(pqxx::transaction_base& tx) {
  // pg_database_size() raises without CONNECT privilege; one such database
  // must not fail the whole scrape.
  const pqxx::result rows = tx.exec(
      "SELECT datname,"
      " CASE WHEN has_database_privilege(datid, 'CONNECT')"
      " THEN pg_database_size(datid) END,"
      " xact_commit, xact_rollback, deadlocks, temp_files, temp_bytes,"
      " blks_hit, blks_read "
      "FROM pg_stat_database WHERE datname IS NOT NULL ORDER BY datname");
  std::vector<DatabaseStats> out;
  out.reserve(rows.size());
  for (const pqxx::row& r : rows) {
    DatabaseStats d;
    d.datname = r[0].as<std::string>();
    if (!r[1].is_null()) d.size_bytes = r[1].as<long long>();
    d.xact_commit = Counter(r[2]);
    d.xact_rollback = Counter(r[3]);
    d.deadlocks = Counter(r[4]);
    d.temp_files = Counter(r[5]);
    d.temp_bytes = Counter(r[6]);
    d.blks_hit = Counter(r[7]);
    d.blks_read = Counter(r[8]);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace scout::agent::pg
