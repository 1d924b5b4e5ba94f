#include "agent/postgres/postgres_queries.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/postgres/pg_fields.h"

namespace scout::agent::pg {

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
  const pqxx::result states = tx.exec_params(
      "SELECT coalesce(state, 'null') AS state, count(*) AS n,"
      " count(*) FILTER (WHERE backend_type = 'client backend') "
      "FROM pg_stat_activity GROUP BY 1");
  for (const pqxx::row& r : states) {
    std::string state = r[0].as<std::string>();
    if (state == "null") state = "background";
    a.by_state[state] += r[1].as<long long>();
    a.client_backends += r[2].as<long long>();
  }
  const pqxx::result max = tx.exec_params("SELECT current_setting('max_connections')::bigint");
  a.max_connections = max.at(0).at(0).as<long long>();
  return a;
}

std::vector<DatabaseStats> QueryDatabases(pqxx::transaction_base& tx, bool with_sizes) {
  // pg_database_size() raises without CONNECT privilege; one such database
  // must not fail the whole scrape.
  const pqxx::result rows = tx.exec_params(absl::StrCat(
      "SELECT datname,",
      with_sizes ? " CASE WHEN has_database_privilege(datid, 'CONNECT')"
                   " THEN pg_database_size(datid) END,"
                 : " NULL::bigint,",
      " xact_commit, xact_rollback, deadlocks, temp_files, temp_bytes,"
      " blks_hit, blks_read "
      "FROM pg_stat_database WHERE datname IS NOT NULL ORDER BY datname"));
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

std::vector<LockWait> QueryLockWaits(pqxx::transaction_base& tx) {
  // pg_blocking_pids() takes the lock manager's locks, so it is only called
  // for sessions already known to wait on a heavyweight lock. waitstart
  // (PostgreSQL 14+) is when the wait began; query_start is the fallback.
  const pqxx::result rows = tx.exec_params(
      "SELECT a.pid, coalesce(a.datname, ''), coalesce(a.usename, ''), coalesce(a.query, ''),"
      " blocker.pid, coalesce(b.usename, ''), coalesce(b.state, 'prepared transaction'),"
      " coalesce(b.query, ''),"
      " coalesce(l.locktype, ''), coalesce(l.mode, ''),"
      " greatest(0, extract(epoch FROM clock_timestamp() - coalesce(l.waitstart, a.query_start)))"
      " FROM pg_stat_activity a"
      " CROSS JOIN LATERAL unnest(pg_blocking_pids(a.pid)) AS blocker(pid)"
      " LEFT JOIN pg_stat_activity b ON b.pid = blocker.pid"  // pid 0: a prepared transaction
      " LEFT JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted"
      " WHERE a.wait_event_type = 'Lock'"
      " ORDER BY 11 DESC, a.pid, blocker.pid");
  std::vector<LockWait> out;
  out.reserve(rows.size());
  for (const pqxx::row& r : rows) {
    LockWait w;
    w.blocked_pid = r[0].as<long long>();
    w.datname = Text(r[1]);
    w.blocked_user = Text(r[2]);
    w.blocked_query = Text(r[3]);
    w.blocking_pid = r[4].as<long long>();
    w.blocking_user = Text(r[5]);
    w.blocking_state = Text(r[6]);
    w.blocking_query = Text(r[7]);
    w.locktype = Text(r[8]);
    w.mode = Text(r[9]);
    w.wait_seconds = Number(r[10]);
    out.push_back(std::move(w));
  }
  return out;
}

std::vector<RunningQuery> QueryRunning(pqxx::transaction_base& tx) {
  // The guide's long-running query, minus its `query NOT LIKE` trick: our
  // own session is excluded by pid, and only client backends count.
  const pqxx::result rows = tx.exec_params(
      "SELECT pid, coalesce(datname, ''), coalesce(usename, ''), state, coalesce(query, ''),"
      " greatest(0, extract(epoch FROM clock_timestamp() - query_start))"
      " FROM pg_stat_activity"
      " WHERE state IS NOT NULL AND state <> 'idle' AND query_start IS NOT NULL"
      " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
      " ORDER BY query_start, pid");
  std::vector<RunningQuery> out;
  out.reserve(rows.size());
  for (const pqxx::row& r : rows) {
    RunningQuery q;
    q.pid = r[0].as<long long>();
    q.datname = Text(r[1]);
    q.user = Text(r[2]);
    q.state = Text(r[3]);
    q.query = Text(r[4]);
    q.seconds = Number(r[5]);
    out.push_back(std::move(q));
  }
  return out;
}

std::vector<std::string> QueryConnectableDatabases(pqxx::transaction_base& tx) {
  const pqxx::result rows = tx.exec_params(
      "SELECT datname FROM pg_database"
      " WHERE datallowconn AND NOT datistemplate AND has_database_privilege(oid, 'CONNECT')"
      " ORDER BY datname");
  std::vector<std::string> out;
  for (const pqxx::row& r : rows) out.push_back(r[0].as<std::string>());
  return out;
}

std::string QueryStatStatementsSchema(pqxx::transaction_base& tx) {
  const pqxx::result rows = tx.exec_params(
      "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
      " WHERE e.extname = 'pg_stat_statements'");
  return rows.empty() ? std::string() : rows[0][0].as<std::string>();
}

namespace {

// With pg_stat_statements.track = all one statement has a row per
// `toplevel`; they are summed so a (queryid, database, user) is one series.
constexpr char kStatementColumns[] =
    "s.queryid, coalesce(d.datname, ''), coalesce(r.rolname, ''), sum(s.calls),"
    " sum(s.total_exec_time), sum(s.total_exec_time) / nullif(sum(s.calls), 0),"
    " max(s.max_exec_time), sum(s.rows), sum(s.shared_blks_hit), sum(s.shared_blks_read)";

std::string StatementsFrom(pqxx::transaction_base& tx, const std::string& schema, bool texts) {
  return absl::StrCat(" FROM ", tx.quote_name(schema), ".pg_stat_statements(",
                      texts ? "true" : "false", ") s",
                      " LEFT JOIN pg_database d ON d.oid = s.dbid",
                      " LEFT JOIN pg_roles r ON r.oid = s.userid");
}

}  // namespace

std::vector<StatementStats> QueryStatements(pqxx::transaction_base& tx, const std::string& schema) {
  // queryid is NULL for other users' statements without pg_read_all_stats.
  const pqxx::result rows = tx.exec_params(absl::StrCat("SELECT ", kStatementColumns,
                                                 StatementsFrom(tx, schema, false),
                                                 " WHERE s.queryid IS NOT NULL",
                                                 " GROUP BY s.queryid, d.datname, r.rolname"));
  std::vector<StatementStats> out;
  out.reserve(rows.size());
  for (const pqxx::row& r : rows) {
    StatementStats s;
    s.queryid = r[0].as<long long>();
    s.datname = Text(r[1]);
    s.user = Text(r[2]);
    s.calls = Counter(r[3]);
    s.total_ms = Number(r[4]);
    s.mean_ms = Number(r[5]);
    s.max_ms = Number(r[6]);
    s.rows = Counter(r[7]);
    s.shared_blks_hit = Counter(r[8]);
    s.shared_blks_read = Counter(r[9]);
    out.push_back(std::move(s));
  }
  return out;
}

std::map<int64_t, std::string> QueryStatementTexts(pqxx::transaction_base& tx,
                                                   const std::string& schema,
                                                   const std::vector<int64_t>& queryids) {
  std::map<int64_t, std::string> out;
  if (queryids.empty()) return out;
  const pqxx::result rows =
      tx.exec_params(absl::StrCat("SELECT DISTINCT ON (s.queryid) s.queryid, s.query",
                           StatementsFrom(tx, schema, true), " WHERE s.queryid IN (",
                           absl::StrJoin(queryids, ","), ")"));
  for (const pqxx::row& r : rows) out[r[0].as<long long>()] = Text(r[1]);
  return out;
}

}  // namespace scout::agent::pg
