// `sctl db ...`: the pure selection/judging functions on fixed data, and
// every command against a real in-process collector on loopback: postgres
// series are written through the Ingest stream (as an agent would) and
// read back by the commands over the Query service.
#include "ctl/db_commands.h"

#include <sstream>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "tests/common/loopback_collector_config.h"
#include "tests/common/ingest_batch.h"

#include "collector/collector_server.h"
#include "scout/v1/ingest.grpc.pb.h"
#include "scout/v1/query.grpc.pb.h"
#include "tests/common/test_dir.h"

namespace scout::ctl {
namespace {

// ---- Pure functions ----

TEST(IndexUsageStatus, TheGuidesCaseBoundaries) {
  EXPECT_STREQ(IndexUsageStatus(0), "UNUSED");
  EXPECT_STREQ(IndexUsageStatus(1), "LOW_USAGE");
  EXPECT_STREQ(IndexUsageStatus(99), "LOW_USAGE");
  EXPECT_STREQ(IndexUsageStatus(100), "ACTIVE");
  EXPECT_STREQ(IndexUsageStatus(1e9), "ACTIVE");
  EXPECT_STREQ(IndexUsageStatus(-1), "");  // unknown
}

TEST(ConnectionHealth, WarningAt80CriticalAt90) {
  EXPECT_EQ(ConnectionHealth(0.7999), Health::kOk);
  EXPECT_EQ(ConnectionHealth(0.80), Health::kWarning);
  EXPECT_EQ(ConnectionHealth(0.8999), Health::kWarning);
  EXPECT_EQ(ConnectionHealth(0.90), Health::kCritical);
  EXPECT_EQ(ConnectionHealth(-1), Health::kInfo);
}

TEST(LockWaitHealth, KpiOneSecondAlertThirtySeconds) {
  EXPECT_EQ(LockWaitHealth(0), Health::kOk);
  EXPECT_EQ(LockWaitHealth(0.999), Health::kOk);
  EXPECT_EQ(LockWaitHealth(1), Health::kWarning);
  EXPECT_EQ(LockWaitHealth(29.99), Health::kWarning);
  EXPECT_EQ(LockWaitHealth(30), Health::kCritical);
  EXPECT_EQ(LockWaitHealth(-1), Health::kInfo);
}

constexpr int64_t kH = 3600 * 1000LL;

TEST(ComputeGrowth, ComparesWithTheValueADayBefore) {
  // Hourly sizes over 30 h growing 10 B/h: the baseline is the last point
  // at or before latest - 24 h.
  std::vector<Point> sizes;
  for (int h = 0; h <= 30; ++h) sizes.push_back({h * kH, 1000.0 + 10 * h});
  Growth g = ComputeGrowth(sizes);
  ASSERT_TRUE(g.known);
  EXPECT_DOUBLE_EQ(g.bytes, 240);
  EXPECT_EQ(g.span_ms, 24 * kH);
  // Not exactly 24 h apart: the baseline is the point just before.
  g = ComputeGrowth({{0, 100}, {kH, 200}, {25 * kH + 5, 700}});
  EXPECT_DOUBLE_EQ(g.bytes, 500);
  EXPECT_EQ(g.span_ms, 24 * kH + 5);
}

TEST(ComputeGrowth, YoungerSeriesUsesItsOldestValueAndShowsTheSpan) {
  Growth g = ComputeGrowth({{10 * kH, 500}, {12 * kH, 800}, {13 * kH, 650}});
  ASSERT_TRUE(g.known);
  EXPECT_DOUBLE_EQ(g.bytes, 150);
  EXPECT_EQ(g.span_ms, 3 * kH);
  g = ComputeGrowth({{0, 900}, {kH, 100}});  // shrank (VACUUM FULL)
  EXPECT_DOUBLE_EQ(g.bytes, -800);
}

TEST(ComputeGrowth, NeedsTwoPoints) {
  EXPECT_FALSE(ComputeGrowth({}).known);
  EXPECT_FALSE(ComputeGrowth({{kH, 5}}).known);
}

TEST(TruncateText, CountsCodePointsAndMarksTheCut) {
  EXPECT_EQ(TruncateText("SELECT 1", 8), "SELECT 1");
  EXPECT_EQ(TruncateText("SELECT 12", 8), "SELECT \xE2\x80\xA6");
  EXPECT_EQ(TruncateText("\xC3\xA9\xC3\xA9\xC3\xA9", 2), "\xC3\xA9\xE2\x80\xA6");  // "éé é"
  EXPECT_EQ(TruncateText("abc", 0), "");
}

TEST(PlanSlow, ParsesMinMean) {
  auto f = PlanSlow({});
  ASSERT_TRUE(f.ok());
  EXPECT_DOUBLE_EQ(f->min_mean_seconds, 0.1);
  f = PlanSlow({"2s", true});
  ASSERT_TRUE(f.ok());
  EXPECT_DOUBLE_EQ(f->min_mean_seconds, 2);
  EXPECT_TRUE(f->all);
  auto bad = PlanSlow({"fast", false});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("--min-mean"), std::string::npos);
}

TEST(Selection, SlowStatementsTablesAndIndexesOrder) {
  DbSnapshot snap;
  auto stmt = [](const char* id, double mean) {
    DbStatement s;
    s.queryid = id;
    s.mean_seconds = mean;
    return s;
  };
  snap.statements = {stmt("a", 0.1), stmt("b", 2), stmt("c", 0.101), stmt("d", 0.01)};
  auto rows = SlowStatements(snap, SlowFilter{});
  ASSERT_EQ(rows.size(), 2u);  // mean > 100 ms, like the guide's WHERE
  EXPECT_EQ(rows[0].queryid, "b");
  EXPECT_EQ(rows[1].queryid, "c");
  EXPECT_EQ(SlowStatements(snap, SlowFilter{0.1, true}).size(), 4u);
  EXPECT_EQ(SlowStatements(snap, SlowFilter{1.0, false}).size(), 1u);

  auto table = [](const char* name, double size) {
    DbTable t;
    t.table = name;
    t.size_bytes = size;
    return t;
  };
  snap.tables = {table("s", 10), table("unknown", -1), table("l", 1000), table("m", 100)};
  auto tables = TablesBySize(snap, 3);
  ASSERT_EQ(tables.size(), 3u);
  EXPECT_EQ(tables[0].table, "l");
  EXPECT_EQ(tables[2].table, "s");
  EXPECT_EQ(TablesBySize(snap, 0).size(), 4u);

  auto index = [](const char* name, double scans) {
    DbIndex i;
    i.index = name;
    i.scans = scans;
    return i;
  };
  snap.indexes = {index("busy", 5000), index("unused", 0), index("low", 50)};
  auto indexes = IndexesByScans(snap);
  ASSERT_EQ(indexes.size(), 3u);
  EXPECT_EQ(indexes[0].index, "unused");
  EXPECT_EQ(indexes[1].index, "low");
  EXPECT_EQ(indexes[2].index, "busy");
}

// ---- Against a real collector ----

constexpr int64_t kNow = 1'795'788'190'000;  // 2026-11-27T14:03:10Z
constexpr int64_t kScrape = kNow - 5'000;    // the latest postgres scrape
constexpr int64_t kPrev = kScrape - 30'000;  // the one before
constexpr double kMiB = 1024.0 * 1024.0;

class DbCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = scout::testing::LoopbackCollectorConfig(dir_);
    auto server = collector::CollectorServer::Start(config_, clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    const std::string address = "127.0.0.1:" + std::to_string(server_->port());
    channel_ = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
    stub_ = v1::Query::NewStub(channel_);
    ctx_.collector = address;
    ctx_.timeout = std::chrono::seconds(5);
    ctx_.clock = &clock_;
    WriteFixture();
  }

  // One series of the postgres plugin as the agent on db-1 would send it.
  void Add(const std::string& metric, std::vector<std::pair<std::string, std::string>> labels,
           std::vector<std::pair<int64_t, double>> points, const std::string& target = "main") {
    labels.emplace_back("host", "db-1");
    labels.emplace_back("target", target);
    v1::Series* s = batch_.add_series();
    s->set_metric("scout_postgres_" + metric);
    for (const auto& [name, value] : MakeLabels(std::move(labels))) {
      v1::Label* l = s->add_labels();
      l->set_name(name);
      l->set_value(value);
    }
    for (const auto& [ts, v] : points) {
      v1::Point* p = s->add_points();
      p->set_timestamp_ms(ts);
      p->set_value(v);
    }
  }

  void Send() {
    ASSERT_TRUE(scout::testing::IngestBatch(channel_, "db-1", 30'000, batch_));
  }

  void WriteFixture() {
    using L = std::vector<std::pair<std::string, std::string>>;
    // Target "main": 85 of 100 connections, pg_stat_statements installed.
    Add("up", {}, {{kPrev, 1}, {kScrape, 1}});
    Add("connections", {{"state", "idle"}}, {{kScrape, 60}});
    Add("connections", {{"state", "active"}}, {{kScrape, 22}});
    Add("connections", {{"state", "background"}}, {{kScrape, 3}});
    Add("max_connections", {}, {{kScrape, 100}});
    Add("connections_used_ratio", {}, {{kScrape, 0.85}});
    Add("active_connections", {}, {{kScrape, 22}});
    Add("stat_statements_available", {}, {{kScrape, 1}});
    // Target "replica": quiet, without pg_stat_statements.
    Add("up", {}, {{kScrape, 1}}, "replica");
    Add("connections", {{"state", "idle"}}, {{kScrape, 5}}, "replica");
    Add("max_connections", {}, {{kScrape, 100}}, "replica");
    Add("connections_used_ratio", {}, {{kScrape, 0.05}}, "replica");
    Add("stat_statements_available", {}, {{kScrape, 0}}, "replica");
    Add("blocked_sessions", {}, {{kScrape, 0}}, "replica");
    Add("lock_wait_max_seconds", {}, {{kScrape, 0}}, "replica");

    // Statements: 4711 very slow with a poor cache hit, 4712 frequent and
    // slow, 4713 fast, 4714 only in the previous scrape.
    auto stmt = [&](const char* id, double mean, double calls, double hit, int64_t ts,
                    const std::string& text) {
      L k = {{"queryid", id}, {"datname", "shop"}, {"user", "app"}};
      Add("statement_mean_seconds", k, {{ts, mean}});
      Add("statement_calls_total", k, {{ts, calls}});
      Add("statement_max_seconds", k, {{ts, mean * 3}});
      Add("statement_exec_seconds_total", k, {{ts, mean * calls}});
      Add("statement_rows_total", k, {{ts, calls * 2}});
      Add("statement_cache_hit_ratio", k, {{ts, hit}});
      L info = k;
      info.emplace_back("query", text);
      Add("statement_info", info, {{ts, 1}});
    };
    stmt("4711", 1.5, 120, 0.62, kScrape,
         "SELECT o.id, o.total, c.name FROM orders o JOIN customers c ON c.id = o.customer_id "
         "WHERE o.created_at > $1 ORDER BY o.total DESC");
    stmt("4712", 0.25, 5000, 0.99, kScrape, "UPDATE stock SET qty = qty - $1 WHERE sku = $2");
    stmt("4713", 0.02, 90000, 1.0, kScrape, "SELECT 1");
    stmt("4714", 9.0, 3, 0.5, kPrev, "VACUUM FULL big");

    // Locks: a blocking pair for 45 s, a short wait, one already over.
    auto lock = [&](const char* pid, double wait, int64_t ts) {
      Add("lock_wait_seconds",
          {{"datname", "shop"}, {"blocked_pid", pid}, {"blocked_user", "app"},
           {"blocked_query", "UPDATE orders SET status = $1 WHERE id = $2"},
           {"blocking_pid", "900"}, {"blocking_user", "admin"},
           {"blocking_state", "idle in transaction"},
           {"blocking_query", "ALTER TABLE orders ADD COLUMN note text"},
           {"locktype", "relation"}, {"mode", "AccessExclusiveLock"}},
          {{ts, wait}});
    };
    lock("101", 45, kScrape);
    lock("102", 0.5, kScrape);
    lock("103", 600, kPrev);
    Add("blocked_sessions", {}, {{kScrape, 2}});
    Add("lock_wait_max_seconds", {}, {{kScrape, 45}});

    // Long-running: one now, one that finished.
    Add("long_running_query_seconds",
        {{"pid", "555"}, {"datname", "shop"}, {"user", "report"}, {"state", "active"},
         {"query", "SELECT count(*) FROM events e JOIN sessions s USING (sid)"}},
        {{kScrape, 725}});
    Add("long_running_query_seconds",
        {{"pid", "556"}, {"datname", "shop"}, {"user", "report"}, {"state", "active"},
         {"query", "SELECT done"}},
        {{kPrev, 400}});
    Add("long_running_queries", {}, {{kScrape, 1}});
    Add("oldest_query_seconds", {}, {{kScrape, 725}});

    // Tables: orders grew 512 MiB in a day; events is 3 h old.
    auto table = [&](const char* name, std::vector<std::pair<int64_t, double>> sizes,
                     double live, double dead, double seq, double seq_rows, double idx,
                     double vacuumed_s) {
      L k = {{"datname", "shop"}, {"schema", "public"}, {"table", name}};
      Add("table_size_bytes", k, std::move(sizes));
      Add("table_live_tuples", k, {{kScrape, live}});
      Add("table_dead_tuples", k, {{kScrape, dead}});
      Add("table_seq_scan_total", k, {{kScrape, seq}});
      Add("table_seq_tup_read_total", k, {{kScrape, seq_rows}});
      Add("table_idx_scan_total", k, {{kScrape, idx}});
      if (vacuumed_s > 0) Add("table_last_vacuum_timestamp_seconds", k, {{kScrape, vacuumed_s}});
    };
    table("orders",
          {{kScrape - 30 * kH, 900 * kMiB}, {kScrape - 24 * kH, 1024 * kMiB},
           {kScrape - 12 * kH, 1200 * kMiB}, {kScrape, 1536 * kMiB}},
          10000, 1500, 2000, 2000 * 25000.0, 800000, (kNow - 3 * 24 * kH) / 1000.0);
    table("events", {{kScrape - 3 * kH, 150 * kMiB}, {kScrape, 200 * kMiB}}, 500000, 100, 10,
          5000, 1000, -1);

    // Indexes at the guide's boundaries.
    auto index = [&](const char* name, const char* kind, double scans, double size) {
      L k = {{"datname", "shop"}, {"schema", "public"}, {"table", "orders"},
             {"index", name},     {"kind", kind}};
      Add("index_scans_total", k, {{kScrape, scans}});
      Add("index_tup_read_total", k, {{kScrape, scans * 4}});
      Add("index_tup_fetch_total", k, {{kScrape, scans * 2}});
      Add("index_size_bytes", k, {{kScrape, size}});
    };
    Add("database_scrape_error", {{"datname", "shop"}}, {{kScrape, 0}});
    Add("database_scrape_error", {{"datname", "legacy"}}, {{kScrape, 1}});
    index("orders_pkey", "primary", 0, 2 * kMiB);
    index("orders_note_idx", "index", 0, 16 * kMiB);
    index("orders_customer_idx", "index", 99, 4 * kMiB);
    index("orders_created_idx", "index", 100, 8 * kMiB);
    Send();
  }

  Output Out(OutputFormat format) {
    out_.str("");
    err_.str("");
    return Output{&out_, &err_, format, absl::UTCTimeZone()};
  }

  static bool Has(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
  }

  scout::testing::TestDir dir_{"scout-ctl-db"};
  ManualClock clock_{kNow};
  collector::CollectorConfig config_;
  std::unique_ptr<collector::CollectorServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Query::Stub> stub_;
  v1::Batch batch_;
  Context ctx_;
  std::ostringstream out_, err_;
};

TEST_F(DbCommandsTest, Connections) {
  ASSERT_TRUE(RunDbConnections(*stub_, ctx_, "", Out(OutputFormat::kTable)).ok());
  EXPECT_EQ(out_.str(),
            "TARGET   CONNECTIONS   USED  STATUS   ACTIVE  BY STATE\n"
            "main        85 / 100  85.0%  WARNING      22  idle=60 active=22 background=3\n"
            "replica      5 / 100   5.0%  OK            -  idle=5\n"
            "Connection pool usage: OK < 80%, WARNING >= 80%, CRITICAL >= 90%\n");
  EXPECT_EQ(err_.str(), "");

  ASSERT_TRUE(RunDbConnections(*stub_, ctx_, "main", Out(OutputFormat::kJson)).ok());
  const std::string json = out_.str();
  EXPECT_TRUE(Has(json, "\"total\": 85,")) << json;
  EXPECT_TRUE(Has(json, "\"used_ratio\": 0.85,")) << json;
  EXPECT_TRUE(Has(json, "\"status\": \"WARNING\"")) << json;
  EXPECT_TRUE(Has(json, "\"idle\": 60")) << json;
  EXPECT_FALSE(Has(json, "replica")) << json;

  ASSERT_TRUE(RunDbConnections(*stub_, ctx_, "nope", Out(OutputFormat::kTable)).ok());
  EXPECT_EQ(out_.str(), "");
  EXPECT_TRUE(Has(err_.str(), "no recent data for PostgreSQL target \"nope\"")) << err_.str();
}

TEST_F(DbCommandsTest, SlowStatementsAndMissingPgStatStatements) {
  ASSERT_TRUE(RunDbSlow(*stub_, ctx_, "", SlowFilter{}, Out(OutputFormat::kTable)).ok());
  const std::string table = out_.str();
  EXPECT_TRUE(Has(table,
                  "TARGET  QUERYID  DATABASE  USER  CALLS    MEAN     MAX   TOTAL   ROWS  "
                  "HIT %  QUERY\n"
                  "main    4711     shop      app     120  1.50 s  4.50 s      3m    240  "
                  "62.0%  SELECT o.id, o.total, c.name FROM orders o JOIN customers c…\n"
                  "main    4712     shop      app    5000  250 ms  750 ms  20m50s  10000  "
                  "99.0%  UPDATE stock SET qty = qty - $1 WHERE sku = $2\n"))
      << table;
  EXPECT_FALSE(Has(table, "4713")) << table;  // 20 ms: below the 100 ms default
  EXPECT_FALSE(Has(table, "4714")) << table;  // not in the current scrape
  EXPECT_TRUE(Has(table, "Target replica: pg_stat_statements is not installed")) << table;
  EXPECT_TRUE(Has(table, "shared_preload_libraries")) << table;
  EXPECT_TRUE(Has(table, "CREATE EXTENSION pg_stat_statements")) << table;

  ASSERT_TRUE(RunDbSlow(*stub_, ctx_, "main", SlowFilter{0.1, true}, Out(OutputFormat::kJson)).ok());
  const std::string json = out_.str();
  EXPECT_TRUE(Has(json, "\"queryid\": \"4713\"")) << json;  // --all
  EXPECT_TRUE(Has(json, "ORDER BY o.total DESC\"")) << json;  // full text
  EXPECT_TRUE(Has(json, "\"mean_seconds\": 1.5,")) << json;
  EXPECT_TRUE(Has(json, "\"cache_hit_ratio\": 0.62,")) << json;
  EXPECT_TRUE(Has(json, "\"stat_statements_available\": true")) << json;
  EXPECT_FALSE(Has(json, "replica")) << json;

  ASSERT_TRUE(RunDbSlow(*stub_, ctx_, "replica", SlowFilter{}, Out(OutputFormat::kJson)).ok());
  EXPECT_TRUE(Has(out_.str(), "\"stat_statements_available\": false,\n      \"hint\": "))
      << out_.str();
}

TEST_F(DbCommandsTest, Locks) {
  ASSERT_TRUE(RunDbLocks(*stub_, ctx_, "", Out(OutputFormat::kTable)).ok());
  const std::string table = out_.str();
  EXPECT_TRUE(Has(table,
                  "main            101  app   45.00 s           900  admin  idle in transaction  "
                  "AccessExclusiveLock  CRITICAL"))
      << table;
  EXPECT_TRUE(Has(table, "main            102  app    500 ms           900")) << table;
  EXPECT_TRUE(Has(table, "UPDATE orders SET status = $1 WHERE id …")) << table;
  EXPECT_FALSE(Has(table, "103")) << table;  // from the previous scrape: over
  EXPECT_TRUE(Has(table,
                  "Target main: 2 blocked sessions, longest lock wait 45.00 s - CRITICAL: "
                  "blocking query (alert at 30 s)\n"))
      << table;
  EXPECT_TRUE(Has(table, "Target replica: 0 blocked sessions, longest lock wait 0 s - OK (KPI < 1 s, "
                         "alert at 30 s)\n")) << table;

  ASSERT_TRUE(RunDbLocks(*stub_, ctx_, "main", Out(OutputFormat::kCsv)).ok());
  EXPECT_TRUE(Has(out_.str(), "main,db-1,shop,101,app,45,900,admin,idle in transaction,relation,"
                              "AccessExclusiveLock,CRITICAL,"))
      << out_.str();
}

TEST_F(DbCommandsTest, LongRunning) {
  ASSERT_TRUE(RunDbLong(*stub_, ctx_, "main", Out(OutputFormat::kTable)).ok());
  EXPECT_EQ(out_.str(),
            "TARGET  PID  DATABASE  USER    STATE   RUNNING  QUERY\n"
            "main    555  shop      report  active    12m5s  SELECT count(*) FROM events e JOIN "
            "sessions s USING (sid)\n"
            "Target main: 1 long-running queries, oldest query 12m5s\n");
  ASSERT_TRUE(RunDbLong(*stub_, ctx_, "main", Out(OutputFormat::kJson)).ok());
  EXPECT_TRUE(Has(out_.str(), "\"running_seconds\": 725,")) << out_.str();
  EXPECT_FALSE(Has(out_.str(), "\"556\"")) << out_.str();
}

TEST_F(DbCommandsTest, TablesWithGrowth) {
  ASSERT_TRUE(RunDbTables(*stub_, ctx_, "", 20, Out(OutputFormat::kTable)).ok());
  const std::string table = out_.str();
  EXPECT_TRUE(Has(table, "TARGET  DATABASE  SCHEMA  TABLE        SIZE       GROWTH/24h")) << table;
  EXPECT_TRUE(Has(table, "main    shop      public  orders    1.5 GiB  +512.0 MiB (1d)   10000  "
                         "1500   15.0%       2000              25000     800000       3d ago\n"))
      << table;
  EXPECT_TRUE(Has(table, "main    shop      public  events  200.0 MiB   +50.0 MiB (3h)  500000"))
      << table;
  EXPECT_LT(table.find("orders"), table.find("events"));  // by size
  EXPECT_TRUE(Has(table, "never\n")) << table;
  EXPECT_EQ(err_.str(),
            "sctl: target main: database legacy could not be read in the latest scrape; its rows "
            "are last known values\n");

  ASSERT_TRUE(RunDbTables(*stub_, ctx_, "main", 1, Out(OutputFormat::kJson)).ok());
  const std::string json = out_.str();
  EXPECT_TRUE(Has(json, "\"growth_bytes\": 536870912,\n      \"growth_span_ms\": 86400000,"))
      << json;
  EXPECT_FALSE(Has(json, "events")) << json;  // -n 1
}

TEST_F(DbCommandsTest, Indexes) {
  ASSERT_TRUE(RunDbIndexes(*stub_, ctx_, "", Out(OutputFormat::kTable)).ok());
  const std::string table = out_.str();
  EXPECT_TRUE(Has(table, "orders_note_idx      index        0         0          0  16.0 MiB  "
                         "UNUSED\n"))
      << table;
  EXPECT_TRUE(Has(table, "orders_customer_idx  index       99       396        198   4.0 MiB  "
                         "LOW_USAGE\n"))
      << table;
  EXPECT_TRUE(Has(table, "orders_created_idx   index      100       400        200   8.0 MiB  "
                         "ACTIVE\n"))
      << table;
  EXPECT_LT(table.find("UNUSED"), table.find("LOW_USAGE"));
  EXPECT_LT(table.find("LOW_USAGE"), table.find("ACTIVE"));
}

TEST_F(DbCommandsTest, Advise) {
  ASSERT_TRUE(RunDbAdvise(*stub_, ctx_, "", Out(OutputFormat::kTable)).ok());
  const std::string table = out_.str();
  for (const char* expected : {
           "CRITICAL  main     statement 4711 (app@shop)",
           "Very slow - urgent optimization needed",
           "mean 1.50 s (> 1 s), max 4.50 s, 120 calls",
           "Blocking query - lock wait over 30 s",
           "Low cache hit ratio - consider indexing",
           "cache hit 62.0% (< 95%) at mean 1.50 s",
           "High frequency slow query",
           "High connection usage",
           "85 of 100 connections used (85.0%; KPI < 80%)",
           "Consider adding index",
           "2000 seq scans (> 1000) averaging 25000 rows (> 10000)",
           "Needs VACUUM",
           "1500 dead tuples, 15.0% of 10000 live (> 10%)",
           "Long-running query",
           "running 12m5s, state active",
           "index shop.public.orders_note_idx on orders  Unused index - consider dropping",
           "0 scans, size 16.0 MiB",
           "pid 101 (app) waits 45.00 s for AccessExclusiveLock held by pid 900 (admin, idle in "
           "transaction)",
           "INFO      replica  target replica",
       }) {
    EXPECT_TRUE(Has(table, expected)) << expected << "\n" << table;
  }
  EXPECT_FALSE(Has(table, "orders_pkey")) << table;    // never drop a primary key
  EXPECT_FALSE(Has(table, "statement 4714")) << table;  // not current
  EXPECT_TRUE(Has(table, "statement 4712")) << table;

  ASSERT_TRUE(RunDbAdvise(*stub_, ctx_, "replica", Out(OutputFormat::kJson)).ok());
  const std::string json = out_.str();
  EXPECT_TRUE(Has(json, "\"rule\": \"stat_statements_missing\"")) << json;
  EXPECT_FALSE(Has(json, "\"target\": \"main\"")) << json;
}

}  // namespace
}  // namespace scout::ctl
