#include "agent/postgres/scrape_runner.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/postgres/buffer_sink.h"
#include "shared/logging.h"

namespace scout::agent {
namespace {

std::optional<double> CounterRate(uint64_t prev, uint64_t cur, int64_t elapsed_ms) {
  if (elapsed_ms <= 0 || cur < prev) return std::nullopt;
  return static_cast<double>(cur - prev) * 1000.0 / static_cast<double>(elapsed_ms);
}

using ReadOnlyTx = pqxx::transaction<pqxx::read_committed, pqxx::read_only>;

// At most this many pid- or pair-labelled series per scrape.
constexpr size_t kMaxListed = 20;

// Runs `body(tx)` inside a savepoint. A lost connection propagates; any
// other failure is rolled back to the savepoint and returned (sanitized),
// leaving `tx` usable.
//
// libpqxx 6.4 quirks this relies on: a failed tx.exec() closes the whole
// transaction object (so every monitoring query uses exec_params(), whose
// failure leaves it open), and pqxx::subtransaction does not begin itself
// before exec_params() (so the savepoint is sent by hand).
template <typename Body>
absl::Status InSavepoint(pqxx::transaction_base& tx, const std::string& name, Body&& body) {
  tx.exec_params(absl::StrCat("SAVEPOINT ", name));
  try {
    body(tx);
  } catch (const pqxx::broken_connection&) {
    throw;
  } catch (const std::exception& e) {
    absl::Status failed = absl::UnavailableError(SanitizePostgresError(e.what(), ""));
    // If even this fails, the transaction is unusable: the caller's catch
    // reports the scrape as failed.
    tx.exec_params(absl::StrCat("ROLLBACK TO SAVEPOINT ", name));
    tx.exec_params(absl::StrCat("RELEASE SAVEPOINT ", name));
    return failed;
  }
  tx.exec_params(absl::StrCat("RELEASE SAVEPOINT ", name));
  return absl::OkStatus();
}

// statement_timeout bounds every query; lock_timeout (at most 1 s) keeps a
// monitoring query from queueing behind an application's exclusive lock
// (e.g. pg_total_relation_size during ALTER TABLE), where it would also
// block everyone queued after it.
void SetTimeouts(pqxx::transaction_base& tx, std::chrono::milliseconds timeout) {
  const int64_t statement_ms = std::max<int64_t>(1, timeout.count());
  tx.exec_params(absl::StrCat("SET LOCAL statement_timeout = ", statement_ms));
  tx.exec_params(absl::StrCat("SET LOCAL lock_timeout = ", std::min<int64_t>(statement_ms, 1000)));
}

// Logs when `state` changes: info when it becomes "" (healthy) after having
// been something else, `level` otherwise.
void LogOnChange(std::string& current, const std::string& next, spdlog::level::level_enum level,
                 const std::string& subject, const std::string& healthy_message) {
  if (current == next) return;
  current = next;
  if (next.empty()) {
    spdlog::info("{}: {}", subject, healthy_message);
  } else {
    spdlog::log(level, "{}: {}", subject, next);
  }
}

}  // namespace

ScrapeRunner::ScrapeRunner(std::shared_ptr<const PostgresTarget> spec,
                           std::shared_ptr<TargetConnections> connections)
    : spec_(std::move(spec)),
      connections_(std::move(connections)),
      statements_(spec_->top_statements, static_cast<size_t>(spec_->query_text_length)) {}

std::string ScrapeRunner::Run(int64_t now_ms, bool core_due,
                              const std::vector<const CustomQuery*>& due_queries,
                              SampleSink& sink) {
  const Labels base = {{"target", spec_->name}};
  const auto start = std::chrono::steady_clock::now();
  if (connections_->MainBackingOff(now_ms)) {  // no connection attempt
    if (core_due) EmitDown(base, sink);
    return error_;
  }
  absl::StatusOr<pqxx::connection*> conn = connections_->Main();
  bool committed = false;
  if (conn.ok()) {
    committed = ScrapeMain(**conn, now_ms, core_due, due_queries, base, sink);
  } else {
    MarkDown(now_ms, std::string(conn.status().message()));
    EmitDown(base, sink);
  }
  // A scrape of custom queries only that worked reports no duration.
  if (core_due || !committed) {
    const std::chrono::duration<double> d = std::chrono::steady_clock::now() - start;
    sink.Add("scout_postgres_scrape_duration_seconds", base, d.count());
  }
  return error_;
}

bool ScrapeRunner::ScrapeMain(pqxx::connection& conn, int64_t now_ms, bool core_due,
                              const std::vector<const CustomQuery*>& due_queries,
                              const Labels& base, SampleSink& sink) {
  BufferSink buffer;
  std::string main_db;
  std::vector<std::string> other_dbs;
  std::vector<std::string> failed_sets;  // "set: reason" of sets that failed this scrape
  std::string superuser;  // the superuser role the DSN logs in as, if refused
  try {
    ReadOnlyTx tx(conn, "scout_monitoring");
    SetTimeouts(tx, spec_->statement_timeout);
    // Checked on every scrape, in the same round trip as the database name,
    // so a role made superuser later is refused too. Both the login role
    // and the effective one (a role-level `SET role` default) count.
    const pqxx::row who = tx.exec_params(
        "SELECT current_database(), bool_or(rolsuper), "
        "  string_agg(rolname::text, ',' ORDER BY rolname) FILTER (WHERE rolsuper) "
        "FROM pg_roles WHERE rolname IN (session_user, current_user)").at(0);
    main_db = who.at(0).as<std::string>();
    if (!spec_->allow_superuser && !who.at(1).is_null() && who.at(1).as<bool>()) {
      superuser = who.at(2).as<std::string>("?");
      throw std::runtime_error("superuser");  // leaves the transaction, rolled back
    }
    if (core_due) other_dbs = CollectCoreSets(tx, now_ms, main_db, base, buffer, failed_sets);
    RunQueries(tx, main_db, main_db, due_queries, base, buffer);
    tx.commit();
  } catch (const std::exception& e) {
    const std::string reason = SanitizePostgresError(e.what(), "");
    if (!superuser.empty()) {
      // Reported like a target that is down and logged once (a state of
      // its own); the connection is dropped and retried with backoff, as
      // the role may be changed. The message names the role, never the
      // DSN or its password.
      connections_->DropMain(now_ms);
      SetState("refused", absl::StrCat(
          "refused: the DSN logs in as superuser role '", superuser,
          "'; connect as a role with pg_monitor, or set allow_superuser: true on the target"));
      EmitDown(base, sink);
    } else if (ConnectionLost(conn, e)) {
      MarkDown(now_ms, absl::StrCat("connection lost: ", reason));
      EmitDown(base, sink);
    } else {  // reachable, but the transaction failed (timeout, permissions)
      SetState("query_error", absl::StrCat("query failed: ", reason));
      sink.Add("scout_postgres_up", base, 1);
      EmitAttempts(base, sink);
    }
    // Due custom queries did not run: say so rather than skip silently.
    NoteNotRun(due_queries, std::nullopt, sink);
    return false;
  }
  connections_->MainSucceeded();
  if (core_due && measure_sizes_) sizes_measured_ms_ = now_ms;
  if (failed_sets.empty()) {
    SetState("up", "");
  } else {
    SetState("query_error", absl::StrCat("sets failed: ", absl::StrJoin(failed_sets, "; ")));
  }
  buffer.FlushTo(sink);
  if (core_due) {
    sink.Add("scout_postgres_up", base, 1);
    EmitAttempts(base, sink);
  }
  CollectOtherDatabases(now_ms, core_due, main_db, other_dbs, due_queries, base, sink);
  return true;
}

// Marks the due custom queries meant for `datname` (all when unset) as not
// run (or rolled back with the rest of their transaction).
void ScrapeRunner::NoteNotRun(const std::vector<const CustomQuery*>& due,
                              const std::optional<std::string>& datname, SampleSink& sink) const {
  for (const CustomQuery* q : due) {
    if (datname && q->database != *datname) continue;
    sink.Add("scout_postgres_custom_query_success",
             {{"target", spec_->name}, {"query", q->name}}, 0);
  }
}

// The built-in sets of a due scrape, each in its own savepoint; a set that
// fails is added to `failed_sets` ("set: reason"). Returns the other
// databases whose tables are read this scrape.
std::vector<std::string> ScrapeRunner::CollectCoreSets(pqxx::transaction_base& tx,
                                                       int64_t now_ms, const std::string& main_db,
                                                       const Labels& base, SampleSink& buffer,
                                                       std::vector<std::string>& failed_sets) {
  const auto note = [&](const char* set, const absl::Status& status) {
    if (!status.ok()) failed_sets.push_back(absl::StrCat(set, ": ", status.message()));
  };
  std::vector<std::string> other_dbs;
  measure_sizes_ = !sizes_measured_ms_ ||
                   now_ms - *sizes_measured_ms_ >= spec_->size_interval.count();
  note("connections", InSavepoint(tx, "scout_activity", [&](pqxx::transaction_base& sub) {
         EmitActivity(pg::QueryActivity(sub), base, buffer);
       }));
  note("databases", InSavepoint(tx, "scout_databases", [&](pqxx::transaction_base& sub) {
         std::vector<pg::DatabaseStats> dbs = pg::QueryDatabases(sub, measure_sizes_);
         RememberDatabaseSizes(dbs);
         EmitDatabases(dbs, now_ms, base, buffer);
       }));
  CollectStatements(tx, now_ms, base, buffer);
  note("locks and long queries", InSavepoint(tx, "scout_activity_lists",
                                             [&](pqxx::transaction_base& sub) {
         BufferSink lists;
         CollectLocksAndLongQueries(sub, base, lists);
         lists.FlushTo(buffer);
       }));
  note("database list", InSavepoint(tx, "scout_database_list", [&](pqxx::transaction_base& sub) {
         other_dbs = TableDatabases(sub, main_db);
       }));
  const auto& only = spec_->databases;
  if (only.empty() || std::find(only.begin(), only.end(), main_db) != only.end()) {
    CollectRelations(tx, main_db, base, buffer);
  }
  return other_dbs;
}

// Sizes measured this scrape replace the remembered ones; otherwise the
// remembered ones fill in.
void ScrapeRunner::RememberDatabaseSizes(std::vector<pg::DatabaseStats>& dbs) {
  if (measure_sizes_) {
    database_sizes_.clear();
    for (const pg::DatabaseStats& d : dbs) {
      if (d.size_bytes) database_sizes_[d.datname] = *d.size_bytes;
    }
    return;
  }
  for (pg::DatabaseStats& d : dbs) {
    if (auto it = database_sizes_.find(d.datname); it != database_sizes_.end()) {
      d.size_bytes = it->second;
    }
  }
}

// pg_stat_statements lives in the DSN's database; missing there, the
// slow-query sets are skipped with one warning and the rest still runs.
void ScrapeRunner::CollectStatements(pqxx::transaction_base& tx, int64_t now_ms,
                                     const Labels& base, SampleSink& sink) {
  std::string problem;
  BufferSink statements;
  const absl::Status s = InSavepoint(tx, "scout_statements", [&](pqxx::transaction_base& sub) {
    const std::string schema = pg::QueryStatStatementsSchema(sub);
    if (schema.empty()) {
      problem = "extension not installed in this database";
      return;
    }
    const std::vector<pg::StatementStats> rows = pg::QueryStatements(sub, schema);
    statements_.Emit(rows, now_ms, base, statements, [&](const std::vector<int64_t>& ids) {
      return pg::QueryStatementTexts(sub, schema, ids);
    });
  });
  if (!s.ok()) problem = std::string(s.message());
  if (problem.empty()) statements.FlushTo(sink);
  sink.Add("scout_postgres_stat_statements_available", base, problem.empty() ? 1 : 0);
  LogOnChange(statements_error_,
              problem.empty() ? ""
                              : absl::StrCat("pg_stat_statements unavailable (", problem,
                                             "); slow-query sets skipped, the others still run."
                                             " Enable it with shared_preload_libraries ="
                                             " 'pg_stat_statements' and CREATE EXTENSION"
                                             " pg_stat_statements"),
              spdlog::level::warn, absl::StrCat("postgres ", spec_->name),
              "pg_stat_statements available");
}

void ScrapeRunner::CollectLocksAndLongQueries(pqxx::transaction_base& tx, const Labels& base,
                                              SampleSink& sink) const {
  const size_t text_length = static_cast<size_t>(spec_->query_text_length);
  const std::vector<pg::LockWait> waits = pg::QueryLockWaits(tx);
  std::set<int64_t> blocked;
  double max_wait = 0;
  for (const pg::LockWait& w : waits) {
    blocked.insert(w.blocked_pid);
    max_wait = std::max(max_wait, w.wait_seconds);
  }
  sink.Add("scout_postgres_blocked_sessions", base, static_cast<double>(blocked.size()));
  sink.Add("scout_postgres_lock_wait_max_seconds", base, max_wait);
  for (size_t i = 0; i < waits.size() && i < kMaxListed; ++i) {  // longest waits first
    const pg::LockWait& w = waits[i];
    Labels l = base;
    l.emplace_back("datname", w.datname);
    l.emplace_back("blocked_pid", absl::StrCat(w.blocked_pid));
    l.emplace_back("blocked_user", w.blocked_user);
    l.emplace_back("blocked_query", NormaliseQueryText(w.blocked_query, text_length));
    l.emplace_back("blocking_pid", absl::StrCat(w.blocking_pid));
    l.emplace_back("blocking_user", w.blocking_user);
    l.emplace_back("blocking_state", w.blocking_state);
    l.emplace_back("blocking_query", NormaliseQueryText(w.blocking_query, text_length));
    l.emplace_back("locktype", w.locktype);
    l.emplace_back("mode", w.mode);
    sink.Add("scout_postgres_lock_wait_seconds", std::move(l), w.wait_seconds);
  }

  const std::vector<pg::RunningQuery> running = pg::QueryRunning(tx);  // oldest first
  const double threshold = static_cast<double>(spec_->long_query_threshold.count()) / 1000.0;
  size_t long_running = 0;
  for (const pg::RunningQuery& q : running) {
    if (q.seconds <= threshold) break;
    if (long_running++ >= kMaxListed) continue;
    Labels l = base;
    l.emplace_back("pid", absl::StrCat(q.pid));
    l.emplace_back("datname", q.datname);
    l.emplace_back("user", q.user);
    l.emplace_back("state", q.state);
    l.emplace_back("query", NormaliseQueryText(q.query, text_length));
    sink.Add("scout_postgres_long_running_query_seconds", std::move(l), q.seconds);
  }
  sink.Add("scout_postgres_long_running_queries", base, static_cast<double>(long_running));
  sink.Add("scout_postgres_oldest_query_seconds", base,
           running.empty() ? 0.0 : running.front().seconds);
}

// The databases other than the DSN's whose tables are read this scrape.
std::vector<std::string> ScrapeRunner::TableDatabases(pqxx::transaction_base& tx,
                                                      const std::string& main_db) const {
  std::vector<std::string> all =
      spec_->databases.empty() ? pg::QueryConnectableDatabases(tx) : spec_->databases;
  all.erase(std::remove(all.begin(), all.end(), main_db), all.end());
  return all;
}

void ScrapeRunner::CollectRelations(pqxx::transaction_base& tx, const std::string& datname,
                                    const Labels& base, SampleSink& sink) {
  Labels l = base;
  l.emplace_back("datname", datname);
  pg::RelationStats stats;
  const absl::Status s = InSavepoint(tx, "scout_relations", [&](pqxx::transaction_base& sub) {
    stats = pg::QueryRelations(sub, spec_->max_tables, measure_sizes_,
                               relation_sizes_[datname]);
  });
  if (s.ok()) pg::EmitRelations(stats, l, sink);
  sink.Add("scout_postgres_database_scrape_error", l, s.ok() ? 0 : 1);
  NoteRelationResult(datname, s.ok() ? "" : std::string(s.message()), stats.truncated);
}

void ScrapeRunner::NoteRelationResult(const std::string& datname, const std::string& error,
                                      bool truncated) {
  LogOnChange(relation_errors_[datname],
              error.empty() ? "" : absl::StrCat("not read: ", error),
              spdlog::level::warn, absl::StrCat("postgres ", spec_->name, " database ", datname),
              "read again");
  if (truncated && truncation_logged_.insert(datname).second) {
    spdlog::warn("postgres {}: database {} has more than max_tables = {} tables; only the {} "
                 "largest are reported",
                 spec_->name, datname, spec_->max_tables, spec_->max_tables);
  }
}

// Runs the due custom queries meant for `datname`; a query without a
// database runs on the DSN's database, `dsn_db`.
void ScrapeRunner::RunQueries(pqxx::transaction_base& tx, const std::string& datname,
                              const std::string& dsn_db, const std::vector<const CustomQuery*>& due,
                              const Labels& base, SampleSink& sink) {
  for (const CustomQuery* q : due) {
    const std::string& want = q->database.empty() ? dsn_db : q->database;
    if (want != datname) continue;
    Labels meta = base;
    meta.emplace_back("query", q->name);
    const auto start = std::chrono::steady_clock::now();
    BufferSink rows_sink;
    absl::StatusOr<int64_t> rows = RunCustomQuery(tx, *q, base, rows_sink);
    // Unavailable: the connection or the transaction is unusable, so the
    // queries after this one cannot run either; the caller's catch marks
    // the scrape failed (down only if the connection itself is gone).
    if (rows.status().code() == absl::StatusCode::kUnavailable) {
      throw std::runtime_error(std::string(rows.status().message()));
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    if (rows.ok()) rows_sink.FlushTo(sink);
    sink.Add("scout_postgres_custom_query_success", meta, rows.ok() ? 1 : 0);
    sink.Add("scout_postgres_custom_query_duration_seconds", meta, took.count());
    if (rows.ok()) sink.Add("scout_postgres_custom_query_rows", meta, static_cast<double>(*rows));
    NoteQueryResult(*q, rows.ok() ? "" : std::string(rows.status().message()));
  }
}

void ScrapeRunner::NoteQueryResult(const CustomQuery& q, const std::string& error) {
  LogOnChange(query_errors_[q.name], error.empty() ? "" : absl::StrCat("failed: ", error),
              spdlog::level::err,
              absl::StrCat("postgres ", spec_->name, " query ", q.name), "succeeds again");
}

// Tables and indexes of the other databases, and custom queries meant
// for them, each through its own connection (kept open, retried with
// backoff). Failures are per database and never mark the target down.
void ScrapeRunner::CollectOtherDatabases(int64_t now_ms, bool core_due,
                                         const std::string& main_db,
                                         const std::vector<std::string>& table_dbs,
                                         const std::vector<const CustomQuery*>& due,
                                         const Labels& base, SampleSink& sink) {
  std::set<std::string> wanted(table_dbs.begin(), table_dbs.end());
  for (const CustomQuery* q : due) {
    if (!q->database.empty() && q->database != main_db) wanted.insert(q->database);
  }
  const std::set<std::string> with_tables(table_dbs.begin(), table_dbs.end());
  for (const std::string& datname : wanted) {
    const bool tables = with_tables.count(datname) != 0;
    Labels l = base;
    l.emplace_back("datname", datname);
    if (connections_->DatabaseBackingOff(datname, now_ms)) {
      if (tables) sink.Add("scout_postgres_database_scrape_error", l, 1);
      continue;
    }
    pg::RelationStats stats;
    const absl::Status status = ScrapeDatabase(now_ms, datname, main_db, tables, due, base, l,
                                               stats, sink);
    if (tables) sink.Add("scout_postgres_database_scrape_error", l, status.ok() ? 0 : 1);
    NoteRelationResult(datname, status.ok() ? "" : std::string(status.message()),
                       stats.truncated);
  }
  // Forget connections and sizes of databases dropped or excluded.
  if (!core_due) return;
  connections_->KeepDatabases(wanted);
  for (auto it = relation_sizes_.begin(); it != relation_sizes_.end();) {
    it = wanted.count(it->first) != 0 || it->first == main_db ? std::next(it)
                                                               : relation_sizes_.erase(it);
  }
}

// One other database: its tables (if `tables`; into `stats`, emitted with
// `labels`) and its due custom queries, in one READ ONLY transaction on its
// own connection.
absl::Status ScrapeRunner::ScrapeDatabase(int64_t now_ms, const std::string& datname,
                                          const std::string& main_db, bool tables,
                                          const std::vector<const CustomQuery*>& due,
                                          const Labels& base, const Labels& labels,
                                          pg::RelationStats& stats, SampleSink& sink) {
  absl::StatusOr<pqxx::connection*> conn = connections_->Database(datname);
  if (!conn.ok()) {
    connections_->DatabaseResult(datname, now_ms, /*ok=*/false, /*lost=*/false);
    return conn.status();
  }
  BufferSink buffer;
  try {
    ReadOnlyTx tx(**conn, "scout_monitoring");
    SetTimeouts(tx, spec_->statement_timeout);
    if (tables) {
      stats = pg::QueryRelations(tx, spec_->max_tables, measure_sizes_, relation_sizes_[datname]);
    }
    RunQueries(tx, datname, main_db, due, base, buffer);
    tx.commit();
    if (tables) pg::EmitRelations(stats, labels, buffer);
    buffer.FlushTo(sink);
  } catch (const std::exception& e) {
    NoteNotRun(due, datname, sink);
    connections_->DatabaseResult(datname, now_ms, /*ok=*/false, ConnectionLost(**conn, e));
    return absl::UnavailableError(SanitizePostgresError(e.what(), ""));
  }
  connections_->DatabaseResult(datname, now_ms, /*ok=*/true, /*lost=*/false);
  return absl::OkStatus();
}

void ScrapeRunner::MarkDown(int64_t now_ms, const std::string& reason) {
  connections_->DropMain(now_ms);
  SetState("down", reason);
}

// Logs only when the state changes: "down" once however its reason
// varies while retrying (connection lost, then refused, ...); a failing
// query again when a different query fails.
void ScrapeRunner::SetState(const std::string& state, const std::string& error) {
  const std::string key = state == "query_error" ? absl::StrCat(state, ":", error) : state;
  const bool changed = key != state_;
  const bool recovered = state == "up" && !state_.empty();
  state_ = key;
  error_ = error;
  if (!changed) return;
  if (state == "up") {
    spdlog::info("postgres {}: up{}", spec_->name, recovered ? " (recovered)" : "");
  } else {
    spdlog::error("postgres {}: {}", spec_->name, error);
  }
}

void ScrapeRunner::EmitAttempts(const Labels& base, SampleSink& sink) const {
  sink.Add("scout_postgres_connect_attempts_total", base,
           static_cast<double>(connections_->connect_attempts()));
}

void ScrapeRunner::EmitDown(const Labels& base, SampleSink& sink) const {
  sink.Add("scout_postgres_up", base, 0);
  EmitAttempts(base, sink);
}

void ScrapeRunner::EmitActivity(const pg::Activity& a, const Labels& base, SampleSink& sink) {
  for (const auto& [state, count] : a.by_state) {
    Labels l = base;
    l.emplace_back("state", state);
    sink.Add("scout_postgres_connections", std::move(l), static_cast<double>(count));
  }
  sink.Add("scout_postgres_active_connections", base, static_cast<double>(a.Active()));
  sink.Add("scout_postgres_max_connections", base, static_cast<double>(a.max_connections));
  if (a.max_connections > 0) {  // background workers hold no max_connections slot
    sink.Add("scout_postgres_connections_used_ratio", base,
             static_cast<double>(a.client_backends) / static_cast<double>(a.max_connections));
  }
}

void ScrapeRunner::EmitDatabases(std::vector<pg::DatabaseStats>& dbs, int64_t now_ms,
                                 const Labels& base, SampleSink& sink) {
  for (const pg::DatabaseStats& d : dbs) {
    Labels l = base;
    l.emplace_back("datname", d.datname);
    const auto add = [&](const char* metric, double v) { sink.Add(metric, l, v); };
    if (d.size_bytes) add("scout_postgres_database_size_bytes", static_cast<double>(*d.size_bytes));
    add("scout_postgres_xact_commit_total", static_cast<double>(d.xact_commit));
    add("scout_postgres_xact_rollback_total", static_cast<double>(d.xact_rollback));
    add("scout_postgres_deadlocks_total", static_cast<double>(d.deadlocks));
    add("scout_postgres_temp_files_total", static_cast<double>(d.temp_files));
    add("scout_postgres_temp_bytes_total", static_cast<double>(d.temp_bytes));
    if (const uint64_t blks = d.blks_hit + d.blks_read; blks > 0) {
      add("scout_postgres_cache_hit_ratio",
          static_cast<double>(d.blks_hit) / static_cast<double>(blks));
    }
    const auto prev = prev_.find(d.datname);
    if (!prev_ms_ || prev == prev_.end()) continue;
    const int64_t elapsed = now_ms - *prev_ms_;
    if (auto r = CounterRate(prev->second.xact_commit, d.xact_commit, elapsed)) {
      add("scout_postgres_xact_commit_per_second", *r);
    }
    if (auto r = CounterRate(prev->second.xact_rollback, d.xact_rollback, elapsed)) {
      add("scout_postgres_xact_rollback_per_second", *r);
    }
    const uint64_t hit = d.blks_hit, read = d.blks_read;
    const uint64_t prev_hit = prev->second.blks_hit, prev_read = prev->second.blks_read;
    if (hit >= prev_hit && read >= prev_read && hit + read > prev_hit + prev_read) {
      add("scout_postgres_cache_hit_recent_ratio",
          static_cast<double>(hit - prev_hit) /
              static_cast<double>(hit + read - prev_hit - prev_read));
    }
  }
  // Replace, not merge: a dropped and re-created database starts afresh.
  prev_.clear();
  for (pg::DatabaseStats& d : dbs) prev_.emplace(d.datname, std::move(d));
  prev_ms_ = now_ms;
}

}  // namespace scout::agent
