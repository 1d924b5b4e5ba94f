// Custom SQL queries of the postgres plugin (agent/postgres/custom_query.h):
// config reading with file:line:key errors, and RunCustomQuery against a real
// throw-away PostgreSQL 15 cluster, including the SceneScout example queries
// (examples/scenescout-queries.yaml) over generated data whose expected
// figures are computed here (tests/postgres/scenescout_fixture.h).
#include "agent/postgres/custom_query.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "tests/postgres/pg_test_cluster.h"
#include "tests/postgres/scenescout_fixture.h"

namespace scout::agent {
namespace {

using namespace scout::agent::pgtest;  // NOLINT: test helpers

using ReadOnlyTx = pqxx::transaction<pqxx::read_committed, pqxx::read_only>;

CustomQuery Query(std::string name, std::string sql, std::vector<std::string> labels,
                  std::vector<std::string> values) {
  CustomQuery q;
  q.name = std::move(name);
  q.sql = std::move(sql);
  q.labels = std::move(labels);
  q.values = std::move(values);
  return q;
}

size_t CountMetric(VectorSink& sink, const std::string& metric) {
  size_t n = 0;
  for (const Sample& s : sink.samples()) n += s.key.metric == metric ? 1 : 0;
  return n;
}

std::string Message(const absl::Status& s) { return std::string(s.message()); }

// ---------------------------------------------------------------------------
// Configuration

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("scout_custom_query_" + std::to_string(getpid()) + "_" + std::to_string(counter_++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string Write(const std::string& name, const std::string& text) const {
    const std::filesystem::path p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

absl::Status Read(const std::string& yaml, const std::string& dir,
                  std::vector<CustomQuery>* out) {
  absl::StatusOr<ConfigMap> map = ConfigMap::LoadString(yaml, "agent.yaml");
  if (!map.ok()) return map.status();
  absl::Status s = ReadCustomQueries(*map, dir, out);
  if (!s.ok()) return s;
  return map->CheckNoUnknownKeys();
}

TEST(CustomQueryConfigTest, ReadsInlineAndFileQueries) {
  TempDir dir;
  dir.Write("sql/more.yaml",
            "queries:\n"
            "  - name: from_file\n"
            "    sql: SELECT 1 AS one\n"
            "    values: [one]\n");
  const std::string yaml =
      "queries:\n"
      "  - name: scenescout_api\n"
      "    sql: |\n"
      "      SELECT source, count(*) AS requests FROM api_logs GROUP BY 1\n"
      "    interval: 2m\n"
      "    database: events_db\n"
      "    labels: [source]\n"
      "    values: [requests]\n"
      "  - {name: \"ns:minimal\", sql: SELECT 1 AS v, values: [v]}\n"
      "queries_file: sql/more.yaml\n";
  std::vector<CustomQuery> qs;
  ASSERT_TRUE(Read(yaml, dir.path(), &qs).ok()) << Read(yaml, dir.path(), &qs);
  ASSERT_EQ(qs.size(), 3u);
  EXPECT_EQ(qs[0].name, "scenescout_api");
  EXPECT_EQ(qs[0].sql, "SELECT source, count(*) AS requests FROM api_logs GROUP BY 1\n");
  EXPECT_EQ(qs[0].interval, std::chrono::minutes(2));
  EXPECT_EQ(qs[0].database, "events_db");
  EXPECT_EQ(qs[0].labels, std::vector<std::string>{"source"});
  EXPECT_EQ(qs[0].values, std::vector<std::string>{"requests"});
  EXPECT_EQ(qs[1].name, "ns:minimal");
  EXPECT_EQ(qs[1].interval, std::chrono::milliseconds(0)) << "0 = the target's interval";
  EXPECT_EQ(qs[1].database, "");
  EXPECT_TRUE(qs[1].labels.empty());
  EXPECT_EQ(qs[2].name, "from_file");

  // An absolute path ignores config_dir; no queries at all is fine.
  std::vector<CustomQuery> abs;
  EXPECT_TRUE(Read("queries_file: " + dir.path() + "/sql/more.yaml\n", "/nonexistent", &abs).ok());
  ASSERT_EQ(abs.size(), 1u);
  std::vector<CustomQuery> none;
  EXPECT_TRUE(Read("other: 1\n", dir.path(), &none).code() == absl::StatusCode::kInvalidArgument)
      << "the caller's CheckNoUnknownKeys still sees unknown keys";
  EXPECT_TRUE(Read("{}\n", dir.path(), &none).ok());
  EXPECT_TRUE(none.empty());
}

TEST(CustomQueryConfigTest, TheExampleFileLoads) {
  std::vector<CustomQuery> qs;
  const absl::Status s =
      Read("queries_file: examples/scenescout-queries.yaml\n", SCOUT_SOURCE_DIR, &qs);
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_EQ(qs.size(), 5u);
  for (const CustomQuery& q : qs) {
    EXPECT_EQ(q.name.rfind("scenescout_", 0), 0u) << q.name;
    EXPECT_GT(q.interval.count(), 0) << q.name;
  }
}

struct ConfigErrorCase {
  const char* what;
  std::string yaml;
  std::string where;  // "file:line:"
  std::string key;    // "key '...'"
  std::string words;  // part of the message
};

TEST(CustomQueryConfigTest, ErrorsNameFileLineAndKey) {
  TempDir dir;
  dir.Write("broken.yaml",
            "queries:\n"
            "  - name: ok_query\n"
            "    sql: SELECT 1 AS v\n"
            "    values: [v]\n"
            "  - name: bad-name\n"
            "    sql: SELECT 1 AS v\n"
            "    values: [v]\n");
  dir.Write("extra.yaml", "queries: []\nquery: []\n");
  dir.Write("dup.yaml", "queries:\n  - {name: a, sql: SELECT 1 AS v, values: [v]}\n");
  const std::string broken = dir.path() + "/broken.yaml";
  const ConfigErrorCase cases[] = {
      {"missing sql", "queries:\n  - name: a\n    values: [v]\n", "agent.yaml:2:", "queries[0].sql",
       "missing"},
      {"blank sql", "queries:\n  - name: a\n    sql: \"  \"\n    values: [v]\n", "agent.yaml:3:",
       "queries[0].sql", "missing"},
      {"missing name", "queries:\n  - sql: SELECT 1 AS v\n    values: [v]\n", "agent.yaml:2:",
       "queries[0].name", "needs a name"},
      {"bad name", "queries:\n  - name: 1abc\n    sql: SELECT 1 AS v\n    values: [v]\n",
       "agent.yaml:2:", "queries[0].name", "not a valid metric name"},
      {"empty values", "queries:\n  - name: a\n    sql: SELECT 1 AS v\n    values: []\n",
       "agent.yaml:4:", "queries[0].values", "at least one value column"},
      {"no values", "queries:\n  - name: a\n    sql: SELECT 1 AS v\n", "agent.yaml:2:",
       "queries[0].values", "at least one value column"},
      {"label and value",
       "queries:\n  - name: a\n    sql: SELECT 1 AS v\n    labels: [v]\n    values: [v]\n",
       "agent.yaml:5:", "queries[0].values", "both a label and a value"},
      {"duplicate name",
       "queries:\n  - {name: a, sql: SELECT 1 AS v, values: [v]}\n"
       "  - {name: a, sql: SELECT 2 AS w, values: [w]}\n",
       "agent.yaml:3:", "queries[1].name", "duplicate query name"},
      {"duplicate name across inline and file",
       "queries:\n  - {name: a, sql: SELECT 1 AS v, values: [v]}\nqueries_file: dup.yaml\n",
       dir.path() + "/dup.yaml:2:", "queries[0].name", "duplicate query name"},
      {"same metric from two queries",
       "queries:\n  - {name: a, sql: SELECT 1 AS b_c, values: [b_c]}\n"
       "  - {name: a_b, sql: SELECT 1 AS c, values: [c]}\n",
       "agent.yaml:3:", "queries[1].values", "\"a_b_c\" is also produced by query \"a\""},
      {"unreadable queries_file", "queries_file: nope/missing.yaml\n", "agent.yaml:1:",
       "queries_file", "cannot read queries file"},
      {"empty queries_file", "queries_file: \"\"\n", "agent.yaml:1:", "queries_file",
       "empty path"},
      {"error inside queries_file", "queries_file: broken.yaml\n", broken + ":5:",
       "queries[1].name", "not a valid metric name"},
      {"unknown top-level key in queries_file", "queries_file: extra.yaml\n",
       dir.path() + "/extra.yaml:2:", "key 'query'", "unknown key"},
      {"reserved label target",
       "queries:\n  - name: a\n    sql: SELECT 1 AS v\n    labels: [target]\n    values: [v]\n",
       "agent.yaml:4:", "queries[0].labels", "reserved"},
      {"reserved label query",
       "queries:\n  - name: a\n    sql: SELECT 1 AS v\n    labels: [query]\n    values: [v]\n",
       "agent.yaml:4:", "queries[0].labels", "reserved"},
      {"reserved label host",
       "queries:\n  - name: a\n    sql: SELECT 1 AS v\n    labels: [host]\n    values: [v]\n",
       "agent.yaml:4:", "queries[0].labels", "reserved"},
      {"reserved label __",
       "queries:\n  - name: a\n    sql: SELECT 1 AS v\n    labels: [__name__]\n    values: [v]\n",
       "agent.yaml:4:", "queries[0].labels", "reserved"},
      {"invalid label name",
       "queries:\n  - name: a\n    sql: SELECT 1 AS v\n    labels: [api-source]\n"
       "    values: [v]\n",
       "agent.yaml:4:", "queries[0].labels", "not a valid label name"},
      {"label listed twice",
       "queries:\n  - name: a\n    sql: SELECT 1 AS v\n    labels: [s, s]\n    values: [v]\n",
       "agent.yaml:4:", "queries[0].labels", "listed twice"},
      {"value gives an invalid metric",
       "queries:\n  - name: a\n    sql: SELECT 1 AS v\n    values: [\"avg time\"]\n",
       "agent.yaml:4:", "queries[0].values", "invalid metric name \"a_avg time\""},
      {"unknown key", "queries:\n  - name: a\n    sql: SELECT 1 AS v\n    value: [v]\n",
       "agent.yaml:4:", "queries[0].value", "unknown key"},
      {"bad interval",
       "queries:\n  - name: a\n    sql: SELECT 1 AS v\n    interval: 10x\n    values: [v]\n",
       "agent.yaml:4:", "queries[0].interval", "invalid duration"},
      {"queries not a list", "queries:\n  name: a\n", "agent.yaml:2:", "key 'queries'",
       "a list of mappings"},
      {"values not a list", "queries:\n  - name: a\n    sql: SELECT 1 AS v\n    values: v\n",
       "agent.yaml:4:", "queries[0].values", "a list of strings"},
  };
  for (const ConfigErrorCase& c : cases) {
    std::vector<CustomQuery> out;
    const absl::Status s = Read(c.yaml, dir.path(), &out);
    ASSERT_FALSE(s.ok()) << c.what;
    const std::string m = Message(s);
    EXPECT_EQ(m.rfind(c.where, 0), 0u) << c.what << ": " << m;
    EXPECT_NE(m.find(c.key), std::string::npos) << c.what << ": " << m;
    EXPECT_NE(m.find(c.words), std::string::npos) << c.what << ": " << m;
  }
}

// ---------------------------------------------------------------------------
// Running queries against PostgreSQL

class CustomQueryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = StartCluster();
    if (!cluster_) return;
    pqxx::connection c(cluster_->dsn);
    data_ = GenerateSceneScoutData();
    LoadSceneScoutData(c, *data_);
    pqxx::work w(c);
    w.exec("CREATE TABLE cq_t (id int)");
    w.commit();
  }
  static void TearDownTestSuite() {
    if (cluster_) StopCluster(*cluster_);
    cluster_.reset();
  }
  void SetUp() override {
    ASSERT_TRUE(cluster_) << "could not start a PostgreSQL cluster";
    conn_ = std::make_unique<pqxx::connection>(cluster_->dsn);
  }

  // A READ ONLY transaction with statement_timeout, as the collector makes.
  std::unique_ptr<ReadOnlyTx> Begin(int timeout_ms = 5000) {
    auto tx = std::make_unique<ReadOnlyTx>(*conn_, "scout_monitoring");
    tx->exec("SET LOCAL statement_timeout = " + std::to_string(timeout_ms));
    return tx;
  }

  static inline std::optional<Cluster> cluster_;
  static inline std::optional<SceneScoutData> data_;
  std::unique_ptr<pqxx::connection> conn_;
  const Labels base_ = {{"target", "main"}};
};

Labels With(Labels base, std::vector<std::pair<std::string, std::string>> more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

TEST_F(CustomQueryTest, SceneScoutExampleQueriesMatchTheGeneratedData) {
  std::vector<CustomQuery> qs;
  {
    const absl::Status s =
        Read("queries_file: examples/scenescout-queries.yaml\n", SCOUT_SOURCE_DIR, &qs);
    ASSERT_TRUE(s.ok()) << s;
  }
  auto tx = Begin();
  const QueryClock clk = ReadQueryClock(*tx);
  const SceneScoutExpected x = ComputeExpected(*data_, clk);
  VectorSink sink(0);
  std::map<std::string, int64_t> rows;
  for (const CustomQuery& q : qs) {
    const absl::StatusOr<int64_t> n = RunCustomQuery(*tx, q, base_, sink);
    ASSERT_TRUE(n.ok()) << q.name << ": " << n.status();
    rows[q.name] = *n;
  }
  tx->commit();

  constexpr double kEps = 1e-6;   // averages and ratios
  constexpr double kTime = 1e-3;  // seconds (microsecond timestamps, float8 epochs)
  const auto near = [&](const std::string& metric, const Labels& labels, double want,
                        double eps) {
    const std::optional<double> got = Find(sink, metric, labels);
    ASSERT_TRUE(got.has_value()) << metric << " " << SeriesKeyString({metric, MakeLabels(labels)});
    EXPECT_NEAR(*got, want, eps) << SeriesKeyString({metric, MakeLabels(labels)});
  };

  // Totals and freshness (KPIs: > 1000 events/h, < 1 h lag).
  EXPECT_EQ(rows["scenescout_events"], 1);
  near("scenescout_events_ingested_last_hour", base_, static_cast<double>(x.events_last_hour), 0);
  EXPECT_GT(x.events_last_hour, 1000) << "the fixture meets the ingestion-rate KPI";
  near("scenescout_events_freshness_lag_seconds", base_, x.freshness_lag_seconds, kTime);
  EXPECT_LT(x.freshness_lag_seconds, 3600);

  // Per source, every source ever seen, the silent one included.
  EXPECT_EQ(rows["scenescout_source"], static_cast<int64_t>(x.sources.size()));
  ASSERT_EQ(x.sources.size(), 5u);
  EXPECT_EQ(CountMetric(sink, "scenescout_source_events_ingested_last_hour"), 5u);
  for (const auto& [source, want] : x.sources) {
    const Labels l = With(base_, {{"source", source}});
    near("scenescout_source_events_ingested_last_hour", l,
         static_cast<double>(want.events_last_hour), 0);
    near("scenescout_source_last_event_age_seconds", l, want.last_event_age_seconds, kTime);
    if (want.avg_ingestion_seconds) {
      near("scenescout_source_avg_ingestion_seconds", l, *want.avg_ingestion_seconds, kEps);
    } else {
      EXPECT_FALSE(Find(sink, "scenescout_source_avg_ingestion_seconds", l)) << source;
    }
  }
  const Labels songkick = With(base_, {{"source", "songkick"}});
  EXPECT_EQ(Find(sink, "scenescout_source_events_ingested_last_hour", songkick), 0);
  EXPECT_GT(Find(sink, "scenescout_source_last_event_age_seconds", songkick).value_or(0),
            3 * 3600.0)
      << "the gap query's > 2 h case";
  EXPECT_FALSE(x.sources.at("eventful").avg_ingestion_seconds) << "fixture: no durations";

  // Ingestion errors in the last 24 h by source and type (NULL type -> "").
  EXPECT_EQ(rows["scenescout_ingestion_errors"], static_cast<int64_t>(x.errors.size()));
  EXPECT_EQ(CountMetric(sink, "scenescout_ingestion_errors_last_24h"), x.errors.size());
  EXPECT_TRUE(x.errors.count({"ticketmaster", ""})) << "fixture has a NULL error_type";
  for (const auto& [key, want] : x.errors) {
    const Labels l = With(base_, {{"source", key.first}, {"error_type", key.second}});
    near("scenescout_ingestion_errors_last_24h", l, static_cast<double>(want.count), 0);
    near("scenescout_ingestion_errors_last_timestamp_seconds", l, want.last_timestamp_seconds,
         kTime);
  }
  EXPECT_FALSE(Find(sink, "scenescout_ingestion_errors_last_24h",
                    With(base_, {{"source", "songkick"}, {"error_type", "auth"}})))
      << "older than 24 h";

  // API sources over the last hour (KPIs: < 5 s, > 95 % success).
  EXPECT_EQ(rows["scenescout_api"], static_cast<int64_t>(x.apis.size()));
  ASSERT_EQ(x.apis.size(), 3u);
  EXPECT_FALSE(Find(sink, "scenescout_api_requests_last_hour", songkick));
  for (const auto& [source, want] : x.apis) {
    const Labels l = With(base_, {{"source", source}});
    near("scenescout_api_requests_last_hour", l, static_cast<double>(want.requests), 0);
    ASSERT_TRUE(want.avg_response_seconds);
    near("scenescout_api_avg_response_seconds", l, *want.avg_response_seconds, kEps);
    near("scenescout_api_success_ratio", l, want.success_ratio, kEps);
  }
  EXPECT_GT(Find(sink, "scenescout_api_avg_response_seconds",
                 With(base_, {{"source", "eventbrite"}})).value_or(0), 4.0)
      << "the slow API of the fixture";
  EXPECT_LT(Find(sink, "scenescout_api_success_ratio",
                 With(base_, {{"source", "eventbrite"}})).value_or(1), 0.95);

  // Today's row of the weekly trend (depends on the time of day: computed).
  EXPECT_EQ(rows["scenescout_today"], 1);
  near("scenescout_today_events", base_, static_cast<double>(x.today_events), 0);
  near("scenescout_today_active_sources", base_, static_cast<double>(x.today_active_sources), 0);
  if (x.today_api_avg_response_seconds) {
    near("scenescout_today_api_avg_response_seconds", base_, *x.today_api_avg_response_seconds,
         kEps);
  } else {
    EXPECT_FALSE(Find(sink, "scenescout_today_api_avg_response_seconds", base_));
  }
  if (x.today_api_avg_success_ratio) {
    near("scenescout_today_api_avg_success_ratio", base_, *x.today_api_avg_success_ratio, kEps);
  } else {
    EXPECT_FALSE(Find(sink, "scenescout_today_api_avg_success_ratio", base_));
  }

  // Nothing else: every sample carries target and is one of the documented series.
  for (const Sample& s : sink.samples()) {
    EXPECT_EQ(LabelValue(s.key.labels, "target"), "main");
    EXPECT_EQ(s.key.metric.rfind("scenescout_", 0), 0u) << s.key.metric;
  }
}

TEST_F(CustomQueryTest, FailingQueriesLeaveTheTransactionUsable) {
  auto tx = Begin(300);
  VectorSink sink(0);

  const auto syntax = RunCustomQuery(*tx, Query("bad", "SELEC 1 AS v", {}, {"v"}), base_, sink);
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(Message(syntax.status()).find("query bad"), std::string::npos) << syntax.status();
  EXPECT_NE(Message(syntax.status()).find("syntax error"), std::string::npos) << syntax.status();

  const auto start = std::chrono::steady_clock::now();
  const auto slow =
      RunCustomQuery(*tx, Query("slow", "SELECT 1 AS v FROM pg_sleep(5)", {}, {"v"}), base_, sink);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.status().code(), absl::StatusCode::kDeadlineExceeded) << slow.status();
  EXPECT_NE(Message(slow.status()).find("statement timeout"), std::string::npos) << slow.status();

  const auto write = RunCustomQuery(
      *tx, Query("write", "INSERT INTO cq_t VALUES (1) RETURNING id AS v", {}, {"v"}), base_, sink);
  ASSERT_FALSE(write.ok());
  EXPECT_NE(Message(write.status()).find("read-only"), std::string::npos) << write.status();

  // One statement only: `COMMIT; ...` could otherwise leave the read-only transaction.
  const auto multi = RunCustomQuery(
      *tx, Query("multi", "SELECT 1 AS v; SELECT 2 AS v", {}, {"v"}), base_, sink);
  ASSERT_FALSE(multi.ok());
  EXPECT_NE(Message(multi.status()).find("multiple commands"), std::string::npos)
      << multi.status();

  EXPECT_TRUE(sink.samples().empty());
  const auto good = RunCustomQuery(*tx, Query("good", "SELECT 42 AS v", {}, {"v"}), base_, sink);
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(*good, 1);
  EXPECT_EQ(Find(sink, "good_v", base_), 42);
  // The caller's own statements still run, and its statement_timeout holds.
  EXPECT_EQ(tx->exec1("SELECT current_setting('statement_timeout')")[0].as<std::string>(),
            "300ms");
  EXPECT_NO_THROW(tx->commit());

  for (const auto* s : {&syntax, &slow, &write, &multi}) {
    EXPECT_EQ(Message(s->status()).find(cluster_->dsn), std::string::npos) << s->status();
  }
}

// A custom query cannot switch statement_timeout off (or change any other
// setting) for the queries after it: its savepoint is always rolled back.
TEST_F(CustomQueryTest, AQueryCannotSwitchTheTimeoutOffForLaterQueries) {
  for (const char* local : {"true", "false"}) {  // SET LOCAL and session-wide
    SCOPED_TRACE(std::string("is_local=") + local);
    auto tx = Begin(300);
    VectorSink sink(0);
    const std::string sql =
        std::string("SELECT length(set_config('statement_timeout', '0', ") + local + ")) AS v";
    const auto off = RunCustomQuery(*tx, Query("off", sql, {}, {"v"}), base_, sink);
    ASSERT_TRUE(off.ok()) << off.status();
    EXPECT_EQ(Find(sink, "off_v", base_), 1) << "the query itself ran and its rows are kept";
    EXPECT_EQ(tx->exec1("SELECT current_setting('statement_timeout')")[0].as<std::string>(),
              "300ms");

    const auto start = std::chrono::steady_clock::now();
    const auto slow = RunCustomQuery(
        *tx, Query("slow", "SELECT 1 AS v FROM pg_sleep(10)", {}, {"v"}), base_, sink);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
    ASSERT_FALSE(slow.ok());
    EXPECT_EQ(slow.status().code(), absl::StatusCode::kDeadlineExceeded) << slow.status();
    EXPECT_NO_THROW(tx->commit());
  }
}

TEST_F(CustomQueryTest, NullLabelsAreEmptyAndNullValuesSkipped) {
  auto tx = Begin();
  VectorSink sink(0);
  const auto n = RunCustomQuery(
      *tx,
      Query("nulls",
            "SELECT * FROM (VALUES ('a', 1.5::float8, 2, true),"
            "                      (NULL, NULL, 3, false),"
            "                      ('c', 'NaN'::float8, NULL, NULL)) AS t(src, x, y, up)",
            {"src"}, {"x", "y", "up"}),
      base_, sink);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 3);
  const Labels a = With(base_, {{"src", "a"}});
  const Labels empty = With(base_, {{"src", ""}});
  const Labels c = With(base_, {{"src", "c"}});
  EXPECT_EQ(Find(sink, "nulls_x", a), 1.5);
  EXPECT_EQ(Find(sink, "nulls_y", a), 2);
  EXPECT_EQ(Find(sink, "nulls_up", a), 1) << "boolean -> 1/0";
  EXPECT_FALSE(Find(sink, "nulls_x", empty)) << "NULL value skipped";
  EXPECT_EQ(Find(sink, "nulls_y", empty), 3) << "NULL label -> \"\"";
  EXPECT_EQ(Find(sink, "nulls_up", empty), 0);
  EXPECT_FALSE(Find(sink, "nulls_x", c)) << "NaN skipped (the collector rejects it)";
  EXPECT_FALSE(Find(sink, "nulls_y", c));
  EXPECT_EQ(sink.samples().size(), 5u);

  // Every numeric type; numeric keeps its precision; no rows, no samples.
  VectorSink types(0);
  const auto t = RunCustomQuery(
      *tx,
      Query("types",
            "SELECT 1::int2 AS a, 2::int4 AS b, 3::int8 AS c, 0.25::float4 AS d,"
            " 1e300::float8 AS e, 12345678901.125::numeric AS f, 26::oid AS g",
            {}, {"a", "b", "c", "d", "e", "f", "g"}),
      base_, types);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(Find(types, "types_a", base_), 1);
  EXPECT_EQ(Find(types, "types_c", base_), 3);
  EXPECT_EQ(Find(types, "types_d", base_), 0.25);
  EXPECT_EQ(Find(types, "types_e", base_), 1e300);
  EXPECT_EQ(Find(types, "types_f", base_), 12345678901.125);
  EXPECT_EQ(Find(types, "types_g", base_), 26);
  VectorSink empty_sink(0);
  const auto zero = RunCustomQuery(
      *tx, Query("zero", "SELECT 1 AS v WHERE false", {}, {"v"}), base_, empty_sink);
  ASSERT_TRUE(zero.ok()) << zero.status();
  EXPECT_EQ(*zero, 0);
  EXPECT_TRUE(empty_sink.samples().empty());
  tx->commit();
}

TEST_F(CustomQueryTest, ColumnErrorsNameTheQueryAndColumn) {
  auto tx = Begin();
  VectorSink sink(0);
  const auto text = RunCustomQuery(
      *tx, Query("texty", "SELECT 'a' AS src, '5'::text AS v", {"src"}, {"v"}), base_, sink);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(Message(text.status()).find("query texty"), std::string::npos) << text.status();
  EXPECT_NE(Message(text.status()).find("\"v\""), std::string::npos) << text.status();
  EXPECT_NE(Message(text.status()).find("not a number"), std::string::npos) << text.status();

  EXPECT_NE(Message(text.status()).find("is text"), std::string::npos) << text.status();
  const auto time = RunCustomQuery(*tx, Query("when", "SELECT now() AS v", {}, {"v"}), base_, sink);
  ASSERT_FALSE(time.ok());
  EXPECT_NE(Message(time.status()).find("timestamptz (use extract(epoch FROM ...))"),
            std::string::npos)
      << time.status();

  const auto missing_value = RunCustomQuery(
      *tx, Query("miss", "SELECT 1 AS AvgTime", {}, {"AvgTime"}), base_, sink);
  ASSERT_FALSE(missing_value.ok());
  const std::string m = Message(missing_value.status());
  EXPECT_NE(m.find("query miss"), std::string::npos) << m;
  EXPECT_NE(m.find("\"AvgTime\" is not in the result (columns: avgtime"), std::string::npos) << m;

  const auto missing_label = RunCustomQuery(
      *tx, Query("miss2", "SELECT 1 AS v", {"source"}, {"v"}), base_, sink);
  ASSERT_FALSE(missing_label.ok());
  EXPECT_NE(Message(missing_label.status()).find("label column \"source\""), std::string::npos)
      << missing_label.status();

  const auto ambiguous = RunCustomQuery(
      *tx, Query("amb", "SELECT 1 AS v, 2 AS v", {}, {"v"}), base_, sink);
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_NE(Message(ambiguous.status()).find("more than once"), std::string::npos)
      << ambiguous.status();

  // Two rows for one series: an error, and no sample of the query is added.
  const auto dup = RunCustomQuery(
      *tx,
      Query("dup", "SELECT * FROM (VALUES ('a', 1), ('b', 2), ('a', 3)) AS t(src, v)", {"src"},
            {"v"}),
      base_, sink);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(Message(dup.status()).find("rows 1 and 3 have the same label values {src=\"a\"}"),
            std::string::npos)
      << dup.status();
  EXPECT_TRUE(sink.samples().empty());

  // None of this disturbed the transaction.
  const auto ok = RunCustomQuery(*tx, Query("fine", "SELECT 7 AS v", {}, {"v"}), base_, sink);
  ASSERT_TRUE(ok.ok()) << ok.status();
  tx->commit();
}

TEST_F(CustomQueryTest, RunsInANonTransactionToo) {
  pqxx::nontransaction tx(*conn_);
  VectorSink sink(0);
  const auto bad = RunCustomQuery(tx, Query("bad", "SELECT nope", {}, {"v"}), base_, sink);
  EXPECT_FALSE(bad.ok());
  const auto n = RunCustomQuery(
      tx, Query("nt", "SELECT relname, 1 AS v FROM pg_class WHERE relname = 'cq_t'", {"relname"},
                {"v"}),
      base_, sink);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(Find(sink, "nt_v", With(base_, {{"relname", "cq_t"}})), 1);
}

}  // namespace
}  // namespace scout::agent
