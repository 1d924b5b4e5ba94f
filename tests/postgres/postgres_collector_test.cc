// The postgres collector against a real throw-away PostgreSQL 15 cluster
// (tests/postgres/start_cluster.sh), plus the secret-sanitizing helpers.
#include "agent/postgres/postgres_collector.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

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

class PostgresCollectorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = StartCluster(); }
  static void TearDownTestSuite() {
    if (cluster_) StopCluster(*cluster_);
    cluster_.reset();
  }
  void SetUp() override { ASSERT_TRUE(cluster_) << "could not start a PostgreSQL cluster"; }

  static std::unique_ptr<CollectorPlugin> Collector(std::string dsn) {
    return NewPostgresCollector({{"main", std::move(dsn), milliseconds(0), milliseconds(5000)}});
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
  auto collector = NewPostgresCollector({{"main", cluster_->dsn, milliseconds(30000)}});
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

TEST(PostgresCollectorDownTest, ClosedPortBacksOffWithoutLeakingSecrets) {
  LogCapture logs;
  const std::string dsn = "host=127.0.0.1 port=" + std::to_string(ClosedPort()) +
                          " user=scout password=SuperSecret123 dbname=postgres connect_timeout=1";
  PostgresCollectorOptions options;
  options.backoff_initial = milliseconds(10000);
  auto collector = NewPostgresCollector({{"down", dsn, milliseconds(0)}}, options);
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
    auto collector = NewPostgresCollector({{"bad", dsn, milliseconds(0)}});
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

TEST(WithConnectTimeoutTest, AddsUnlessPresent) {
  const std::chrono::seconds five(5);
  EXPECT_EQ(WithConnectTimeout("host=a", five), "host=a connect_timeout=5");
  EXPECT_EQ(WithConnectTimeout("host=a connect_timeout=1", five), "host=a connect_timeout=1");
  EXPECT_EQ(WithConnectTimeout("postgres://h/db", five), "postgres://h/db?connect_timeout=5");
  EXPECT_EQ(WithConnectTimeout("postgresql://h/db?sslmode=disable", five),
            "postgresql://h/db?sslmode=disable&connect_timeout=5");
}

}  // namespace
}  // namespace scout::agent
