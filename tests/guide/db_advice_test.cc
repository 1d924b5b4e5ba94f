// BuildDbSnapshot (the "current rows" rule, the statement text join) and
// every rule of Advise at and around its threshold, on fixed series.
#include "shared/guide/db_advice.h"

#include <cmath>

#include <gtest/gtest.h>

namespace scout::guide {
namespace {

constexpr int64_t kScrape = 1'764'200'000'000;  // the target's latest scrape
constexpr int64_t kOlder = kScrape - 30'000;    // the scrape before

SeriesPoints S(const std::string& metric, Labels labels, double v, int64_t ts = kScrape,
               const std::string& target = "main") {
  labels.emplace_back("host", "db-1");
  labels.emplace_back("target", target);
  return {{"scout_postgres_" + metric, MakeLabels(std::move(labels))}, {{ts, v}}};
}

Labels Stmt(const std::string& queryid) {
  return {{"queryid", queryid}, {"datname", "shop"}, {"user", "app"}};
}

Labels Table(const std::string& table) {
  return {{"datname", "shop"}, {"schema", "public"}, {"table", table}};
}

Labels Index(const std::string& index, const std::string& kind) {
  return {{"datname", "shop"}, {"schema", "public"}, {"table", "orders"}, {"index", index},
          {"kind", kind}};
}

Labels Lock(const std::string& blocked_pid) {
  return {{"datname", "shop"},        {"blocked_pid", blocked_pid},
          {"blocked_user", "app"},    {"blocked_query", "UPDATE orders SET x = $1"},
          {"blocking_pid", "900"},    {"blocking_user", "admin"},
          {"blocking_state", "idle in transaction"},
          {"blocking_query", "LOCK orders"}, {"locktype", "relation"},
          {"mode", "RowExclusiveLock"}};
}

Labels Long(const std::string& pid) {
  return {{"pid", pid}, {"datname", "shop"}, {"user", "app"}, {"state", "active"},
          {"query", "SELECT pg_sleep($1)"}};
}

std::vector<SeriesPoints> Up(double v = 1) { return {S("up", {}, v)}; }

std::vector<SeriesPoints> With(std::vector<SeriesPoints> a, std::vector<SeriesPoints> b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Statement with the given figures, in the current scrape.
std::vector<SeriesPoints> Statement(const std::string& id, double mean, double calls,
                                    double hit = -1) {
  std::vector<SeriesPoints> s = {
      S("statement_mean_seconds", Stmt(id), mean),
      S("statement_calls_total", Stmt(id), calls),
      S("statement_max_seconds", Stmt(id), mean * 3),
      S("statement_exec_seconds_total", Stmt(id), mean * calls),
      S("statement_rows_total", Stmt(id), calls),
  };
  if (hit >= 0) s.push_back(S("statement_cache_hit_ratio", Stmt(id), hit));
  return s;
}

std::vector<Advice> AdviseOn(const std::vector<SeriesPoints>& series) {
  return Advise(BuildDbSnapshot(With(Up(), series)));
}

int Count(const std::vector<Advice>& advice, const std::string& rule) {
  int n = 0;
  for (const Advice& a : advice) n += a.rule == rule;
  return n;
}

const Advice* Find(const std::vector<Advice>& advice, const std::string& rule) {
  for (const Advice& a : advice) {
    if (a.rule == rule) return &a;
  }
  return nullptr;
}

// ---- Snapshot ----

TEST(BuildDbSnapshot, TargetFiguresAndConnectionsByState) {
  DbSnapshot snap = BuildDbSnapshot({
      S("up", {}, 1),
      S("connections", {{"state", "idle"}}, 30),
      S("connections", {{"state", "active"}}, 12),
      S("connections", {{"state", "background"}}, 6),
      S("max_connections", {}, 100),
      S("connections_used_ratio", {}, 0.48),
      S("active_connections", {}, 12),
      S("stat_statements_available", {}, 1),
      S("blocked_sessions", {}, 2),
      S("lock_wait_max_seconds", {}, 4.5),
      S("oldest_query_seconds", {}, 400),
      S("long_running_queries", {}, 1),
      S("up", {}, 0, kScrape, "replica"),
  });
  ASSERT_EQ(snap.targets.size(), 2u);
  const DbTarget& t = snap.targets[0];
  EXPECT_EQ(t.target, "main");
  EXPECT_EQ(t.host, "db-1");
  EXPECT_EQ(t.scrape_ms, kScrape);
  EXPECT_DOUBLE_EQ(t.total_connections, 48);
  EXPECT_DOUBLE_EQ(t.max_connections, 100);
  EXPECT_DOUBLE_EQ(t.used_ratio, 0.48);
  EXPECT_DOUBLE_EQ(t.active_connections, 12);
  ASSERT_EQ(t.by_state.size(), 3u);
  EXPECT_EQ(t.by_state[0].first, "idle");  // largest first
  EXPECT_EQ(t.by_state[2].first, "background");
  EXPECT_DOUBLE_EQ(t.blocked_sessions, 2);
  EXPECT_DOUBLE_EQ(t.lock_wait_max_seconds, 4.5);
  EXPECT_DOUBLE_EQ(t.oldest_query_seconds, 400);
  EXPECT_EQ(snap.targets[1].target, "replica");
  EXPECT_DOUBLE_EQ(snap.targets[1].up, 0);
  EXPECT_DOUBLE_EQ(snap.targets[1].used_ratio, -1);  // unknown, not 0
}

TEST(BuildDbSnapshot, UsedRatioIsDerivedWhenTheGaugeIsMissing) {
  DbSnapshot snap = BuildDbSnapshot({S("up", {}, 1), S("connections", {{"state", "idle"}}, 20),
                                     S("max_connections", {}, 25)});
  EXPECT_DOUBLE_EQ(snap.targets.at(0).used_ratio, 0.8);
}

TEST(BuildDbSnapshot, KeepsOnlyRowsOfTheLatestScrape) {
  DbSnapshot snap = BuildDbSnapshot({
      S("up", {}, 1),
      S("lock_wait_seconds", Lock("101"), 12),            // current
      S("lock_wait_seconds", Lock("102"), 300, kOlder),   // ended: older scrape
      S("long_running_query_seconds", Long("201"), 700),
      S("long_running_query_seconds", Long("202"), 900, kOlder),
      S("long_running_query_seconds", Long("203"), 350),
      S("statement_mean_seconds", Stmt("1"), 0.2),
      S("statement_mean_seconds", Stmt("2"), 5, kOlder),  // fell out of the top-N
      S("blocked_sessions", {}, 3, kOlder),                // stale target gauge
  });
  ASSERT_EQ(snap.locks.size(), 1u);
  EXPECT_EQ(snap.locks[0].blocked_pid, "101");
  EXPECT_EQ(snap.locks[0].blocking_pid, "900");
  EXPECT_EQ(snap.locks[0].blocking_state, "idle in transaction");
  EXPECT_EQ(snap.locks[0].mode, "RowExclusiveLock");
  EXPECT_DOUBLE_EQ(snap.locks[0].wait_seconds, 12);
  ASSERT_EQ(snap.long_queries.size(), 2u);
  EXPECT_EQ(snap.long_queries[0].pid, "201");  // oldest first
  EXPECT_EQ(snap.long_queries[1].pid, "203");
  ASSERT_EQ(snap.statements.size(), 1u);
  EXPECT_EQ(snap.statements[0].queryid, "1");
  EXPECT_DOUBLE_EQ(snap.targets.at(0).blocked_sessions, -1);
}

TEST(BuildDbSnapshot, ADownTargetHasNoCurrentRows) {
  // The failed scrape is newer than every row: nothing is current.
  DbSnapshot snap = BuildDbSnapshot({S("up", {}, 0), S("lock_wait_seconds", Lock("1"), 40, kOlder),
                                     S("connections", {{"state", "idle"}}, 5, kOlder)});
  EXPECT_TRUE(snap.locks.empty());
  EXPECT_DOUBLE_EQ(snap.targets.at(0).total_connections, -1);
}

TEST(BuildDbSnapshot, WithoutAnUpSampleNothingIsCurrent) {
  DbSnapshot snap = BuildDbSnapshot({S("lock_wait_seconds", Lock("1"), 40)});
  EXPECT_TRUE(snap.locks.empty());
  ASSERT_EQ(snap.targets.size(), 1u);
  EXPECT_DOUBLE_EQ(snap.targets[0].up, -1);
}

TEST(BuildDbSnapshot, CurrentIsPerTarget) {
  DbSnapshot snap = BuildDbSnapshot({
      S("up", {}, 1, kScrape, "a"),
      S("up", {}, 1, kOlder, "b"),  // b's scrapes run on another schedule
      S("lock_wait_seconds", Lock("1"), 2, kScrape, "a"),
      S("lock_wait_seconds", Lock("2"), 2, kOlder, "b"),
      S("lock_wait_seconds", Lock("3"), 2, kScrape, "b"),  // not b's scrape
  });
  ASSERT_EQ(snap.locks.size(), 2u);
  EXPECT_EQ(snap.locks[0].target, "a");
  EXPECT_EQ(snap.locks[1].target, "b");
  EXPECT_EQ(snap.locks[1].blocked_pid, "2");
}

TEST(BuildDbSnapshot, JoinsStatementTextOnTargetQueryidDatabaseAndUser) {
  Labels other_user = {{"queryid", "7"}, {"datname", "shop"}, {"user", "report"}};
  auto info = [](Labels l, const std::string& text, int64_t ts) {
    l.emplace_back("query", text);
    return S("statement_info", std::move(l), 1, ts);
  };
  DbSnapshot snap = BuildDbSnapshot(With(
      Up(), {
                S("statement_mean_seconds", Stmt("7"), 0.3),
                S("statement_calls_total", Stmt("7"), 10),
                S("statement_cache_hit_ratio", Stmt("7"), 0.5),
                S("statement_mean_seconds", other_user, 0.2),
                S("statement_mean_seconds", Stmt("8"), 0.2),  // no info series
                info(Stmt("7"), "SELECT old", kOlder),
                info(Stmt("7"), "SELECT * FROM orders WHERE id = $1", kScrape),
                info(other_user, "SELECT report", kOlder),  // text may be from an older scrape
                S("statement_info", {{"queryid", "7"}, {"datname", "shop"}, {"user", "app"},
                                     {"query", "other target"}}, 1, kScrape, "replica"),
            }));
  ASSERT_EQ(snap.statements.size(), 3u);
  for (const DbStatement& s : snap.statements) {
    if (s.queryid == "7" && s.user == "app") {
      EXPECT_EQ(s.query, "SELECT * FROM orders WHERE id = $1");
      EXPECT_DOUBLE_EQ(s.mean_seconds, 0.3);
      EXPECT_DOUBLE_EQ(s.calls, 10);
      EXPECT_DOUBLE_EQ(s.cache_hit_ratio, 0.5);
      EXPECT_DOUBLE_EQ(s.max_seconds, -1);
    } else if (s.queryid == "7") {
      EXPECT_EQ(s.query, "SELECT report");
    } else {
      EXPECT_EQ(s.query, "");
    }
  }
}

TEST(BuildDbSnapshot, TablesAndIndexesAreLastKnownValues) {
  DbSnapshot snap = BuildDbSnapshot(With(
      Up(), {
                S("table_size_bytes", Table("orders"), 1e9, kOlder),
                S("table_live_tuples", Table("orders"), 1000),
                S("table_dead_tuples", Table("orders"), 200),
                S("table_seq_scan_total", Table("orders"), 4),
                S("table_seq_tup_read_total", Table("orders"), 10),
                S("table_last_vacuum_timestamp_seconds", Table("orders"), 1.7e9),
                S("index_scans_total", Index("orders_pkey", "primary"), 5, kOlder),
                S("index_size_bytes", Index("orders_pkey", "primary"), 8192),
            }));
  ASSERT_EQ(snap.tables.size(), 1u);
  const DbTable& t = snap.tables[0];
  EXPECT_EQ(t.table, "orders");
  EXPECT_DOUBLE_EQ(t.size_bytes, 1e9);
  EXPECT_DOUBLE_EQ(t.last_vacuum_s, 1.7e9);
  EXPECT_DOUBLE_EQ(t.idx_scans, -1);
  EXPECT_DOUBLE_EQ(SeqScanAvgRows(t), 2.5);
  EXPECT_DOUBLE_EQ(DeadTupleRatio(t), 0.2);
  ASSERT_EQ(snap.indexes.size(), 1u);
  EXPECT_EQ(snap.indexes[0].kind, "primary");
  EXPECT_DOUBLE_EQ(snap.indexes[0].scans, 5);
  EXPECT_DOUBLE_EQ(snap.indexes[0].size_bytes, 8192);
}

TEST(BuildDbSnapshot, IgnoresOtherMetricsAndSeriesWithoutTarget) {
  DbSnapshot snap = BuildDbSnapshot(
      {{{"node_load1", MakeLabels({{"host", "db-1"}})}, {{kScrape, 1}}},
       {{"scout_postgres_up", MakeLabels({{"host", "db-1"}})}, {{kScrape, 1}}}});
  EXPECT_TRUE(snap.targets.empty());
}

// ---- Advice: statements (the guide's slow_queries CTE) ----

TEST(Advise, LowCacheHitOnlyForSlowStatementsAndBelow95Percent) {
  EXPECT_EQ(Count(AdviseOn(Statement("1", 0.2, 10, 0.94)), "statement_low_cache_hit"), 1);
  EXPECT_EQ(Count(AdviseOn(Statement("1", 0.2, 10, 0.95)), "statement_low_cache_hit"), 0);
  // Mean exactly 100 ms is not in the CTE (mean_exec_time > 100).
  EXPECT_EQ(Count(AdviseOn(Statement("1", 0.1, 10, 0.5)), "statement_low_cache_hit"), 0);
  EXPECT_EQ(Count(AdviseOn(Statement("1", 0.1001, 10, 0.5)), "statement_low_cache_hit"), 1);
  // No blocks touched: no ratio, no finding (NULL < 95 is not true).
  EXPECT_EQ(Count(AdviseOn(Statement("1", 0.5, 10)), "statement_low_cache_hit"), 0);

  auto advice = AdviseOn(Statement("42", 0.25, 10, 0.8));
  const Advice* a = Find(advice, "statement_low_cache_hit");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->severity, Severity::kWarning);
  EXPECT_EQ(a->finding, "Low cache hit ratio - consider indexing");
  EXPECT_EQ(a->object, "statement 42 (app@shop)");
  EXPECT_EQ(a->detail, "cache hit 80.0% (< 95%) at mean 250 ms");
  EXPECT_DOUBLE_EQ(a->value, 0.8);
}

TEST(Advise, VerySlowAboveOneSecondIsCritical) {
  EXPECT_EQ(Count(AdviseOn(Statement("1", 1.0, 5)), "statement_very_slow"), 0);
  auto advice = AdviseOn(Statement("1", 1.001, 5));
  const Advice* a = Find(advice, "statement_very_slow");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->severity, Severity::kCritical);
  EXPECT_EQ(a->finding, "Very slow - urgent optimization needed");
  EXPECT_EQ(a->detail, "mean 1.00 s (> 1 s), max 3.00 s, 5 calls");
}

TEST(Advise, HighFrequencySlowNeedsBothCallsAndMean) {
  EXPECT_EQ(Count(AdviseOn(Statement("1", 0.2, 1000)), "statement_high_frequency"), 0);
  EXPECT_EQ(Count(AdviseOn(Statement("1", 0.2, 1001)), "statement_high_frequency"), 1);
  EXPECT_EQ(Count(AdviseOn(Statement("1", 0.1, 5000)), "statement_high_frequency"), 0);
  const auto advice = AdviseOn(Statement("1", 0.2, 5000));
  EXPECT_EQ(Find(advice, "statement_high_frequency")->finding, "High frequency slow query");
  EXPECT_DOUBLE_EQ(Find(advice, "statement_high_frequency")->value, 5000);
}

TEST(Advise, RulesApplyIndependentlyAndCarryTheQueryText) {
  auto series = Statement("9", 2.0, 2000, 0.5);
  Labels info = Stmt("9");
  info.emplace_back("query", "SELECT slow()");
  series.push_back(S("statement_info", info, 1));
  const auto advice = AdviseOn(series);
  EXPECT_EQ(Count(advice, "statement_low_cache_hit"), 1);
  EXPECT_EQ(Count(advice, "statement_very_slow"), 1);
  EXPECT_EQ(Count(advice, "statement_high_frequency"), 1);
  EXPECT_EQ(advice.front().severity, Severity::kCritical);  // sorted by severity
  EXPECT_EQ(Find(advice, "statement_very_slow")->query, "SELECT slow()");
}

TEST(Advise, FastStatementsProduceNothing) {
  EXPECT_TRUE(AdviseOn(Statement("1", 0.05, 1e6, 0.5)).empty());
}

TEST(Advise, AverageQueryTimeKpi) {
  EXPECT_EQ(Count(AdviseOn({S("statements_mean_seconds", {}, 0.0999)}), "average_query_time"), 0);
  EXPECT_EQ(Count(AdviseOn({S("statements_mean_seconds", {}, 0.1)}), "average_query_time"), 1);
}

// ---- Advice: tables and indexes ----

std::vector<SeriesPoints> SeqScans(double scans, double rows_read) {
  return {S("table_seq_scan_total", Table("events"), scans),
          S("table_seq_tup_read_total", Table("events"), rows_read)};
}

TEST(Advise, ConsiderAddingIndexAbove1000ScansAveraging10000Rows) {
  EXPECT_EQ(Count(AdviseOn(SeqScans(1001, 1001 * 10001.0)), "table_seq_scans"), 1);
  EXPECT_EQ(Count(AdviseOn(SeqScans(1000, 1000 * 50000.0)), "table_seq_scans"), 0);
  EXPECT_EQ(Count(AdviseOn(SeqScans(5000, 5000 * 10000.0)), "table_seq_scans"), 0);
  EXPECT_EQ(Count(AdviseOn(SeqScans(0, 0)), "table_seq_scans"), 0);
  const auto advice = AdviseOn(SeqScans(2000, 2000 * 25000.0));
  const Advice* a = Find(advice, "table_seq_scans");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->finding, "Consider adding index");
  EXPECT_EQ(a->object, "table shop.public.events");
  EXPECT_EQ(a->detail, "2000 seq scans (> 1000) averaging 25000 rows (> 10000)");
  EXPECT_DOUBLE_EQ(a->value, 25000);
}

std::vector<SeriesPoints> Tuples(double live, double dead) {
  return {S("table_live_tuples", Table("orders"), live),
          S("table_dead_tuples", Table("orders"), dead)};
}

TEST(Advise, NeedsVacuumWhenDeadTuplesExceedTenPercentOfLive) {
  EXPECT_EQ(Count(AdviseOn(Tuples(10000, 1000)), "table_needs_vacuum"), 0);
  EXPECT_EQ(Count(AdviseOn(Tuples(10000, 1001)), "table_needs_vacuum"), 1);
  EXPECT_EQ(Count(AdviseOn(Tuples(0, 0)), "table_needs_vacuum"), 0);
  EXPECT_EQ(Count(AdviseOn(Tuples(0, 5)), "table_needs_vacuum"), 1);
  EXPECT_EQ(Count(AdviseOn({S("table_dead_tuples", Table("orders"), 50)}), "table_needs_vacuum"),
            0);  // live unknown
  const auto advice = AdviseOn(Tuples(10000, 1500));
  const Advice* a = Find(advice, "table_needs_vacuum");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->finding, "Needs VACUUM");
  EXPECT_EQ(a->detail, "1500 dead tuples, 15.0% of 10000 live (> 10%)");
  EXPECT_DOUBLE_EQ(a->value, 0.15);
}

TEST(Advise, UnusedIndexOnlyForPlainIndexes) {
  const auto advice = AdviseOn({
      S("index_scans_total", Index("orders_note_idx", "index"), 0),
      S("index_size_bytes", Index("orders_note_idx", "index"), 16 * 1048576.0),
      S("index_scans_total", Index("orders_pkey", "primary"), 0),
      S("index_scans_total", Index("orders_ref_key", "unique"), 0),
      S("index_scans_total", Index("orders_busy_idx", "index"), 1),
  });
  ASSERT_EQ(Count(advice, "index_unused"), 1);
  const Advice* a = Find(advice, "index_unused");
  EXPECT_EQ(a->object, "index shop.public.orders_note_idx on orders");
  EXPECT_EQ(a->finding, "Unused index - consider dropping");
  EXPECT_EQ(a->detail, "0 scans, size 16.0 MiB");
}

// ---- Advice: connections, locks, long-running queries, availability ----

TEST(Advise, ConnectionUsageWarningAt80CriticalAt90) {
  auto used = [](double ratio) {
    return AdviseOn({S("connections_used_ratio", {}, ratio), S("max_connections", {}, 100),
                     S("connections", {{"state", "idle"}}, ratio * 100)});
  };
  EXPECT_EQ(Count(used(0.79), "connections_high"), 0);
  ASSERT_EQ(Count(used(0.80), "connections_high"), 1);
  EXPECT_EQ(Find(used(0.80), "connections_high")->severity, Severity::kWarning);
  EXPECT_EQ(Find(used(0.899), "connections_high")->severity, Severity::kWarning);
  EXPECT_EQ(Find(used(0.90), "connections_high")->severity, Severity::kCritical);
  EXPECT_EQ(Find(used(0.85), "connections_high")->detail,
            "85 of 100 connections used (85.0%; KPI < 80%)");
}

TEST(Advise, LockWaitsAgainstTheKpiAndTheBlockingAlert) {
  auto wait = [](double s) { return AdviseOn({S("lock_wait_seconds", Lock("101"), s)}); };
  EXPECT_TRUE(wait(0.99).empty());
  ASSERT_EQ(Count(wait(1.0), "lock_wait"), 1);
  EXPECT_EQ(Find(wait(1.0), "lock_wait")->severity, Severity::kWarning);
  EXPECT_EQ(Count(wait(29.9), "lock_blocking"), 0);
  const auto advice = wait(30);
  const Advice* a = Find(advice, "lock_blocking");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->severity, Severity::kCritical);
  EXPECT_EQ(a->object, "pid 101 blocked by pid 900");
  EXPECT_EQ(a->detail,
            "pid 101 (app) waits 30.00 s for RowExclusiveLock held by pid 900 (admin, idle in "
            "transaction)");
  EXPECT_EQ(a->query, "LOCK orders");
  // A wait from an earlier scrape is over.
  EXPECT_TRUE(AdviseOn({S("lock_wait_seconds", Lock("101"), 300, kOlder)}).empty());
}

TEST(Advise, EveryCurrentLongRunningQuery) {
  const auto advice = AdviseOn({S("long_running_query_seconds", Long("77"), 725),
                                S("long_running_query_seconds", Long("78"), 999, kOlder)});
  ASSERT_EQ(Count(advice, "long_running_query"), 1);
  const Advice* a = Find(advice, "long_running_query");
  EXPECT_EQ(a->object, "pid 77 (app@shop)");
  EXPECT_EQ(a->detail, "running 12m5s, state active");
  EXPECT_EQ(a->query, "SELECT pg_sleep($1)");
}

TEST(Advise, DownTargetAndMissingPgStatStatements) {
  auto down = Advise(BuildDbSnapshot(Up(0)));
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0].rule, "target_down");
  EXPECT_EQ(down[0].severity, Severity::kCritical);
  const auto missing = AdviseOn({S("stat_statements_available", {}, 0)});
  ASSERT_EQ(Count(missing, "stat_statements_missing"), 1);
  EXPECT_NE(Find(missing, "stat_statements_missing")->detail.find("shared_preload_libraries"),
            std::string::npos);
  EXPECT_TRUE(AdviseOn({S("stat_statements_available", {}, 1)}).empty());
}

TEST(Advise, SortedBySeverityThenTarget) {
  const auto advice = AdviseOn({
      S("index_scans_total", Index("a_idx", "index"), 0),          // info
      S("long_running_query_seconds", Long("1"), 400),             // warning
      S("statement_mean_seconds", Stmt("1"), 3),                   // critical
  });
  ASSERT_EQ(advice.size(), 3u);
  EXPECT_EQ(advice[0].severity, Severity::kCritical);
  EXPECT_EQ(advice[1].severity, Severity::kWarning);
  EXPECT_EQ(advice[2].severity, Severity::kInfo);
  EXPECT_STREQ(SeverityName(advice[0].severity), "CRITICAL");
}

}  // namespace
}  // namespace scout::guide
