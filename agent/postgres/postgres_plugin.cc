#include "agent/postgres/postgres_plugin.h"

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/deadline_call.h"
#include "agent/postgres/database_dsn.h"
#include "agent/postgres/postgres_queries.h"
#include "agent/postgres/relation_queries.h"
#include "agent/postgres/statement_tracker.h"
#include "shared/secret_ref.h"
#include "re2/re2.h"
#include "shared/backoff.h"
#include "shared/logging.h"
#include "shared/secret_ref.h"

namespace scout::agent {
namespace {

// key=value `password=...` (quoted or not) and URI `?password=...&`.
constexpr char kPasswordKv[] = R"((?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s&]+))";
// URI user:password@host.
constexpr char kUriUserInfo[] = R"((://[^:/@\s]*):([^@/\s]*)@)";

void ReplaceAll(std::string& s, const std::string& what, const std::string& with) {
  if (what.empty()) return;
  for (size_t pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + with.size())) {
    s.replace(pos, what.size(), with);
  }
}

std::optional<double> CounterRate(uint64_t prev, uint64_t cur, int64_t elapsed_ms) {
  if (elapsed_ms <= 0 || cur < prev) return std::nullopt;
  return static_cast<double>(cur - prev) * 1000.0 / static_cast<double>(elapsed_ms);
}

using ReadOnlyTx = pqxx::transaction<pqxx::read_committed, pqxx::read_only>;

// At most this many pid- or pair-labelled series per scrape.
constexpr size_t kMaxListed = 20;

// Samples of a scrape are held back until its transaction committed, so a
// scrape that fails half-way adds nothing but its error.
class BufferSink final : public SampleSink {
 public:
  void Add(std::string metric, Labels labels, double value) override {
    samples_.push_back({std::move(metric), std::move(labels), value});
  }
  void FlushTo(SampleSink& sink) {
    for (Entry& e : samples_) sink.Add(std::move(e.metric), std::move(e.labels), e.value);
    samples_.clear();
  }

 private:
  struct Entry {
    std::string metric;
    Labels labels;
    double value;
  };
  std::vector<Entry> samples_;
};

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

// libpqxx 6.4 silently reopens a lost connection at the next transaction,
// which would bypass our backoff, counters and state logs. Its switch is
// marked deprecated (reactivation goes away in libpqxx 7) but works in 6.4.
void InhibitReactivation(pqxx::connection_base& conn) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  conn.inhibit_reactivation(true);
#pragma GCC diagnostic pop
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

class PostgresPlugin final : public Plugin {
 public:
  PostgresPlugin(std::vector<PostgresTarget> targets, PostgresPluginOptions options)
      : options_(options) {
    std::random_device seed;
    for (PostgresTarget& t : targets) {
      targets_.push_back(std::make_shared<Target>(std::move(t), options_, seed()));
    }
  }

  std::string_view name() const override { return "postgres"; }

  // Each due target is scraped as a DeadlineCall (agent/deadline_call.h,
  // thread "scout-pg-scrape"), so a target
  // that hangs (an address that never answers, a half-open connection)
  // delays neither the other targets nor the agent's cycle: Collect waits
  // at most `collect_wait` for this cycle's scrapes, and a scrape that takes
  // longer delivers its samples at a later Collect. A target is never
  // scraped twice at once.
  absl::Status Collect(int64_t now_ms, SampleSink& sink) override {
    for (const auto& t : targets_) {
      if (t->inflight) continue;  // still busy with an earlier cycle
      const bool core_due = !t->next_due_ms || now_ms >= *t->next_due_ms;
      if (core_due) t->next_due_ms = now_ms + t->spec.interval.count();
      std::vector<const CustomQuery*> due_queries;
      for (const CustomQuery& q : t->spec.queries) {
        auto [it, fresh] = t->query_due_ms.try_emplace(q.name, now_ms);
        if (now_ms < it->second) continue;
        const auto interval = q.interval.count() > 0 ? q.interval : t->spec.interval;
        it->second = now_ms + interval.count();
        due_queries.push_back(&q);
      }
      if (!core_due && due_queries.empty()) continue;
      StartScrape(t, now_ms, core_due, std::move(due_queries));
    }
    const auto deadline = std::chrono::steady_clock::now() + options_.collect_wait;
    std::vector<std::string> errors;
    for (const auto& t : targets_) {
      if (t->inflight && t->scrape.WaitUntil(deadline)) {
        t->inflight = false;
        t->results.FlushTo(sink);
        t->reported_error = t->error;
      }
      // Reported every cycle, due or not, so the scheduler sees a stable
      // state instead of flapping between error and OK.
      if (!t->reported_error.empty()) {
        errors.push_back(absl::StrCat(t->spec.name, ": ", t->reported_error));
      }
    }
    if (errors.empty()) return absl::OkStatus();
    return absl::UnavailableError(absl::StrJoin(errors, "; "));
  }

 private:
  struct Target;

  static void StartScrape(const std::shared_ptr<Target>& t, int64_t now_ms, bool core_due,
                          std::vector<const CustomQuery*> due_queries) {
    const absl::Status started = t->scrape.Start([t, now_ms, core_due, due_queries] {
      CollectTarget(*t, now_ms, core_due, due_queries, t->results);
    });
    if (started.ok()) {
      t->inflight = true;
    } else {  // no thread: this cycle's scrape failed, the next one retries
      t->reported_error = std::string(started.message());
    }
  }

  // A connection to one more database of the target's server.
  struct DatabaseConnection {
    DatabaseConnection(const PostgresPluginOptions& o, uint64_t seed)
        : backoff(o.backoff_initial, o.backoff_max, seed) {}
    std::unique_ptr<pqxx::connection> conn;
    Backoff backoff;
    int64_t retry_at_ms = 0;
    std::string error;  // "" when healthy; logs fire on changes
  };

  struct Target {
    Target(PostgresTarget s, const PostgresPluginOptions& o, uint64_t seed)
        : spec(std::move(s)),
          options(o),
          backoff(o.backoff_initial, o.backoff_max, seed),
          statements(spec.top_statements, static_cast<size_t>(spec.query_text_length)) {}

    PostgresTarget spec;
    const PostgresPluginOptions options;
    Backoff backoff;
    std::unique_ptr<pqxx::connection> conn;
    std::string resolved_dsn;              // secret: never logged
    std::optional<int64_t> next_due_ms;    // interval gate of the built-in sets
    std::map<std::string, int64_t> query_due_ms;  // per custom query
    int64_t retry_at_ms = 0;               // backoff gate while disconnected
    uint64_t connect_attempts = 0;
    std::string state;  // "" before the first result; logs fire on changes
    std::string error;  // sanitized, "" when the last scrape worked
    std::optional<int64_t> prev_ms;
    std::map<std::string, pg::DatabaseStats> prev;  // by datname
    StatementTracker statements;
    std::string statements_error;           // "" when pg_stat_statements is readable
    std::map<std::string, std::string> query_errors;  // per custom query
    std::map<std::string, std::string> relation_errors;  // per database
    std::set<std::string> truncation_logged;  // databases over max_tables, warned once
    std::optional<int64_t> sizes_measured_ms;        // database/table/index sizes
    bool measure_sizes = true;                       // this scrape measures them
    std::map<std::string, int64_t> database_sizes;   // by datname, between measurements
    std::map<std::string, pg::SizeCache> relation_sizes;  // by datname
    std::map<std::string, std::unique_ptr<DatabaseConnection>> databases;  // other databases
    // The scrape, run as a DeadlineCall that holds this Target by
    // shared_ptr (a scrape stuck at shutdown outlives the plugin). While
    // `inflight`, only the scrape touches the fields above; `results` is
    // flushed by Collect once it returned.
    DeadlineCall scrape{"scout-pg-scrape"};
    bool inflight = false;
    BufferSink results;
    std::string reported_error;  // `error` as of the last finished scrape
  };

  static void CollectTarget(Target& t, int64_t now_ms, bool core_due,
                     const std::vector<const CustomQuery*>& due_queries, SampleSink& sink) {
    const Labels base = {{"target", t.spec.name}};
    const auto start = std::chrono::steady_clock::now();
    const auto emit_duration = [&] {
      const std::chrono::duration<double> d = std::chrono::steady_clock::now() - start;
      sink.Add("scout_postgres_scrape_duration_seconds", base, d.count());
    };
    if (!t.conn) {
      if (now_ms < t.retry_at_ms) {  // backing off: no connection attempt
        if (core_due) EmitDown(t, base, sink);
        return;
      }
      ++t.connect_attempts;
      if (absl::Status s = Connect(t); !s.ok()) {
        MarkDown(t, now_ms, std::string(s.message()));
        EmitDown(t, base, sink);
        emit_duration();
        return;
      }
    }
    BufferSink buffer;
    std::string main_db;
    std::vector<std::string> other_dbs;
    std::vector<std::string> failed_sets;  // "set: reason" of sets that failed this scrape
    try {
      ReadOnlyTx tx(*t.conn, "scout_monitoring");
      SetTimeouts(tx, t.spec.statement_timeout);
      main_db = tx.exec_params("SELECT current_database()").at(0).at(0).as<std::string>();
      if (core_due) other_dbs = CollectCoreSets(t, tx, now_ms, main_db, base, buffer, failed_sets);
      RunQueries(t, tx, main_db, main_db, due_queries, base, buffer);
      tx.commit();
    } catch (const std::exception& e) {
      const std::string reason = SanitizePostgresError(e.what(), "");
      if (!t.conn->is_open() || dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
        MarkDown(t, now_ms, absl::StrCat("connection lost: ", reason));
        EmitDown(t, base, sink);
      } else {  // reachable, but the transaction failed (timeout, permissions)
        SetState(t, "query_error", absl::StrCat("query failed: ", reason));
        sink.Add("scout_postgres_up", base, 1);
        EmitAttempts(t, base, sink);
      }
      // Due custom queries did not run: say so rather than skip silently.
      for (const CustomQuery* q : due_queries) {
        sink.Add("scout_postgres_custom_query_success", {{"target", t.spec.name}, {"query", q->name}}, 0);
      }
      emit_duration();
      return;
    }
    t.backoff.Reset();
    if (core_due && t.measure_sizes) t.sizes_measured_ms = now_ms;
    if (failed_sets.empty()) {
      SetState(t, "up", "");
    } else {
      SetState(t, "query_error", absl::StrCat("sets failed: ", absl::StrJoin(failed_sets, "; ")));
    }
    buffer.FlushTo(sink);
    if (core_due) {
      sink.Add("scout_postgres_up", base, 1);
      EmitAttempts(t, base, sink);
    }
    CollectOtherDatabases(t, now_ms, core_due, main_db, other_dbs, due_queries, base, sink);
    if (core_due) emit_duration();
  }

  // The built-in sets of a due scrape, each in its own savepoint; a set that
  // fails is added to `failed_sets` ("set: reason"). Returns the other
  // databases whose tables are read this scrape.
  static std::vector<std::string> CollectCoreSets(Target& t, pqxx::transaction_base& tx,
                                                  int64_t now_ms, const std::string& main_db,
                                                  const Labels& base, SampleSink& buffer,
                                                  std::vector<std::string>& failed_sets) {
    const auto note = [&](const char* set, const absl::Status& status) {
      if (!status.ok()) failed_sets.push_back(absl::StrCat(set, ": ", status.message()));
    };
    std::vector<std::string> other_dbs;
    t.measure_sizes = !t.sizes_measured_ms ||
                      now_ms - *t.sizes_measured_ms >= t.spec.size_interval.count();
    note("connections", InSavepoint(tx, "scout_activity", [&](pqxx::transaction_base& sub) {
           EmitActivity(pg::QueryActivity(sub), base, buffer);
         }));
    note("databases", InSavepoint(tx, "scout_databases", [&](pqxx::transaction_base& sub) {
           std::vector<pg::DatabaseStats> dbs = pg::QueryDatabases(sub, t.measure_sizes);
           RememberDatabaseSizes(t, dbs);
           EmitDatabases(t, dbs, now_ms, base, buffer);
         }));
    CollectStatements(t, tx, now_ms, base, buffer);
    note("locks and long queries", InSavepoint(tx, "scout_activity_lists",
                                               [&](pqxx::transaction_base& sub) {
           BufferSink lists;
           CollectLocksAndLongQueries(t, sub, base, lists);
           lists.FlushTo(buffer);
         }));
    note("database list", InSavepoint(tx, "scout_database_list", [&](pqxx::transaction_base& sub) {
           other_dbs = TableDatabases(t, sub, main_db);
         }));
    const auto& only = t.spec.databases;
    if (only.empty() || std::find(only.begin(), only.end(), main_db) != only.end()) {
      CollectRelations(t, tx, main_db, base, buffer);
    }
    return other_dbs;
  }

  static absl::Status Connect(Target& t) {
    absl::StatusOr<std::string> dsn = ResolveSecretRef(t.spec.dsn);
    if (!dsn.ok()) return absl::Status(dsn.status().code(), std::string(dsn.status().message()));
    try {
      t.conn = std::make_unique<pqxx::connection>(
          WithConnectionDefaults(*dsn, t.options.connect_timeout));
      InhibitReactivation(*t.conn);
    } catch (const std::exception& e) {
      t.conn.reset();
      return absl::UnavailableError(
          absl::StrCat("connect failed: ", SanitizePostgresError(e.what(), *dsn)));
    }
    t.resolved_dsn = *std::move(dsn);
    return absl::OkStatus();
  }

  // Sizes measured this scrape replace the remembered ones; otherwise the
  // remembered ones fill in.
  static void RememberDatabaseSizes(Target& t, std::vector<pg::DatabaseStats>& dbs) {
    if (t.measure_sizes) {
      t.database_sizes.clear();
      for (const pg::DatabaseStats& d : dbs) {
        if (d.size_bytes) t.database_sizes[d.datname] = *d.size_bytes;
      }
      return;
    }
    for (pg::DatabaseStats& d : dbs) {
      if (auto it = t.database_sizes.find(d.datname); it != t.database_sizes.end()) {
        d.size_bytes = it->second;
      }
    }
  }

  // pg_stat_statements lives in the DSN's database; missing there, the
  // slow-query sets are skipped with one warning and the rest still runs.
  static void CollectStatements(Target& t, pqxx::transaction_base& tx, int64_t now_ms,
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
      t.statements.Emit(rows, now_ms, base, statements, [&](const std::vector<int64_t>& ids) {
        return pg::QueryStatementTexts(sub, schema, ids);
      });
    });
    if (!s.ok()) problem = std::string(s.message());
    if (problem.empty()) statements.FlushTo(sink);
    sink.Add("scout_postgres_stat_statements_available", base, problem.empty() ? 1 : 0);
    LogOnChange(t.statements_error,
                problem.empty() ? ""
                                : absl::StrCat("pg_stat_statements unavailable (", problem,
                                               "); slow-query sets skipped, the others still run."
                                               " Enable it with shared_preload_libraries ="
                                               " 'pg_stat_statements' and CREATE EXTENSION"
                                               " pg_stat_statements"),
                spdlog::level::warn, absl::StrCat("postgres ", t.spec.name),
                "pg_stat_statements available");
  }

  static void CollectLocksAndLongQueries(Target& t, pqxx::transaction_base& tx,
                                         const Labels& base, SampleSink& sink) {
    const size_t text_length = static_cast<size_t>(t.spec.query_text_length);
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
    const double threshold = static_cast<double>(t.spec.long_query_threshold.count()) / 1000.0;
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
  static std::vector<std::string> TableDatabases(const Target& t, pqxx::transaction_base& tx,
                                                 const std::string& main_db) {
    std::vector<std::string> all =
        t.spec.databases.empty() ? pg::QueryConnectableDatabases(tx) : t.spec.databases;
    all.erase(std::remove(all.begin(), all.end(), main_db), all.end());
    return all;
  }

  static void CollectRelations(Target& t, pqxx::transaction_base& tx, const std::string& datname,
                               const Labels& base, SampleSink& sink) {
    Labels l = base;
    l.emplace_back("datname", datname);
    pg::RelationStats stats;
    const absl::Status s = InSavepoint(tx, "scout_relations", [&](pqxx::transaction_base& sub) {
      stats = pg::QueryRelations(sub, t.spec.max_tables, t.measure_sizes,
                                 t.relation_sizes[datname]);
    });
    if (s.ok()) pg::EmitRelations(stats, l, sink);
    sink.Add("scout_postgres_database_scrape_error", l, s.ok() ? 0 : 1);
    NoteRelationResult(t, datname, s.ok() ? "" : std::string(s.message()), stats.truncated);
  }

  static void NoteRelationResult(Target& t, const std::string& datname, const std::string& error,
                                 bool truncated) {
    LogOnChange(t.relation_errors[datname],
                error.empty() ? "" : absl::StrCat("not read: ", error),
                spdlog::level::warn, absl::StrCat("postgres ", t.spec.name, " database ", datname),
                "read again");
    if (truncated && t.truncation_logged.insert(datname).second) {
      spdlog::warn("postgres {}: database {} has more than max_tables = {} tables; only the {} "
                   "largest are reported",
                   t.spec.name, datname, t.spec.max_tables, t.spec.max_tables);
    }
  }

  // Runs the due custom queries meant for `datname`; a query without a
  // database runs on the DSN's database, `dsn_db`.
  static void RunQueries(Target& t, pqxx::transaction_base& tx, const std::string& datname,
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
      NoteQueryResult(t, *q, rows.ok() ? "" : std::string(rows.status().message()));
    }
  }

  static void NoteQueryResult(Target& t, const CustomQuery& q, const std::string& error) {
    LogOnChange(t.query_errors[q.name], error.empty() ? "" : absl::StrCat("failed: ", error),
                spdlog::level::err,
                absl::StrCat("postgres ", t.spec.name, " query ", q.name), "succeeds again");
  }

  // Tables and indexes of the other databases, and custom queries meant
  // for them, each through its own connection (kept open, retried with
  // backoff). Failures are per database and never mark the target down.
  static void CollectOtherDatabases(Target& t, int64_t now_ms, bool core_due, const std::string& main_db,
                             std::vector<std::string> table_dbs,
                             const std::vector<const CustomQuery*>& due, const Labels& base,
                             SampleSink& sink) {
    std::set<std::string> wanted(table_dbs.begin(), table_dbs.end());
    for (const CustomQuery* q : due) {
      if (!q->database.empty() && q->database != main_db) wanted.insert(q->database);
    }
    const std::set<std::string> with_tables(table_dbs.begin(), table_dbs.end());
    for (const std::string& datname : wanted) {
      const bool tables = with_tables.count(datname) != 0;
      Labels l = base;
      l.emplace_back("datname", datname);
      auto& slot = t.databases[datname];
      if (!slot) slot = std::make_unique<DatabaseConnection>(t.options, std::random_device()());
      DatabaseConnection& db = *slot;
      absl::Status status = absl::OkStatus();
      pg::RelationStats stats;
      if (!db.conn) {
        if (now_ms < db.retry_at_ms) {
          if (tables) sink.Add("scout_postgres_database_scrape_error", l, 1);
          continue;
        }
        status = ConnectDatabase(t, db, datname);
      }
      if (status.ok()) {
        BufferSink buffer;
        try {
          ReadOnlyTx tx(*db.conn, "scout_monitoring");
          SetTimeouts(tx, t.spec.statement_timeout);
          if (tables) {
            stats = pg::QueryRelations(tx, t.spec.max_tables, t.measure_sizes,
                                       t.relation_sizes[datname]);
          }
          RunQueries(t, tx, datname, main_db, due, base, buffer);
          tx.commit();
          if (tables) pg::EmitRelations(stats, l, buffer);
          buffer.FlushTo(sink);
        } catch (const std::exception& e) {
          status = absl::UnavailableError(SanitizePostgresError(e.what(), ""));
          for (const CustomQuery* q : due) {  // did not run (or rolled back with the rest)
            if (q->database == datname) {
              sink.Add("scout_postgres_custom_query_success", {{"target", t.spec.name}, {"query", q->name}}, 0);
            }
          }
          if (!db.conn->is_open() || dynamic_cast<const pqxx::broken_connection*>(&e)) {
            db.conn.reset();
          }
        }
      }
      if (status.ok()) {
        db.backoff.Reset();
      } else if (!db.conn) {
        db.retry_at_ms = now_ms + db.backoff.NextDelay().count();
      }
      if (tables) sink.Add("scout_postgres_database_scrape_error", l, status.ok() ? 0 : 1);
      NoteRelationResult(t, datname, status.ok() ? "" : std::string(status.message()),
                         stats.truncated);
    }
    // Forget connections and sizes of databases dropped or excluded.
    if (!core_due) return;
    for (auto it = t.databases.begin(); it != t.databases.end();) {
      it = wanted.count(it->first) != 0 ? std::next(it) : t.databases.erase(it);
    }
    for (auto it = t.relation_sizes.begin(); it != t.relation_sizes.end();) {
      it = wanted.count(it->first) != 0 || it->first == main_db ? std::next(it)
                                                                 : t.relation_sizes.erase(it);
    }
  }

  static absl::Status ConnectDatabase(const Target& t, DatabaseConnection& db,
                                      const std::string& datname) {
    absl::StatusOr<std::string> dsn = WithDatabase(t.resolved_dsn, datname);
    if (!dsn.ok()) return dsn.status();
    try {
      db.conn = std::make_unique<pqxx::connection>(
          WithConnectionDefaults(*dsn, t.options.connect_timeout));
      InhibitReactivation(*db.conn);
    } catch (const std::exception& e) {
      db.conn.reset();
      return absl::UnavailableError(absl::StrCat(
          "connect failed: ", SanitizePostgresError(e.what(), t.resolved_dsn)));
    }
    return absl::OkStatus();
  }

  static void MarkDown(Target& t, int64_t now_ms, const std::string& reason) {
    t.conn.reset();
    t.retry_at_ms = now_ms + t.backoff.NextDelay().count();
    SetState(t, "down", reason);
  }

  // Logs only when the state changes: "down" once however its reason
  // varies while retrying (connection lost, then refused, ...); a failing
  // query again when a different query fails.
  static void SetState(Target& t, const std::string& state, const std::string& error) {
    const std::string key = state == "query_error" ? absl::StrCat(state, ":", error) : state;
    const bool changed = key != t.state;
    const bool recovered = state == "up" && !t.state.empty();
    t.state = key;
    t.error = error;
    if (!changed) return;
    if (state == "up") {
      spdlog::info("postgres {}: up{}", t.spec.name, recovered ? " (recovered)" : "");
    } else {
      spdlog::error("postgres {}: {}", t.spec.name, error);
    }
  }

  static void EmitAttempts(const Target& t, const Labels& base, SampleSink& sink) {
    sink.Add("scout_postgres_connect_attempts_total", base,
             static_cast<double>(t.connect_attempts));
  }

  static void EmitDown(const Target& t, const Labels& base, SampleSink& sink) {
    sink.Add("scout_postgres_up", base, 0);
    EmitAttempts(t, base, sink);
  }

  static void EmitActivity(const pg::Activity& a, const Labels& base, SampleSink& sink) {
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

  static void EmitDatabases(Target& t, std::vector<pg::DatabaseStats>& dbs, int64_t now_ms,
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
      const auto prev = t.prev.find(d.datname);
      if (!t.prev_ms || prev == t.prev.end()) continue;
      const int64_t elapsed = now_ms - *t.prev_ms;
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
    t.prev.clear();
    for (pg::DatabaseStats& d : dbs) t.prev.emplace(d.datname, std::move(d));
    t.prev_ms = now_ms;
  }

  const PostgresPluginOptions options_;
  std::vector<std::shared_ptr<Target>> targets_;
};

}  // namespace

std::string SanitizePostgresError(std::string_view message, std::string_view dsn) {
  std::string s(message.substr(0, message.find('\n')));
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  if (s.empty()) return "unknown error";
  const std::string d(dsn);
  std::vector<std::string> secrets;
  std::string quoted, value, user;
  if (RE2::PartialMatch(d, kPasswordKv, &quoted, &value)) {
    if (value.size() >= 2 && value.front() == '\'') value = value.substr(1, value.size() - 2);
    secrets.push_back(value);
  }
  if (RE2::PartialMatch(d, kUriUserInfo, &user, &value)) secrets.push_back(value);
  if (d.size() >= 3) ReplaceAll(s, d, "<dsn>");
  for (const std::string& secret : secrets) {
    if (secret.size() >= 3) ReplaceAll(s, secret, "***");
  }
  RE2::GlobalReplace(&s, kPasswordKv, "\\1***");
  RE2::GlobalReplace(&s, kUriUserInfo, "\\1:***@");
  return s;
}

std::string WithConnectionDefaults(const std::string& dsn, std::chrono::seconds seconds) {
  const bool uri = dsn.rfind("postgres://", 0) == 0 || dsn.rfind("postgresql://", 0) == 0;
  std::string out = dsn;
  const auto add = [&](const std::string& key, const std::string& value) {
    if (dsn.find(key) != std::string::npos) return;
    const std::string kv = absl::StrCat(key, "=", value);
    if (uri) {
      absl::StrAppend(&out, out.find('?') == std::string::npos ? "?" : "&", kv);
    } else {
      absl::StrAppend(&out, out.empty() ? "" : " ", kv);
    }
  };
  if (seconds.count() > 0) add("connect_timeout", absl::StrCat(seconds.count()));
  add("keepalives_idle", "30");
  add("keepalives_interval", "10");
  add("keepalives_count", "3");
  add("tcp_user_timeout", "60000");
  add("application_name", "scout-agent");
  return out;
}

std::unique_ptr<Plugin> NewPostgresPlugin(std::vector<PostgresTarget> targets,
                                                      PostgresPluginOptions options) {
  return std::make_unique<PostgresPlugin>(std::move(targets), options);
}

std::unique_ptr<Plugin> NewPostgresPlugin(std::vector<PostgresTarget> targets) {
  return NewPostgresPlugin(std::move(targets), PostgresPluginOptions());
}

}  // namespace scout::agent
