// The postgres collector against a real throw-away PostgreSQL 15 cluster
// (tests/postgres/start_cluster.sh), plus the secret-sanitizing helpers.
#include "agent/postgres/postgres_plugin.h"

#include "agent/postgres/database_dsn.h"
#include "agent/postgres/statement_tracker.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "tests/postgres/pg_test_cluster.h"

namespace scout::agent {
namespace {

using namespace scout::agent::pgtest;  // NOLINT: test helpers

using std::chrono::milliseconds;

PostgresTarget MakeTarget(std::string name, std::string dsn, milliseconds interval) {
  PostgresTarget t;
  t.name = std::move(name);
  t.dsn = std::move(dsn);
  t.interval = interval;
  // The test cluster's role is its bootstrap superuser (the refusal itself
  // is tested with allow_superuser unset).
  t.allow_superuser = true;
  return t;
}

class PostgresCollectorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = StartCluster(); }
  static void TearDownTestSuite() {
    if (cluster_) StopCluster(*cluster_);
    cluster_.reset();
  }
  void SetUp() override { ASSERT_TRUE(cluster_) << "could not start a PostgreSQL cluster"; }

  static std::unique_ptr<Plugin> Collector(std::string dsn) {
    return NewPostgresPlugin({MakeTarget("main", std::move(dsn), milliseconds(0))});
  }
  static uint64_t Commits() {
    pqxx::connection c(cluster_->dsn);
    pqxx::nontransaction tx(c);
    return tx.exec("SELECT xact_commit FROM pg_stat_database WHERE datname = 'postgres'")
        .at(0).at(0).as<uint64_t>();
  }

  static inline std::optional<Cluster> cluster_;
  const Labels main_ = {{"target", "main"}};
  const Labels postgres_db_ = {{"target", "main"}, {"datname", "postgres"}};
};

TEST_F(PostgresCollectorTest, CollectsConnectionsAndDatabases) {
  auto collector = Collector(cluster_->dsn);
  VectorSink sink(1000);
  ASSERT_TRUE(collector->Collect(1000, sink).ok());
  EXPECT_EQ(Find(sink, "scout_postgres_up", main_), 1);
  EXPECT_GE(Find(sink, "scout_postgres_connections", {{"target", "main"}, {"state", "active"}})
                .value_or(0), 1);  // our own query
  EXPECT_GE(Find(sink, "scout_postgres_active_connections", main_).value_or(0), 1);
  EXPECT_GE(Find(sink, "scout_postgres_connections",
                 {{"target", "main"}, {"state", "background"}}).value_or(0), 1);
  EXPECT_EQ(Find(sink, "scout_postgres_max_connections", main_), 50);
  const double used = Find(sink, "scout_postgres_connections_used_ratio", main_).value_or(-1);
  EXPECT_GT(used, 0.0);
  EXPECT_LT(used, 1.0);
  EXPECT_GT(Find(sink, "scout_postgres_database_size_bytes", postgres_db_).value_or(0), 1e6);
  const double hit = Find(sink, "scout_postgres_cache_hit_ratio", postgres_db_).value_or(-1);
  EXPECT_GT(hit, 0.0);
  EXPECT_LE(hit, 1.0);
  EXPECT_TRUE(Find(sink, "scout_postgres_xact_commit_total", postgres_db_).has_value());
  EXPECT_TRUE(Find(sink, "scout_postgres_deadlocks_total", postgres_db_).has_value());
  EXPECT_TRUE(Find(sink, "scout_postgres_scrape_duration_seconds", main_).has_value());
  EXPECT_FALSE(Find(sink, "scout_postgres_xact_commit_per_second", postgres_db_))
      << "no rate on the first collection";
}

TEST_F(PostgresCollectorTest, CommitRateFromDeltas) {
  auto collector = Collector(cluster_->dsn);
  VectorSink first(0);
  ASSERT_TRUE(collector->Collect(0, first).ok());
  const uint64_t before = Commits();
  {
    pqxx::connection c(cluster_->dsn);
    pqxx::work(c).exec("CREATE TABLE IF NOT EXISTS rate_t (id int)");  // rolled back
    pqxx::work create(c);
    create.exec("CREATE TABLE IF NOT EXISTS rate_t (id int)");
    create.commit();
    for (int t = 0; t < 10; ++t) {
      pqxx::work w(c);
      w.exec("INSERT INTO rate_t SELECT generate_series(1, 100)");
      w.commit();
    }
  }  // backend exit flushes its statistics
  for (int i = 0; i < 100 && Commits() < before + 11; ++i) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  VectorSink second(2000);
  ASSERT_TRUE(collector->Collect(2000, second).ok());
  EXPECT_GE(Find(second, "scout_postgres_xact_commit_per_second", postgres_db_).value_or(0), 5.5);
  EXPECT_GT(Find(second, "scout_postgres_xact_rollback_per_second", postgres_db_).value_or(0), 0);
  EXPECT_TRUE(Find(second, "scout_postgres_xact_commit_per_second",
                   {{"target", "main"}, {"datname", "template1"}}).has_value());
}

TEST_F(PostgresCollectorTest, NoRateAfterCounterReset) {
  // A fresh cluster may have flushed only a few commits yet: make 25 and
  // wait until the statistics show them (a backend flushes at exit).
  {
    pqxx::connection c(cluster_->dsn);
    for (int i = 0; i < 25; ++i) pqxx::work(c).commit();
  }
  for (int i = 0; i < 100 && Commits() <= 20; ++i) std::this_thread::sleep_for(milliseconds(50));
  auto collector = Collector(cluster_->dsn);
  VectorSink first(0);
  ASSERT_TRUE(collector->Collect(0, first).ok());
  ASSERT_GT(Find(first, "scout_postgres_xact_commit_total", postgres_db_).value_or(0), 20);
  {
    pqxx::connection c(cluster_->dsn);
    pqxx::nontransaction(c).exec("SELECT pg_stat_reset()");
  }
  VectorSink second(1000);
  ASSERT_TRUE(collector->Collect(1000, second).ok());
  EXPECT_LT(Find(second, "scout_postgres_xact_commit_total", postgres_db_).value_or(1e9), 20);
  EXPECT_FALSE(Find(second, "scout_postgres_xact_commit_per_second", postgres_db_));
}

TEST_F(PostgresCollectorTest, HonoursInterval) {
  auto collector = NewPostgresPlugin({MakeTarget("main", cluster_->dsn, milliseconds(30000))});
  VectorSink a(0), b(1000), c(30000);
  ASSERT_TRUE(collector->Collect(0, a).ok());
  ASSERT_TRUE(collector->Collect(1000, b).ok());
  ASSERT_TRUE(collector->Collect(30000, c).ok());
  EXPECT_EQ(Find(a, "scout_postgres_up", main_), 1);
  EXPECT_TRUE(b.samples().empty()) << "interval not elapsed";
  EXPECT_EQ(Find(c, "scout_postgres_up", main_), 1);
}

TEST_F(PostgresCollectorTest, DsnFromEnvironment) {
  setenv("SCOUT_TEST_DSN", cluster_->dsn.c_str(), 1);
  auto collector = Collector("${SCOUT_TEST_DSN}");
  VectorSink sink(0);
  EXPECT_TRUE(collector->Collect(0, sink).ok());
  EXPECT_EQ(Find(sink, "scout_postgres_up", main_), 1);
  unsetenv("SCOUT_TEST_DSN");
  auto missing = Collector("${SCOUT_TEST_DSN}");
  VectorSink none(0);
  EXPECT_FALSE(missing->Collect(0, none).ok());
  EXPECT_EQ(Find(none, "scout_postgres_up", main_), 0);
}

// --- Conditions created in a real database, then scraped -----------------

// Runs `sql` in its own connection (autocommit); its backend exits when
// this returns, which flushes its statistics.
void Exec(const std::string& dsn, const std::string& sql) {
  pqxx::connection c(dsn);
  pqxx::nontransaction tx(c);
  tx.exec(sql);
}

template <typename T>
T Scalar(const std::string& dsn, const std::string& sql) {
  pqxx::connection c(dsn);
  pqxx::nontransaction tx(c);
  return tx.exec(sql).at(0).at(0).as<T>();
}

// Statistics reach pg_stat_* asynchronously (at backend exit or within a
// second): polls until `sql` returns true.
bool WaitUntil(const std::string& dsn, const std::string& sql) {
  for (int i = 0; i < 100; ++i) {
    if (Scalar<bool>(dsn, sql)) return true;
    std::this_thread::sleep_for(milliseconds(100));
  }
  return false;
}

std::string DbDsn(const std::string& dsn, const std::string& db) {
  return dsn.substr(0, dsn.find(" dbname=")) + " dbname=" + db;
}

// Samples of `metric` whose labels include every pair of `match`.
std::vector<const Sample*> Matching(VectorSink& sink, const std::string& metric, Labels match) {
  std::vector<const Sample*> out;
  for (const Sample& s : sink.samples()) {
    if (s.key.metric != metric) continue;
    bool all = true;
    for (const auto& [k, v] : match) {
      bool found = false;
      for (const auto& [lk, lv] : s.key.labels) found = found || (lk == k && lv == v);
      all = all && found;
    }
    if (all) out.push_back(&s);
  }
  return out;
}

std::string Label(const Sample& s, const std::string& key) {
  for (const auto& [k, v] : s.key.labels) {
    if (k == key) return v;
  }
  return "<none>";
}

PostgresTarget Target(const std::string& dsn) { return MakeTarget("main", dsn, milliseconds(0)); }

TEST_F(PostgresCollectorTest, SlowStatementsWithTextsAndBoundedTopN) {
  Exec(cluster_->dsn, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  Exec(cluster_->dsn, "SELECT pg_stat_statements_reset()");
  {
    pqxx::connection c(cluster_->dsn);
    pqxx::nontransaction tx(c);
    for (int i = 0; i < 3; ++i) tx.exec("SELECT   pg_sleep(0.2),\n\t 'slow'");
    // 40 distinct statements, each fast: only the top N may be emitted.
    for (int i = 0; i < 40; ++i) tx.exec("SELECT " + std::to_string(i) + " AS c" + std::to_string(i));
  }
  PostgresTarget target = Target(cluster_->dsn);
  target.top_statements = 5;
  target.query_text_length = 40;
  auto collector = NewPostgresPlugin({target});
  VectorSink sink(0);
  ASSERT_TRUE(collector->Collect(0, sink).ok());
  EXPECT_EQ(Find(sink, "scout_postgres_stat_statements_available", main_), 1);
  const auto means = Matching(sink, "scout_postgres_statement_mean_seconds", main_);
  EXPECT_GE(means.size(), 5u);
  EXPECT_LE(means.size(), 10u) << "top 5 by total + top 5 by mean";
  const Sample* slow = nullptr;
  for (const Sample* info : Matching(sink, "scout_postgres_statement_info", main_)) {
    if (Label(*info, "query").find("pg_sleep") != std::string::npos) slow = info;
  }
  ASSERT_NE(slow, nullptr) << "the slow statement is in the top set with its text";
  // Normalised (constants replaced, whitespace collapsed) and cut at 40 bytes.
  EXPECT_EQ(Label(*slow, "query"), "SELECT pg_sleep($1), $2");
  EXPECT_EQ(Label(*slow, "datname"), "postgres");
  EXPECT_EQ(Label(*slow, "user"), "scout");
  const Labels id = {{"target", "main"}, {"queryid", Label(*slow, "queryid")},
                     {"datname", "postgres"}, {"user", "scout"}};
  EXPECT_EQ(Find(sink, "scout_postgres_statement_calls_total", id), 3);
  EXPECT_NEAR(Find(sink, "scout_postgres_statement_mean_seconds", id).value_or(0), 0.2, 0.05);
  EXPECT_GE(Find(sink, "scout_postgres_statement_max_seconds", id).value_or(0), 0.2);
  EXPECT_GE(Find(sink, "scout_postgres_statement_exec_seconds_total", id).value_or(0), 0.6);
  EXPECT_EQ(Find(sink, "scout_postgres_statement_rows_total", id), 3);
  EXPECT_GE(Find(sink, "scout_postgres_statements_calls_total", main_).value_or(0), 43);
  EXPECT_FALSE(Find(sink, "scout_postgres_statements_mean_seconds", main_)) << "first scrape";

  // Second scrape: the mean over the interval covers only the new calls.
  {
    pqxx::connection c(cluster_->dsn);
    pqxx::nontransaction tx(c);
    for (int i = 0; i < 2; ++i) tx.exec("SELECT pg_sleep(0.3)");
  }
  VectorSink second(30000);
  ASSERT_TRUE(collector->Collect(30000, second).ok());
  const double interval_mean = Find(second, "scout_postgres_statements_mean_seconds", main_).value_or(0);
  const double new_calls = Find(second, "scout_postgres_statements_calls_total", main_).value_or(0) -
                           Find(sink, "scout_postgres_statements_calls_total", main_).value_or(0);
  ASSERT_GT(new_calls, 2);
  // The interval's statements took 0.6 s (two pg_sleep(0.3)) plus a few fast
  // ones; the cumulative mean would also count the first three 0.2 s sleeps.
  EXPECT_GE(interval_mean * new_calls, 0.6);
  EXPECT_LT(interval_mean * new_calls, 0.8);
}

TEST(StatementTrackerTest, FetchesEachTextOnceAndKeepsTheCacheBounded) {
  StatementTracker tracker(1, 30);
  std::vector<pg::StatementStats> rows(3);
  for (int i = 0; i < 3; ++i) {
    rows[i].queryid = 100 + i;
    rows[i].calls = 10;
    rows[i].total_ms = 100.0 * (i + 1);  // 102 has the most total time
    rows[i].mean_ms = 10.0 * (3 - i);    // 100 has the highest mean
  }
  std::vector<std::vector<int64_t>> asked;
  const auto fetch = [&](const std::vector<int64_t>& ids) {
    asked.push_back(ids);
    std::map<int64_t, std::string> texts;
    for (int64_t id : ids) texts[id] = "SELECT  *\n FROM t" + std::to_string(id);
    return texts;
  };
  VectorSink a(0), b(1000);
  tracker.Emit(rows, 0, {{"target", "x"}}, a, fetch);
  tracker.Emit(rows, 1000, {{"target", "x"}}, b, fetch);
  ASSERT_EQ(asked.size(), 1u) << "texts are read once, not every scrape";
  EXPECT_EQ(asked[0], (std::vector<int64_t>{100, 102}));
  EXPECT_EQ(Matching(b, "scout_postgres_statement_info", {}).size(), 2u);
  EXPECT_EQ(Find(b, "scout_postgres_statement_info",
                 {{"target", "x"}, {"queryid", "102"}, {"datname", ""}, {"user", ""},
                  {"query", "SELECT * FROM t102"}}), 1);
  EXPECT_FALSE(Find(b, "scout_postgres_statements_mean_seconds", {{"target", "x"}}))
      << "no new calls, no interval mean";
}

TEST(NormaliseQueryTextTest, CollapsesAndCutsOnCharacterBoundaries) {
  EXPECT_EQ(NormaliseQueryText("  SELECT\n\t1  ", 100), "SELECT 1");
  EXPECT_EQ(NormaliseQueryText("SELECT abcdef", 8), "SELECT a\u2026");
  EXPECT_EQ(NormaliseQueryText("SELECT  abc", 7), "SELECT\u2026");
  EXPECT_EQ(NormaliseQueryText("ab\u00e9\u00e9", 3), "ab\u2026") << "no half character";
  EXPECT_EQ(NormaliseQueryText("", 5), "");
}

TEST_F(PostgresCollectorTest, MissingStatStatementsWarnsOnceAndOtherSetsRun) {
  Exec(cluster_->dsn, "DROP DATABASE IF EXISTS nostats");
  Exec(cluster_->dsn, "CREATE DATABASE nostats");
  LogCapture logs;
  auto collector = NewPostgresPlugin({Target(DbDsn(cluster_->dsn, "nostats"))});
  for (int i = 0; i < 3; ++i) {
    VectorSink sink(i * 1000);
    ASSERT_TRUE(collector->Collect(i * 1000, sink).ok());
    EXPECT_EQ(Find(sink, "scout_postgres_stat_statements_available", main_), 0);
    EXPECT_EQ(Find(sink, "scout_postgres_up", main_), 1);
    EXPECT_TRUE(Find(sink, "scout_postgres_max_connections", main_).has_value());
    EXPECT_TRUE(Find(sink, "scout_postgres_blocked_sessions", main_).has_value());
    EXPECT_TRUE(Matching(sink, "scout_postgres_statement_mean_seconds", {}).empty());
  }
  const std::string text = logs.text();
  EXPECT_EQ(Count(text, "pg_stat_statements unavailable"), 1) << text;
  EXPECT_NE(text.find("CREATE EXTENSION pg_stat_statements"), std::string::npos) << text;
}

TEST_F(PostgresCollectorTest, BlockedAndBlockingSessionsWithWaitTime) {
  Exec(cluster_->dsn, "DROP TABLE IF EXISTS lock_t; CREATE TABLE lock_t (id int PRIMARY KEY, v int);"
                      "INSERT INTO lock_t VALUES (1, 0)");
  pqxx::connection holder(cluster_->dsn);
  pqxx::work hold(holder);
  const auto holder_pid = hold.exec("SELECT pg_backend_pid()").at(0).at(0).as<int64_t>();
  hold.exec("UPDATE lock_t SET v = 1 WHERE id = 1");  // row lock held, transaction open

  std::atomic<int64_t> waiter_pid{0};
  std::thread waiter([&] {
    pqxx::connection c(cluster_->dsn);
    pqxx::nontransaction tx(c);
    waiter_pid = tx.exec("SELECT pg_backend_pid()").at(0).at(0).as<int64_t>();
    tx.exec("UPDATE lock_t SET v = 2 WHERE id = 1");  // blocks until the holder ends
  });
  ASSERT_TRUE(WaitUntil(cluster_->dsn,
                        "SELECT count(*) = 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"));
  std::this_thread::sleep_for(milliseconds(1500));

  auto collector = NewPostgresPlugin({Target(cluster_->dsn)});
  VectorSink sink(0);
  const absl::Status s = collector->Collect(0, sink);
  hold.abort();  // releases the waiter
  waiter.join();
  ASSERT_TRUE(s.ok()) << s;

  EXPECT_EQ(Find(sink, "scout_postgres_blocked_sessions", main_), 1);
  EXPECT_GE(Find(sink, "scout_postgres_lock_wait_max_seconds", main_).value_or(0), 1.5);
  const auto pairs = Matching(sink, "scout_postgres_lock_wait_seconds", main_);
  ASSERT_EQ(pairs.size(), 1u);
  const Sample& pair = *pairs[0];
  EXPECT_EQ(Label(pair, "blocked_pid"), std::to_string(waiter_pid.load()));
  EXPECT_EQ(Label(pair, "blocking_pid"), std::to_string(holder_pid));
  EXPECT_EQ(Label(pair, "blocked_user"), "scout");
  EXPECT_EQ(Label(pair, "blocking_state"), "idle in transaction");
  EXPECT_EQ(Label(pair, "blocked_query"), "UPDATE lock_t SET v = 2 WHERE id = 1");
  EXPECT_EQ(Label(pair, "blocking_query"), "UPDATE lock_t SET v = 1 WHERE id = 1");
  EXPECT_EQ(Label(pair, "locktype"), "transactionid");
  EXPECT_EQ(Label(pair, "mode"), "ShareLock");
  EXPECT_GE(pair.point.value, 1.5);
  EXPECT_LT(pair.point.value, 30.0);

  VectorSink after(1000);  // the wait is over: no pair, zero wait
  ASSERT_TRUE(collector->Collect(1000, after).ok());
  EXPECT_EQ(Find(after, "scout_postgres_blocked_sessions", main_), 0);
  EXPECT_EQ(Find(after, "scout_postgres_lock_wait_max_seconds", main_), 0);
  EXPECT_TRUE(Matching(after, "scout_postgres_lock_wait_seconds", {}).empty());
}

TEST_F(PostgresCollectorTest, LongRunningQueryPastALoweredThreshold) {
  std::atomic<int64_t> pid{0};
  std::thread sleeper([&] {
    pqxx::connection c(cluster_->dsn);
    pqxx::nontransaction tx(c);
    pid = tx.exec("SELECT pg_backend_pid()").at(0).at(0).as<int64_t>();
    tx.exec("SELECT pg_sleep(3) /* scout long query test */");
  });
  ASSERT_TRUE(WaitUntil(cluster_->dsn,
                        "SELECT count(*) = 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(3)%'"));
  std::this_thread::sleep_for(milliseconds(1500));
  PostgresTarget target = Target(cluster_->dsn);
  target.long_query_threshold = milliseconds(1000);
  auto collector = NewPostgresPlugin({target});
  VectorSink sink(0);
  const absl::Status s = collector->Collect(0, sink);
  sleeper.join();
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(Find(sink, "scout_postgres_long_running_queries", main_), 1);
  EXPECT_GE(Find(sink, "scout_postgres_oldest_query_seconds", main_).value_or(0), 1.5);
  const auto rows = Matching(sink, "scout_postgres_long_running_query_seconds", main_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(Label(*rows[0], "pid"), std::to_string(pid.load()));
  EXPECT_EQ(Label(*rows[0], "state"), "active");
  EXPECT_EQ(Label(*rows[0], "query"), "SELECT pg_sleep(3) /* scout long query test */");
  EXPECT_GE(rows[0]->point.value, 1.5);
  EXPECT_LT(rows[0]->point.value, 3.5);

  VectorSink quiet(1000);  // default 5 min threshold: nothing is long
  auto defaults = NewPostgresPlugin({Target(cluster_->dsn)});
  ASSERT_TRUE(defaults->Collect(1000, quiet).ok());
  EXPECT_EQ(Find(quiet, "scout_postgres_long_running_queries", main_), 0);
}

TEST_F(PostgresCollectorTest, TablesAndIndexesInEveryDatabase) {
  Exec(cluster_->dsn, "DROP DATABASE IF EXISTS appdb");
  Exec(cluster_->dsn, "CREATE DATABASE appdb");
  const std::string app = DbDsn(cluster_->dsn, "appdb");
  Exec(app,
       "CREATE TABLE scanned (id int PRIMARY KEY, payload text);"
       "INSERT INTO scanned SELECT g, md5(g::text) FROM generate_series(1, 20000) g;"
       "CREATE TABLE churn (id int PRIMARY KEY, v int) WITH (autovacuum_enabled = false);"
       "INSERT INTO churn SELECT g, 0 FROM generate_series(1, 1000) g;"
       "CREATE INDEX churn_v_unused ON churn (v);");
  Exec(app, "UPDATE churn SET v = v + 1");  // 1,000 dead tuples, no autovacuum
  {
    pqxx::connection c(app);
    pqxx::nontransaction tx(c);
    for (int i = 0; i < 30; ++i) tx.exec("SELECT count(*) FROM scanned WHERE payload LIKE 'x%'");
    tx.exec("SET enable_seqscan = off");
    for (int i = 0; i < 5; ++i) tx.exec("SELECT v FROM churn WHERE id = 7");
  }
  ASSERT_TRUE(WaitUntil(app, "SELECT seq_scan >= 30 FROM pg_stat_user_tables WHERE relname = 'scanned'"));
  ASSERT_TRUE(WaitUntil(app, "SELECT n_dead_tup >= 1000 FROM pg_stat_user_tables WHERE relname = 'churn'"));
  const auto scanned_size = Scalar<int64_t>(app, "SELECT pg_total_relation_size('scanned')");
  const auto seq_reads = Scalar<int64_t>(app, "SELECT seq_tup_read FROM pg_stat_user_tables WHERE relname = 'scanned'");

  // The DSN names the postgres database; appdb is found on the server.
  auto collector = NewPostgresPlugin({Target(cluster_->dsn)});
  VectorSink sink(0);
  ASSERT_TRUE(collector->Collect(0, sink).ok());
  const Labels scanned = {{"target", "main"}, {"datname", "appdb"}, {"schema", "public"},
                          {"table", "scanned"}};
  const Labels churn = {{"target", "main"}, {"datname", "appdb"}, {"schema", "public"},
                        {"table", "churn"}};
  EXPECT_EQ(Find(sink, "scout_postgres_database_scrape_error", {{"target", "main"}, {"datname", "appdb"}}), 0);
  EXPECT_EQ(Find(sink, "scout_postgres_table_size_bytes", scanned), scanned_size);
  EXPECT_GE(Find(sink, "scout_postgres_table_seq_scan_total", scanned).value_or(0), 30);
  EXPECT_EQ(Find(sink, "scout_postgres_table_seq_tup_read_total", scanned), seq_reads);
  EXPECT_GE(seq_reads, 30 * 20000);
  EXPECT_EQ(Find(sink, "scout_postgres_table_live_tuples", churn), 1000);
  EXPECT_EQ(Find(sink, "scout_postgres_table_dead_tuples", churn), 1000);
  EXPECT_GE(Find(sink, "scout_postgres_table_writes_total", churn).value_or(0), 2000);
  EXPECT_FALSE(Find(sink, "scout_postgres_table_last_vacuum_timestamp_seconds", churn))
      << "never vacuumed";
  const auto index = [&](const char* table, const char* name, const char* kind) {
    return Labels{{"target", "main"}, {"datname", "appdb"}, {"schema", "public"},
                  {"table", table}, {"index", name}, {"kind", kind}};
  };
  EXPECT_EQ(Find(sink, "scout_postgres_index_scans_total", index("churn", "churn_v_unused", "index")), 0);
  EXPECT_GE(Find(sink, "scout_postgres_index_scans_total", index("churn", "churn_pkey", "primary"))
                .value_or(0), 5);
  EXPECT_GT(Find(sink, "scout_postgres_index_size_bytes", index("churn", "churn_v_unused", "index"))
                .value_or(0), 0);

  // `databases` restricts the per-database sets; max_tables keeps the largest.
  PostgresTarget only = Target(cluster_->dsn);
  only.databases = {"appdb"};
  only.max_tables = 1;
  auto restricted = NewPostgresPlugin({only});
  VectorSink one(1000);
  ASSERT_TRUE(restricted->Collect(1000, one).ok());
  const auto sizes = Matching(one, "scout_postgres_table_size_bytes", main_);
  ASSERT_EQ(sizes.size(), 1u);
  EXPECT_EQ(Label(*sizes[0], "table"), "scanned");
  EXPECT_TRUE(Matching(one, "scout_postgres_index_scans_total", {{"table", "churn"}}).empty());
  EXPECT_FALSE(Find(one, "scout_postgres_database_scrape_error", {{"target", "main"}, {"datname", "postgres"}}))
      << "the DSN's own database is not in the list";
}

TEST_F(PostgresCollectorTest, SizesAreMeasuredOnTheirOwnInterval) {
  Exec(cluster_->dsn, "DROP TABLE IF EXISTS grows; CREATE TABLE grows (v text)");
  PostgresTarget target = Target(cluster_->dsn);
  target.databases = {"postgres"};
  target.size_interval = milliseconds(300000);
  auto collector = NewPostgresPlugin({target});
  const Labels grows = {{"target", "main"}, {"datname", "postgres"}, {"schema", "public"},
                        {"table", "grows"}};
  const Labels db = {{"target", "main"}, {"datname", "postgres"}};
  VectorSink first(0);
  ASSERT_TRUE(collector->Collect(0, first).ok());
  const auto empty = Scalar<int64_t>(cluster_->dsn, "SELECT pg_total_relation_size('grows')");
  EXPECT_EQ(Find(first, "scout_postgres_table_size_bytes", grows), empty);
  const double db_size = Find(first, "scout_postgres_database_size_bytes", db).value_or(0);
  Exec(cluster_->dsn, "INSERT INTO grows SELECT repeat('x', 100) FROM generate_series(1, 5000)");
  Exec(cluster_->dsn, "CREATE TABLE IF NOT EXISTS appears_later (v int)");
  const auto real = Scalar<int64_t>(cluster_->dsn, "SELECT pg_total_relation_size('grows')");
  ASSERT_GT(real, empty);

  VectorSink cached(60000);  // within size_interval: remembered sizes
  ASSERT_TRUE(collector->Collect(60000, cached).ok());
  EXPECT_EQ(Find(cached, "scout_postgres_table_size_bytes", grows), empty);
  EXPECT_EQ(Find(cached, "scout_postgres_database_size_bytes", db), db_size);
  EXPECT_EQ(Find(cached, "scout_postgres_table_size_bytes",
                 {{"target", "main"}, {"datname", "postgres"}, {"schema", "public"},
                  {"table", "appears_later"}}),
            Scalar<int64_t>(cluster_->dsn, "SELECT pg_total_relation_size('appears_later')"))
      << "a new table is measured at once";

  VectorSink measured(300000);
  ASSERT_TRUE(collector->Collect(300000, measured).ok());
  EXPECT_EQ(Find(measured, "scout_postgres_table_size_bytes", grows), real);
  EXPECT_GT(Find(measured, "scout_postgres_database_size_bytes", db).value_or(0), db_size);
}

TEST_F(PostgresCollectorTest, CustomQueriesRunOnTheirIntervalAndDatabaseAndFailAlone) {
  Exec(cluster_->dsn, "DROP DATABASE IF EXISTS shop");
  Exec(cluster_->dsn, "CREATE DATABASE shop");
  Exec(DbDsn(cluster_->dsn, "shop"),
       "CREATE TABLE orders (region text, total numeric);"
       "INSERT INTO orders VALUES ('eu', 10), ('eu', 5), ('us', 7)");
  PostgresTarget target = Target(cluster_->dsn);
  target.interval = milliseconds(1000);
  target.databases = {"postgres"};
  CustomQuery broken;
  broken.name = "broken";
  broken.sql = "SELECT no_such_column FROM pg_class";
  broken.values = {"no_such_column"};
  CustomQuery orders;
  orders.name = "shop_orders";
  orders.database = "shop";
  orders.interval = milliseconds(5000);
  orders.sql = "SELECT region, count(*) AS count, sum(total) AS total FROM orders GROUP BY region";
  orders.labels = {"region"};
  orders.values = {"count", "total"};
  target.queries = {broken, orders};
  LogCapture logs;
  auto collector = NewPostgresPlugin({target});

  VectorSink first(0);
  EXPECT_TRUE(collector->Collect(0, first).ok()) << "a failing custom query does not fail the target";
  const Labels eu = {{"target", "main"}, {"region", "eu"}};
  EXPECT_EQ(Find(first, "shop_orders_count", eu), 2);
  EXPECT_EQ(Find(first, "shop_orders_total", eu), 15);
  EXPECT_EQ(Find(first, "shop_orders_total", {{"target", "main"}, {"region", "us"}}), 7);
  EXPECT_EQ(Find(first, "scout_postgres_custom_query_success", {{"target", "main"}, {"query", "shop_orders"}}), 1);
  EXPECT_EQ(Find(first, "scout_postgres_custom_query_rows", {{"target", "main"}, {"query", "shop_orders"}}), 2);
  EXPECT_EQ(Find(first, "scout_postgres_custom_query_success", {{"target", "main"}, {"query", "broken"}}), 0);
  EXPECT_EQ(Find(first, "scout_postgres_up", main_), 1);
  EXPECT_TRUE(Find(first, "scout_postgres_max_connections", main_).has_value());
  EXPECT_FALSE(Find(first, "scout_postgres_database_scrape_error", {{"target", "main"}, {"datname", "shop"}}))
      << "shop is opened for its query, not for tables";

  VectorSink second(1000);  // the target's sets are due, shop_orders is not
  ASSERT_TRUE(collector->Collect(1000, second).ok());
  EXPECT_EQ(Find(second, "scout_postgres_up", main_), 1);
  EXPECT_FALSE(Find(second, "shop_orders_count", eu));
  EXPECT_EQ(Find(second, "scout_postgres_custom_query_success", {{"target", "main"}, {"query", "broken"}}), 0);

  Exec(DbDsn(cluster_->dsn, "shop"), "INSERT INTO orders VALUES ('eu', 1)");
  VectorSink fifth(5000);
  ASSERT_TRUE(collector->Collect(5000, fifth).ok());
  EXPECT_EQ(Find(fifth, "shop_orders_count", eu), 3);
  EXPECT_EQ(Count(logs.text(), "query broken: failed"), 1) << logs.text();
}

// Through the whole scrape: a custom query that switches the timeout off
// does not let the next one run without it.
TEST_F(PostgresCollectorTest, CustomQueryCannotSwitchTheScrapeTimeoutOff) {
  PostgresTarget target = Target(cluster_->dsn);
  target.statement_timeout = milliseconds(500);
  CustomQuery off;
  off.name = "off";
  off.sql = "SELECT length(set_config('statement_timeout', '0', true)) AS v";
  off.values = {"v"};
  CustomQuery sleep;
  sleep.name = "sleep";
  sleep.sql = "SELECT 1 AS v FROM pg_sleep(10)";
  sleep.values = {"v"};
  target.queries = {off, sleep};
  auto collector = NewPostgresPlugin({target});
  VectorSink sink(0);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(collector->Collect(0, sink).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  EXPECT_EQ(Find(sink, "scout_postgres_custom_query_success", {{"target", "main"}, {"query", "off"}}), 1);
  EXPECT_EQ(Find(sink, "scout_postgres_custom_query_success", {{"target", "main"}, {"query", "sleep"}}), 0);
  EXPECT_EQ(Find(sink, "scout_postgres_up", main_), 1);
}

// A DSN that logs in as a superuser is refused (clearly, without the
// password) unless the target allows it; a pg_monitor role is not.
TEST_F(PostgresCollectorTest, SuperuserDsnIsRefusedUnlessAllowed) {
  const std::string secret_dsn = cluster_->dsn + " password=SuperSecret123";
  PostgresTarget target = Target(secret_dsn);
  target.allow_superuser = false;
  LogCapture logs;
  auto refused = NewPostgresPlugin({target});
  for (int i = 0; i < 2; ++i) {
    VectorSink sink(i * 60000);
    const absl::Status s = refused->Collect(i * 60000, sink);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(std::string(s.message()).find("superuser role 'scout'"), std::string::npos) << s;
    EXPECT_NE(std::string(s.message()).find("allow_superuser: true"), std::string::npos) << s;
    EXPECT_EQ(Find(sink, "scout_postgres_up", main_), 0);
    EXPECT_FALSE(Find(sink, "scout_postgres_max_connections", main_)) << "nothing was scraped";
  }
  const std::string text = logs.text();
  EXPECT_EQ(Count(text, "superuser role 'scout'"), 1) << "logged once: " << text;
  EXPECT_EQ(text.find("SuperSecret123"), std::string::npos) << text;

  target.allow_superuser = true;
  VectorSink allowed(0);
  EXPECT_TRUE(NewPostgresPlugin({target})->Collect(0, allowed).ok());
  EXPECT_EQ(Find(allowed, "scout_postgres_up", main_), 1);

  Exec(cluster_->dsn, "DROP ROLE IF EXISTS scout_monitor");
  Exec(cluster_->dsn, "CREATE ROLE scout_monitor LOGIN IN ROLE pg_monitor");
  std::string monitor_dsn = cluster_->dsn;
  monitor_dsn.replace(monitor_dsn.find("user=scout"), 10, "user=scout_monitor");
  PostgresTarget monitor = Target(monitor_dsn);
  monitor.allow_superuser = false;
  monitor.databases = {"postgres"};
  VectorSink ok(0);
  const absl::Status s = NewPostgresPlugin({monitor})->Collect(0, ok);
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(Find(ok, "scout_postgres_up", main_), 1);
}

TEST_F(PostgresCollectorTest, UnreachableDatabaseDoesNotStopTheTarget) {
  PostgresTarget target = Target(cluster_->dsn);
  target.databases = {"does_not_exist"};
  LogCapture logs;
  auto collector = NewPostgresPlugin({target});
  for (int i = 0; i < 2; ++i) {
    VectorSink sink(i);
    EXPECT_TRUE(collector->Collect(i, sink).ok());
    EXPECT_EQ(Find(sink, "scout_postgres_up", main_), 1);
    EXPECT_EQ(Find(sink, "scout_postgres_database_scrape_error",
                   {{"target", "main"}, {"datname", "does_not_exist"}}), 1);
  }
  EXPECT_EQ(Count(logs.text(), "database does_not_exist: not read"), 1) << logs.text();
}

TEST_F(PostgresCollectorTest, AHangingTargetDelaysNeitherTheOthersNorTheCycle) {
  // A listener that never answers: the TCP handshake completes (backlog),
  // then libpq waits for the server until connect_timeout.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 16), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string hang = "host=127.0.0.1 port=" + std::to_string(ntohs(addr.sin_port)) +
                           " user=scout dbname=postgres";
  PostgresPluginOptions options;
  options.connect_timeout = std::chrono::seconds(2);
  options.collect_wait = milliseconds(300);
  auto collector = NewPostgresPlugin({MakeTarget("hang", hang, milliseconds(0)),
                                         MakeTarget("main", cluster_->dsn, milliseconds(0))},
                                        options);
  const auto start = std::chrono::steady_clock::now();
  VectorSink first(0);
  (void)collector->Collect(0, first);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1500));
  EXPECT_EQ(Find(first, "scout_postgres_up", main_), 1) << "the healthy target is not held up";
  EXPECT_FALSE(Find(first, "scout_postgres_up", {{"target", "hang"}})) << "still connecting";

  std::this_thread::sleep_for(milliseconds(2500));
  VectorSink later(3000);
  const absl::Status s = collector->Collect(3000, later);
  EXPECT_EQ(Find(later, "scout_postgres_up", {{"target", "hang"}}), 0) << "timed out: down";
  EXPECT_NE(std::string(s.message()).find("hang: connect failed"), std::string::npos) << s;
  close(fd);
}

TEST_F(PostgresCollectorTest, AFailingSetLosesOnlyItself) {
  // Monitoring as a role that may not call pg_database_size elsewhere is hard
  // to arrange; a lock held on pg_database's size instead: lock_timeout makes
  // the table set give up on a table locked ACCESS EXCLUSIVE, and only that
  // set fails.
  Exec(cluster_->dsn, "DROP TABLE IF EXISTS locked_t; CREATE TABLE locked_t (v int)");
  pqxx::connection holder(cluster_->dsn);
  pqxx::work hold(holder);
  hold.exec("LOCK TABLE locked_t IN ACCESS EXCLUSIVE MODE");
  PostgresTarget target = Target(cluster_->dsn);
  target.databases = {"postgres"};
  auto collector = NewPostgresPlugin({target});
  VectorSink sink(0);
  const auto start = std::chrono::steady_clock::now();
  const absl::Status s = collector->Collect(0, sink);
  const auto took = std::chrono::steady_clock::now() - start;
  hold.abort();
  EXPECT_LT(took, milliseconds(2500)) << "lock_timeout, not the 5 s statement_timeout";
  EXPECT_EQ(Find(sink, "scout_postgres_up", main_), 1);
  EXPECT_EQ(Find(sink, "scout_postgres_database_scrape_error", {{"target", "main"}, {"datname", "postgres"}}), 1);
  EXPECT_TRUE(Find(sink, "scout_postgres_max_connections", main_).has_value()) << "other sets still run";
  EXPECT_TRUE(Find(sink, "scout_postgres_blocked_sessions", main_).has_value());
  EXPECT_TRUE(s.ok()) << "a failed set is logged, the target is not down: " << s;

  VectorSink again(1000);  // lock released: the set works again
  ASSERT_TRUE(collector->Collect(1000, again).ok());
  EXPECT_EQ(Find(again, "scout_postgres_database_scrape_error", {{"target", "main"}, {"datname", "postgres"}}), 0);
}

TEST(WithDatabaseTest, ReplacesTheDatabaseAndQuotes) {
  EXPECT_EQ(*WithDatabase("host=h port=5 dbname=a", "b"), "host='h' port='5' dbname='b'");
  EXPECT_EQ(*WithDatabase("postgresql://u:p%40ss@h:5/a?sslmode=disable", "it's"),
            "user='u' password='p@ss' host='h' port='5' sslmode='disable' dbname='it\\'s'");
  const auto bad = WithDatabase("host=h password=SuperSecret123 nonsense", "b");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(std::string(bad.status().message()).find("SuperSecret123"), std::string::npos);
}

TEST(PostgresCollectorDownTest, ClosedPortBacksOffWithoutLeakingSecrets) {
  LogCapture logs;
  const std::string dsn = "host=127.0.0.1 port=" + std::to_string(ClosedPort()) +
                          " user=scout password=SuperSecret123 dbname=postgres connect_timeout=1";
  PostgresPluginOptions options;
  options.backoff_initial = milliseconds(10000);
  auto collector = NewPostgresPlugin({MakeTarget("down", dsn, milliseconds(0))}, options);
  const Labels down = {{"target", "down"}};

  const auto start = std::chrono::steady_clock::now();
  VectorSink a(0);
  const absl::Status s = collector->Collect(0, a);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(Find(a, "scout_postgres_up", down), 0);
  EXPECT_EQ(Find(a, "scout_postgres_connect_attempts_total", down), 1);

  VectorSink b(100);  // within the backoff (>= 5 s): no new attempt
  const absl::Status s2 = collector->Collect(100, b);
  EXPECT_EQ(Find(b, "scout_postgres_up", down), 0);
  EXPECT_EQ(Find(b, "scout_postgres_connect_attempts_total", down), 1);
  EXPECT_EQ(s2, s) << "same state, same status";

  VectorSink c(10001);  // backoff over: tries again
  EXPECT_FALSE(collector->Collect(10001, c).ok());
  EXPECT_EQ(Find(c, "scout_postgres_connect_attempts_total", down), 2);

  const std::string text = logs.text();
  EXPECT_EQ(Count(text, "postgres down:"), 1) << text;  // once per state change
  for (const std::string& out : {text, std::string(s.message())}) {
    EXPECT_EQ(out.find("SuperSecret123"), std::string::npos) << out;
    EXPECT_EQ(out.find(dsn), std::string::npos) << out;
  }
  EXPECT_NE(std::string(s.message()).find("connect failed"), std::string::npos) << s;
}

TEST(PostgresCollectorDownTest, BadDsnsNeverLeakThePassword) {
  const std::string port = std::to_string(ClosedPort());
  const std::vector<std::string> dsns = {
      "host=127.0.0.1 port=" + port + " password=SuperSecret123 bogus_option=1",
      "host=127.0.0.1 port=" + port + " password='SuperSecret123",
      "postgresql://scout:SuperSecret123@127.0.0.1:" + port + "/postgres",
      "postgresql://scout:SuperSecret123@127.0.0.1:" + port + "/postgres?sslmode=bogus",
      "host=nonexistent.invalid password=SuperSecret123",
  };
  for (const std::string& dsn : dsns) {
    LogCapture logs;
    auto collector = NewPostgresPlugin({MakeTarget("bad", dsn, milliseconds(0))});
    VectorSink sink(0);
    const absl::Status s = collector->Collect(0, sink);
    EXPECT_FALSE(s.ok()) << dsn;
    EXPECT_EQ(Find(sink, "scout_postgres_up", {{"target", "bad"}}), 0) << dsn;
    const std::string text = logs.text() + std::string(s.message());
    EXPECT_NE(text.find("bad"), std::string::npos);
    EXPECT_EQ(text.find("SuperSecret123"), std::string::npos) << text;
    EXPECT_EQ(text.find(dsn), std::string::npos) << text;
  }
}

TEST(SanitizePostgresErrorTest, MasksPasswordsAndKeepsFirstLine) {
  const std::string dsn = "host=db user=app password=hunter22";
  EXPECT_EQ(SanitizePostgresError("bad: " + dsn + "\nmore detail", dsn), "bad: <dsn>");
  EXPECT_EQ(SanitizePostgresError("x password=abc123 y", ""), "x password=*** y");
  EXPECT_EQ(SanitizePostgresError("x PASSWORD = 'a b' y", ""), "x PASSWORD = *** y");
  EXPECT_EQ(SanitizePostgresError("at postgresql://u:pw1@h/db", ""), "at postgresql://u:***@h/db");
  EXPECT_EQ(SanitizePostgresError("secret is hunter22.", dsn), "secret is ***.");
  EXPECT_EQ(SanitizePostgresError("\n", dsn), "unknown error");
}

TEST(WithConnectionDefaultsTest, AddsUnlessPresent) {
  const std::chrono::seconds five(5);
  const std::string rest =
      "keepalives_idle=30 keepalives_interval=10 keepalives_count=3 tcp_user_timeout=60000 "
      "application_name=scout-agent";
  EXPECT_EQ(WithConnectionDefaults("host=a", five), "host=a connect_timeout=5 " + rest);
  EXPECT_EQ(WithConnectionDefaults("host=a connect_timeout=1 application_name=x tcp_user_timeout=5", five),
            "host=a connect_timeout=1 application_name=x tcp_user_timeout=5 keepalives_idle=30 "
            "keepalives_interval=10 keepalives_count=3");
  EXPECT_EQ(WithConnectionDefaults("postgres://h/db", five),
            "postgres://h/db?connect_timeout=5&keepalives_idle=30&keepalives_interval=10&"
            "keepalives_count=3&tcp_user_timeout=60000&application_name=scout-agent");
  EXPECT_EQ(WithConnectionDefaults("postgresql://h/db?sslmode=disable", std::chrono::seconds(0)),
            "postgresql://h/db?sslmode=disable&keepalives_idle=30&keepalives_interval=10&"
            "keepalives_count=3&tcp_user_timeout=60000&application_name=scout-agent");
}

}  // namespace
}  // namespace scout::agent
