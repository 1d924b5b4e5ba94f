// ScrapeRunner: the scrape of one postgres target, and what the target
// remembers between scrapes (its state for logging, the previous counters
// for rates, measured sizes, the statement tracker, per-set error states).
//
// One Run at `now_ms`:
// - takes the DSN database's connection from the target's TargetConnections
//   (opening it unless it is backing off) and runs one READ ONLY
//   transaction on it with SET LOCAL statement_timeout (and lock_timeout
//   up to 1 s); when `core_due`, every built-in set runs in a savepoint of
//   its own, so a set that fails is reported and the others still run;
// - runs the due custom queries (custom_query.h), each in a savepoint, on
//   the connection of their database;
// - reads the tables and indexes of the other databases, each in a
//   transaction on its own connection; failures there are per database and
//   never mark the target down;
// - adds samples to `sink` only for transactions that committed, plus
//   scout_postgres_up, scout_postgres_connect_attempts_total and the
//   scrape's duration; metric names: docs/metrics.md.
// - logs when the target's state changes: "up", "down" (once, however its
//   reason varies while retrying), a failing query or set.
// A lost connection is dropped (TargetConnections then backs off); a query
// that fails on a live one is not a reason to reconnect.
//
// Thread safety: none; one Run at a time (the target's scrape thread).
// Run may block for as long as libpq does; the caller bounds its wait.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "agent/plugin.h"
#include "agent/postgres/postgres_config.h"
#include "agent/postgres/postgres_queries.h"
#include "agent/postgres/relation_queries.h"
#include "agent/postgres/statement_tracker.h"
#include "agent/postgres/target_connections.h"

namespace scout::agent {

class ScrapeRunner {
 public:
  ScrapeRunner(std::shared_ptr<const PostgresTarget> spec,
               std::shared_ptr<TargetConnections> connections);
  ScrapeRunner(const ScrapeRunner&) = delete;
  ScrapeRunner& operator=(const ScrapeRunner&) = delete;

  // Scrapes the built-in sets if `core_due` and the custom queries in
  // `due` (pointers into the spec's `queries`) into `sink`. Returns the
  // target's sanitised error, "" when its last scrape worked.
  std::string Run(int64_t now_ms, bool core_due, const std::vector<const CustomQuery*>& due,
                  SampleSink& sink);

 private:
  // The transaction on the DSN's database, then the other databases.
  // Returns whether that transaction committed.
  bool ScrapeMain(pqxx::connection& conn, int64_t now_ms, bool core_due,
                  const std::vector<const CustomQuery*>& due_queries, const Labels& base,
                  SampleSink& sink);
  void NoteNotRun(const std::vector<const CustomQuery*>& due,
                  const std::optional<std::string>& datname, SampleSink& sink) const;
  std::vector<std::string> CollectCoreSets(pqxx::transaction_base& tx, int64_t now_ms,
                                           const std::string& main_db, const Labels& base,
                                           SampleSink& buffer,
                                           std::vector<std::string>& failed_sets);
  void RememberDatabaseSizes(std::vector<pg::DatabaseStats>& dbs);
  void CollectStatements(pqxx::transaction_base& tx, int64_t now_ms, const Labels& base,
                         SampleSink& sink);
  void CollectLocksAndLongQueries(pqxx::transaction_base& tx, const Labels& base,
                                  SampleSink& sink) const;
  std::vector<std::string> TableDatabases(pqxx::transaction_base& tx,
                                          const std::string& main_db) const;
  void CollectRelations(pqxx::transaction_base& tx, const std::string& datname,
                        const Labels& base, SampleSink& sink);
  void NoteRelationResult(const std::string& datname, const std::string& error, bool truncated);
  void RunQueries(pqxx::transaction_base& tx, const std::string& datname,
                  const std::string& dsn_db, const std::vector<const CustomQuery*>& due,
                  const Labels& base, SampleSink& sink);
  void NoteQueryResult(const CustomQuery& q, const std::string& error);
  void CollectOtherDatabases(int64_t now_ms, bool core_due, const std::string& main_db,
                             const std::vector<std::string>& table_dbs,
                             const std::vector<const CustomQuery*>& due, const Labels& base,
                             SampleSink& sink);
  absl::Status ScrapeDatabase(int64_t now_ms, const std::string& datname,
                              const std::string& main_db, bool tables,
                              const std::vector<const CustomQuery*>& due, const Labels& base,
                              const Labels& labels, pg::RelationStats& stats, SampleSink& sink);
  void MarkDown(int64_t now_ms, const std::string& reason);
  void SetState(const std::string& state, const std::string& error);
  void EmitAttempts(const Labels& base, SampleSink& sink) const;
  void EmitDown(const Labels& base, SampleSink& sink) const;
  static void EmitActivity(const pg::Activity& a, const Labels& base, SampleSink& sink);
  void EmitDatabases(std::vector<pg::DatabaseStats>& dbs, int64_t now_ms, const Labels& base,
                     SampleSink& sink);

  const std::shared_ptr<const PostgresTarget> spec_;
  const std::shared_ptr<TargetConnections> connections_;
  std::string state_;  // "" before the first result; logs fire on changes
  std::string error_;  // sanitized, "" when the last scrape worked
  std::optional<int64_t> prev_ms_;
  std::map<std::string, pg::DatabaseStats> prev_;  // by datname
  StatementTracker statements_;
  std::string statements_error_;                      // "" when pg_stat_statements is readable
  std::map<std::string, std::string> query_errors_;     // per custom query
  std::map<std::string, std::string> relation_errors_;  // per database
  std::set<std::string> truncation_logged_;  // databases over max_tables, warned once
  std::optional<int64_t> sizes_measured_ms_;           // database/table/index sizes
  bool measure_sizes_ = true;                          // this scrape measures them
  std::map<std::string, int64_t> database_sizes_;      // by datname, between measurements
  std::map<std::string, pg::SizeCache> relation_sizes_;  // by datname
};

}  // namespace scout::agent
