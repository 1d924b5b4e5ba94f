// Reports over a generated two-week dataset in a real SqliteStorage: the
// test computes every expected figure itself from the generated points
// (and the per-minute ingestion model), builds the daily and weekly
// reports through StorageReportSource, and checks the JSON numbers and
// that the same numbers appear in the HTML and Markdown.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "collector/reports/report.h"
#include "collector/reports/report_format.h"
#include "collector/reports/storage_report_source.h"
#include "collector/storage/sqlite_alert_store.h"
#include "collector/storage/sqlite_storage.h"
#include "shared/clock.h"
#include "tests/reports/report_fixture.h"

namespace scout::collector::reports {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;
using ::scout::testing::Fixture;
using ::scout::testing::IngestionModel;
using ::scout::testing::kMinute;
using ::testing::HasSubstr;

constexpr int64_t kHour = 60 * kMinute;
constexpr const char* kZone = "Europe/Berlin";

// Berlin is UTC+1 all of November 2026 (DST ended on October 25): local
// midnights computed here without the report's time-zone code.
int64_t LocalMidnight(int y, int m, int d) {
  return absl::ToUnixMillis(absl::FromCivil(absl::CivilDay(y, m, d), absl::FixedTimeZone(3600)));
}

struct Window {
  int64_t start, end;
};

// ---- Expected figures, from the generated points ----

std::vector<double> Values(const SeriesPoints& s, Window w) {
  std::vector<double> out;
  for (const Point& p : s.points) {
    if (p.timestamp_ms >= w.start && p.timestamp_ms < w.end) out.push_back(p.value);
  }
  return out;
}
double Mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? NAN : sum / static_cast<double>(v.size());
}
double Max(const std::vector<double>& v) {
  return v.empty() ? NAN : *std::max_element(v.begin(), v.end());
}
// Linear interpolation between closest ranks (numpy's default).
double R7(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double rank = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(rank)), hi = static_cast<size_t>(std::ceil(rank));
  return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}
// Counter increase over the window, from the last point before it (within
// 15 min), a drop counting as a restart from zero.
double Increase(const SeriesPoints& s, Window w) {
  double inc = 0;
  const Point* prev = nullptr;
  for (const Point& p : s.points) {
    if (p.timestamp_ms >= w.end) break;
    if (p.timestamp_ms < w.start) {
      if (p.timestamp_ms > w.start - 15 * kMinute) prev = &p;
      continue;
    }
    if (prev != nullptr) inc += p.value >= prev->value ? p.value - prev->value : p.value;
    prev = &p;
  }
  return inc;
}
// Minutes k with start < k*60s <= end: what the hour-end samples count.
std::vector<int64_t> CountedMinutes(Window w) {
  std::vector<int64_t> out;
  for (int64_t k = w.start / kMinute + 1; k <= w.end / kMinute; ++k) out.push_back(k);
  return out;
}

struct ExpectedEndpoint {
  double p50, p95, p99, mean, error_rate, availability;
  bool web, http, api, tcp;
};

std::map<std::string, ExpectedEndpoint> Endpoints(const Fixture& f, Window w) {
  std::map<std::string, ExpectedEndpoint> out;
  for (const SeriesPoints* d : f.All("scout_probe_duration_seconds")) {
    const std::string probe = LabelValue(d->key.labels, "probe");
    const SeriesPoints* ok = f.Find("scout_probe_success", {{"probe", probe}});
    const std::vector<double> dur = Values(*d, w);
    ExpectedEndpoint e;
    e.p50 = R7(dur, 0.5);
    e.p95 = R7(dur, 0.95);
    e.p99 = R7(dur, 0.99);
    e.mean = Mean(dur);
    e.error_rate = 1 - Mean(Values(*ok, w));
    std::map<int64_t, double> minute_min;
    for (const Point& p : ok->points) {
      if (p.timestamp_ms < w.start || p.timestamp_ms >= w.end) continue;
      auto [it, fresh] = minute_min.emplace(p.timestamp_ms / kMinute, p.value);
      if (!fresh) it->second = std::min(it->second, p.value);
    }
    int up = 0;
    for (const auto& [m, v] : minute_min) up += v >= 1 ? 1 : 0;
    e.availability = static_cast<double>(up) / static_cast<double>(minute_min.size());
    const std::string protocol = LabelValue(d->key.labels, "protocol");
    const std::string kind = LabelValue(d->key.labels, "kind");
    e.http = protocol == "http";
    e.api = kind == "api";
    e.web = e.http && !e.api;
    e.tcp = protocol == "tcp";
    out[probe] = e;
  }
  return out;
}

struct ExpectedHost {
  double cpu_avg, cpu_peak, mem_avg, mem_peak, disk_avg, disk_peak;
  std::string mount;
};

std::map<std::string, ExpectedHost> Hosts(const Fixture& f, Window w) {
  std::map<std::string, ExpectedHost> out;
  for (const SeriesPoints* c : f.All("node_cpu_usage_ratio")) {
    const std::string host = LabelValue(c->key.labels, "host");
    ExpectedHost h;
    h.cpu_avg = Mean(Values(*c, w));
    h.cpu_peak = Max(Values(*c, w));
    const auto mem = Values(*f.Find("node_memory_used_ratio", {{"host", host}}), w);
    h.mem_avg = Mean(mem);
    h.mem_peak = Max(mem);
    h.disk_peak = -1;
    for (const SeriesPoints* d : f.All("node_filesystem_used_ratio")) {
      if (LabelValue(d->key.labels, "host") != host) continue;
      const auto v = Values(*d, w);
      if (Max(v) > h.disk_peak) {
        h.disk_peak = Max(v);
        h.disk_avg = Mean(v);
        h.mount = LabelValue(d->key.labels, "mountpoint");
      }
    }
    out[host] = h;
  }
  return out;
}

struct ExpectedSource {
  double events = 0, requests = 0, response_weighted = 0, successes = 0;
  std::vector<double> hourly;
};

std::map<std::string, ExpectedSource> Sources(Window w) {
  std::map<std::string, ExpectedSource> out;
  for (const std::string& src : IngestionModel::Sources()) {
    ExpectedSource& s = out[src];
    s.hourly.assign(static_cast<size_t>((w.end - w.start) / kHour), 0);
    for (int64_t k : CountedMinutes(w)) {
      const double e = IngestionModel::Events(src, k);
      const double r = IngestionModel::Requests(src, k);
      s.events += e;
      s.hourly[static_cast<size_t>((k * kMinute - 1 - w.start) / kHour)] += e;
      s.requests += r;
      s.response_weighted += IngestionModel::ResponseSeconds(src, k) * r;
      s.successes += IngestionModel::Successes(src, k);
    }
  }
  return out;
}

struct ExpectedDay {
  double total_events = 0, active_sources = 0, api_response = 0, api_success = 0;
  double p95 = -1, error_rate = -1, availability = 2, cpu_peak = -1, memory_peak = -1;
  double alerts = 0;
};

ExpectedDay Day(const Fixture& f, Window w) {
  ExpectedDay d;
  const auto sources = Sources(w);
  for (const auto& [name, s] : sources) {
    d.total_events += s.events;
    d.active_sources += s.events > 0 ? 1 : 0;
    d.api_response += s.response_weighted / s.requests / static_cast<double>(sources.size());
    d.api_success += s.successes / s.requests / static_cast<double>(sources.size());
  }
  for (const auto& [probe, e] : Endpoints(f, w)) {
    if (e.web) d.p95 = std::max(d.p95, e.p95);
    if (e.web) d.availability = std::min(d.availability, e.availability);
    if (e.http) d.error_rate = std::max(d.error_rate, e.error_rate);
  }
  for (const auto& [host, h] : Hosts(f, w)) {
    d.cpu_peak = std::max(d.cpu_peak, h.cpu_peak);
    d.memory_peak = std::max(d.memory_peak, h.mem_peak);
  }
  for (const auto& t : f.transitions) {
    if (t.to == "firing" && t.at_ms >= w.start && t.at_ms < w.end) ++d.alerts;
  }
  return d;
}

// ---- JSON access (protobuf's Struct is a JSON tree) ----

const Value& At(const Value& v, const std::string& key) {
  static const Value kNull;
  const auto& fields = v.struct_value().fields();
  auto it = fields.find(key);
  EXPECT_NE(it, fields.end()) << "missing JSON key " << key;
  return it == fields.end() ? kNull : it->second;
}
const Value& At(const Value& v, size_t i) {
  static const Value kNull;
  EXPECT_LT(i, static_cast<size_t>(v.list_value().values_size()));
  return i < static_cast<size_t>(v.list_value().values_size()) ? v.list_value().values(static_cast<int>(i)) : kNull;
}
// The element of array `v` whose `key` is `value`.
const Value& Where(const Value& v, const std::string& key, const std::string& value) {
  static const Value kNull;
  for (const Value& e : v.list_value().values()) {
    if (At(e, key).string_value() == value) return e;
  }
  ADD_FAILURE() << "no element with " << key << " = " << value;
  return kNull;
}
double Num(const Value& v) { return v.number_value(); }

Value ParseJson(const std::string& text) {
  Value v;
  auto status = google::protobuf::util::JsonStringToMessage(text, &v);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return v;
}

#define EXPECT_CLOSE(actual, expected) \
  EXPECT_NEAR((actual), (expected), 1e-9 * std::max(1.0, std::fabs(expected)))

// ---- The dataset, written once for the whole suite ----

class ReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                     ("scout-report-test-" + std::to_string(getpid())));
    std::filesystem::remove_all(*dir_);
    std::filesystem::create_directories(*dir_);
    // Sunday 2026-11-15 00:00 (one day before ISO week 47) to Monday
    // 2026-11-30 01:00 local, so the last hour-end samples exist.
    fixture_ = new Fixture(testing::GenerateFixture(LocalMidnight(2026, 11, 15),
                                                    LocalMidnight(2026, 11, 30) + kHour,
                                                    LocalMidnight(2026, 11, 26)));
    clock_ = new ManualClock(LocalMidnight(2026, 11, 30) + 2 * kHour);
    SqliteOptions options;
    options.path = (*dir_ / "scout.db").string();
    options.synchronous_full = false;
    auto storage = SqliteStorage::Open(options, *clock_);
    ASSERT_TRUE(storage.ok()) << storage.status();
    storage_ = storage->release();
    auto alerts = SqliteAlertStore::Open(options.path);
    ASSERT_TRUE(alerts.ok()) << alerts.status();
    alerts_ = alerts->release();
    const absl::Status written = testing::WriteFixture(*fixture_, *storage_, *alerts_);
    ASSERT_TRUE(written.ok()) << written;
  }
  static void TearDownTestSuite() {
    delete alerts_;
    delete storage_;
    delete clock_;
    delete fixture_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  Report Build(ReportKind kind, const std::string& label) {
    StorageReportSource source(*storage_, alerts_);
    auto report = BuildReport({kind, label, kZone, 0}, source);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : Report{};
  }

  static std::filesystem::path* dir_;
  static Fixture* fixture_;
  static ManualClock* clock_;
  static SqliteStorage* storage_;
  static SqliteAlertStore* alerts_;
};
std::filesystem::path* ReportTest::dir_ = nullptr;
Fixture* ReportTest::fixture_ = nullptr;
ManualClock* ReportTest::clock_ = nullptr;
SqliteStorage* ReportTest::storage_ = nullptr;
SqliteAlertStore* ReportTest::alerts_ = nullptr;

TEST_F(ReportTest, DailyFiguresMatchTheGeneratedData) {
  const Window day{LocalMidnight(2026, 11, 26), LocalMidnight(2026, 11, 27)};
  const Report report = Build(ReportKind::kDaily, "2026-11-26");
  const std::string json = RenderReport(report, ReportFormat::kJson);
  const std::string html = RenderReport(report, ReportFormat::kHtml);
  const std::string md = RenderReport(report, ReportFormat::kMarkdown);
  const Value root = ParseJson(json);
  const Value& daily = At(root, "daily");
  EXPECT_EQ(At(root, "schema").string_value(), "scout.report.v1");
  EXPECT_EQ(Num(At(At(root, "period"), "start_ms")), static_cast<double>(day.start));
  EXPECT_EQ(Num(At(At(root, "period"), "end_ms")), static_cast<double>(day.end));

  // A figure is right in JSON and shows, formatted, in HTML and Markdown.
  auto check = [&](const Value& v, double expected, Unit unit, const std::string& what) {
    SCOPED_TRACE(what);
    EXPECT_CLOSE(Num(v), expected);
    const std::string text = FormatValue(unit, expected);
    EXPECT_THAT(html, HasSubstr(text));
    EXPECT_THAT(md, HasSubstr(text));
  };

  // Endpoints.
  const auto endpoints = Endpoints(*fixture_, day);
  ASSERT_EQ(At(daily, "endpoints").list_value().values_size(), 5);
  for (const auto& [probe, e] : endpoints) {
    const Value& j = Where(At(daily, "endpoints"), "probe", probe);
    check(At(j, "p50_seconds"), e.p50, Unit::kSeconds, probe + " p50");
    check(At(j, "p95_seconds"), e.p95, Unit::kSeconds, probe + " p95");
    check(At(j, "p99_seconds"), e.p99, Unit::kSeconds, probe + " p99");
    check(At(j, "error_rate"), e.error_rate, Unit::kRatio, probe + " error rate");
    check(At(j, "availability"), e.availability, Unit::kRatio, probe + " availability");
    EXPECT_CLOSE(Num(At(j, "mean_seconds")), e.mean);
    EXPECT_EQ(Num(At(j, "samples")), 1440);
  }
  EXPECT_NEAR(endpoints.at("events-api").error_rate, 0.02, 0.001);  // the fixture's 2 %

  // Hosts.
  for (const auto& [host, h] : Hosts(*fixture_, day)) {
    const Value& j = Where(At(daily, "hosts"), "host", host);
    check(At(j, "cpu_avg"), h.cpu_avg, Unit::kRatio, host + " cpu avg");
    check(At(j, "cpu_peak"), h.cpu_peak, Unit::kRatio, host + " cpu peak");
    check(At(j, "memory_avg"), h.mem_avg, Unit::kRatio, host + " memory avg");
    check(At(j, "memory_peak"), h.mem_peak, Unit::kRatio, host + " memory peak");
    check(At(j, "disk_avg"), h.disk_avg, Unit::kRatio, host + " disk avg");
    check(At(j, "disk_peak"), h.disk_peak, Unit::kRatio, host + " disk peak");
    EXPECT_EQ(At(j, "disk_mountpoint").string_value(), h.mount);
  }

  // Database.
  const Value& db = At(daily, "database");
  const Value& main = Where(At(db, "targets"), "target", "main");
  const auto tl = std::vector<std::pair<std::string, std::string>>{{"target", "main"}};
  const double avg_query =
      Increase(*fixture_->Find("scout_postgres_statements_exec_seconds_total", tl), day) /
      Increase(*fixture_->Find("scout_postgres_statements_calls_total", tl), day);
  check(At(main, "avg_query_seconds"), avg_query, Unit::kSeconds, "avg query time");
  EXPECT_EQ(At(main, "avg_query_basis").string_value(), "counters");
  check(At(main, "connections_used_peak"),
        Max(Values(*fixture_->Find("scout_postgres_connections_used_ratio", tl), day)), Unit::kRatio,
        "pool usage peak");
  check(At(main, "active_connections_avg"),
        Mean(Values(*fixture_->Find("scout_postgres_active_connections", tl), day)), Unit::kCount,
        "active connections avg");
  check(At(main, "lock_wait_max_seconds"),
        Max(Values(*fixture_->Find("scout_postgres_lock_wait_max_seconds", tl), day)),
        Unit::kSeconds, "lock wait max");
  int blocked_minutes = 0, incidents = 0;
  bool in_incident = false;
  for (double v : Values(*fixture_->Find("scout_postgres_blocked_sessions", tl), day)) {
    blocked_minutes += v > 0 ? 1 : 0;
    incidents += v > 0 && !in_incident ? 1 : 0;
    in_incident = v > 0;
  }
  EXPECT_EQ(Num(At(main, "blocked_minutes")), blocked_minutes);
  EXPECT_EQ(Num(At(main, "lock_incidents")), incidents);
  EXPECT_EQ(incidents, 2);
  // Slow queries: Δexec/Δcalls per statement over the day, slowest first.
  std::vector<std::pair<double, std::string>> statements;
  for (const SeriesPoints* calls : fixture_->All("scout_postgres_statement_calls_total")) {
    const std::string id = LabelValue(calls->key.labels, "queryid");
    const double n = Increase(*calls, day);
    if (n == 0) continue;
    statements.emplace_back(
        Increase(*fixture_->Find("scout_postgres_statement_exec_seconds_total", {{"queryid", id}}),
                 day) / n,
        id);
  }
  std::sort(statements.rbegin(), statements.rend());
  ASSERT_EQ(At(db, "slow_queries").list_value().values_size(), static_cast<int>(statements.size()));
  for (size_t i = 0; i < statements.size(); ++i) {
    const Value& q = At(At(db, "slow_queries"), i);
    EXPECT_EQ(At(q, "queryid").string_value(), statements[i].second);
    check(At(q, "mean_seconds"), statements[i].first, Unit::kSeconds, "statement mean");
    EXPECT_FALSE(At(q, "query").string_value().empty());
    EXPECT_THAT(html, HasSubstr(At(q, "query").string_value().substr(0, 20)));
  }
  EXPECT_EQ(At(At(At(db, "lock_waits"), 0), "blocking_pid").string_value(), "4141");
  EXPECT_EQ(Num(At(At(At(db, "lock_waits"), 0), "max_wait_seconds")), 50);
  EXPECT_EQ(At(Where(At(db, "advice"), "rule", "table_needs_vacuum"), "finding").string_value(),
            "Needs VACUUM");
  EXPECT_THAT(html, HasSubstr("Needs VACUUM"));

  // Ingestion.
  const Value& in = At(daily, "ingestion");
  const auto sources = Sources(day);
  double total = 0;
  for (const auto& [name, s] : sources) {
    total += s.events;
    const Value& j = Where(At(in, "sources"), "source", name);
    check(At(j, "total_events"), s.events, Unit::kCount, name + " events");
    check(At(j, "api_avg_response_seconds"), s.response_weighted / s.requests, Unit::kSeconds,
          name + " api response");
    check(At(j, "api_success_ratio"), s.successes / s.requests, Unit::kRatio, name + " success");
    for (size_t h = 0; h < s.hourly.size(); ++h) {
      EXPECT_CLOSE(Num(At(At(j, "hourly_events"), h)), s.hourly[h]);
    }
    const double max_age =
        Max(Values(*fixture_->Find("scenescout_source_last_event_age_seconds", {{"source", name}}), day));
    EXPECT_CLOSE(Num(At(j, "max_last_event_age_seconds")), max_age);
    EXPECT_EQ(At(j, "gap").bool_value(), max_age > 7200) << name;
  }
  EXPECT_TRUE(At(Where(At(in, "sources"), "source", "songkick"), "gap").bool_value());
  check(At(in, "total_events"), total, Unit::kCount, "total events");
  EXPECT_EQ(Num(At(in, "hours_sampled")), 24);
  EXPECT_EQ(Num(At(in, "active_sources")), 3);
  // Errors: the 24 h ending at the day's end.
  for (const auto& [src, type] : IngestionModel::ErrorKinds()) {
    double n = 0;
    for (int64_t k : CountedMinutes(day)) n += IngestionModel::Errors(src, type, k);
    const Value& e = Where(At(in, "errors"), "source", src);
    EXPECT_EQ(At(e, "error_type").string_value(), type);
    EXPECT_CLOSE(Num(At(e, "count")), n);
  }

  // Alerts fired that day.
  const ExpectedDay expected_day = Day(*fixture_, day);
  EXPECT_EQ(Num(At(At(daily, "alerts"), "fired_count")), expected_day.alerts);
  EXPECT_THAT(html, HasSubstr("LockWaitCritical"));

  // Process groups: first vs last hour mean.
  for (const char* group : {"node", "postgres"}) {
    const SeriesPoints* s =
        fixture_->Find("scout_process_group_resident_memory_bytes", {{"group", group}});
    const double first = Mean(Values(*s, {day.start, day.start + kHour}));
    const double last = Mean(Values(*s, {day.end - kHour, day.end}));
    const Value& j = Where(At(daily, "process_groups"), "group", group);
    EXPECT_CLOSE(Num(At(j, "growth_bytes")), last - first);
    EXPECT_EQ(At(j, "grew").bool_value(),
              last - first > 50.0 * 1024 * 1024 || (last - first) / first > 0.10)
        << group;
  }
  EXPECT_TRUE(At(Where(At(daily, "process_groups"), "group", "node"), "grew").bool_value());
  EXPECT_FALSE(At(Where(At(daily, "process_groups"), "group", "postgres"), "grew").bool_value());

  // KPI tiles: worst subject, status against the guide's thresholds.
  auto kpi = [&](const std::string& id) -> const Value& { return Where(At(daily, "kpis"), "id", id); };
  EXPECT_CLOSE(Num(At(kpi("response_time_p95"), "value")), expected_day.p95);
  EXPECT_EQ(At(kpi("response_time_p95"), "status").string_value(),
            expected_day.p95 >= 2 ? "critical" : "good");
  EXPECT_THAT(At(kpi("response_time_p95"), "subject").string_value(), HasSubstr("search"));
  EXPECT_CLOSE(Num(At(kpi("error_rate"), "value")), expected_day.error_rate);
  EXPECT_EQ(At(kpi("error_rate"), "status").string_value(), "critical");  // 2 % > 1 %
  EXPECT_CLOSE(Num(At(kpi("availability"), "value")), expected_day.availability);
  double worst_cpu_avg = 0;
  for (const auto& [host, h] : Hosts(*fixture_, day)) worst_cpu_avg = std::max(worst_cpu_avg, h.cpu_avg);
  EXPECT_CLOSE(Num(At(kpi("cpu_usage"), "value")), worst_cpu_avg);
  EXPECT_EQ(At(kpi("cpu_usage"), "status").string_value(),
            worst_cpu_avg >= 0.8 ? "critical" : worst_cpu_avg >= 0.7 ? "warning" : "good");
  EXPECT_EQ(At(kpi("db_lock_wait"), "status").string_value(), "critical");     // 50 s > 30 s
  EXPECT_EQ(At(kpi("db_connection_usage"), "status").string_value(), "warning");  // 85 %
  EXPECT_EQ(At(kpi("db_avg_query_time"), "status").string_value(),
            avg_query >= 0.1 ? "warning" : "good");
  EXPECT_CLOSE(Num(At(kpi("network_latency"), "value")), endpoints.at("db-port").mean);
  EXPECT_EQ(At(kpi("data_freshness"), "status").string_value(), "good");
  EXPECT_CLOSE(Num(At(kpi("ingestion_rate"), "value")), total / 24);
  // API response: songkick's api_logs mean (6..9 s) is the worst.
  EXPECT_CLOSE(Num(At(kpi("api_response_time"), "value")),
               sources.at("songkick").response_weighted / sources.at("songkick").requests);
  EXPECT_EQ(At(kpi("api_response_time"), "status").string_value(), "warning");
  for (const char* title : {"Good", "Warning", "Critical"}) EXPECT_THAT(html, HasSubstr(title));
}

TEST_F(ReportTest, WeeklyTableMatchesTheGeneratedData) {
  const Report report = Build(ReportKind::kWeekly, "2026-W48");
  const std::string json = RenderReport(report, ReportFormat::kJson);
  const std::string html = RenderReport(report, ReportFormat::kHtml);
  const std::string md = RenderReport(report, ReportFormat::kMarkdown);
  const Value weekly = At(ParseJson(json), "weekly");
  ASSERT_EQ(At(weekly, "days").list_value().values_size(), 7);

  std::vector<ExpectedDay> now, before;
  for (int i = 0; i < 7; ++i) {
    now.push_back(Day(*fixture_, {LocalMidnight(2026, 11, 23 + i), LocalMidnight(2026, 11, 24 + i)}));
    before.push_back(Day(*fixture_, {LocalMidnight(2026, 11, 16 + i), LocalMidnight(2026, 11, 17 + i)}));
  }
  auto check_day = [&](const Value& j, const ExpectedDay& e, bool rendered) {
    SCOPED_TRACE(At(j, "date").string_value());
    EXPECT_CLOSE(Num(At(j, "total_events")), e.total_events);
    EXPECT_CLOSE(Num(At(j, "active_sources")), e.active_sources);
    EXPECT_CLOSE(Num(At(j, "api_avg_response_seconds")), e.api_response);
    EXPECT_CLOSE(Num(At(j, "api_avg_success_ratio")), e.api_success);
    EXPECT_CLOSE(Num(At(j, "p95_latency_seconds")), e.p95);
    EXPECT_CLOSE(Num(At(j, "error_rate")), e.error_rate);
    EXPECT_CLOSE(Num(At(j, "availability")), e.availability);
    EXPECT_CLOSE(Num(At(j, "cpu_peak")), e.cpu_peak);
    EXPECT_CLOSE(Num(At(j, "memory_peak")), e.memory_peak);
    EXPECT_EQ(Num(At(j, "alerts_fired")), e.alerts);
    if (rendered) {
      for (const std::string& text :
           {FormatValue(Unit::kCount, e.total_events), FormatValue(Unit::kSeconds, e.api_response),
            FormatValue(Unit::kRatio, e.api_success), FormatValue(Unit::kSeconds, e.p95),
            FormatValue(Unit::kRatio, e.cpu_peak)}) {
        EXPECT_THAT(html, HasSubstr(text));
        EXPECT_THAT(md, HasSubstr(text));
      }
    }
  };
  for (size_t i = 0; i < 7; ++i) {
    check_day(At(At(weekly, "days"), i), now[i], true);
    check_day(At(At(weekly, "previous_days"), i), before[i], false);
  }
  EXPECT_EQ(At(At(At(weekly, "days"), 3), "date").string_value(), "2026-11-26");

  // Week rows and week-over-week change.
  auto fold = [](const std::vector<ExpectedDay>& days) {
    ExpectedDay w;
    w.p95 = w.cpu_peak = -1;
    w.api_response = w.api_success = w.error_rate = w.availability = 0;
    for (const ExpectedDay& d : days) {
      w.total_events += d.total_events;
      w.api_response += d.api_response / 7;
      w.api_success += d.api_success / 7;
      w.error_rate += d.error_rate / 7;
      w.availability += d.availability / 7;
      w.p95 = std::max(w.p95, d.p95);
      w.cpu_peak = std::max(w.cpu_peak, d.cpu_peak);
      w.alerts += d.alerts;
    }
    return w;
  };
  const ExpectedDay w_now = fold(now), w_before = fold(before);
  const Value& this_week = At(weekly, "this_week");
  EXPECT_CLOSE(Num(At(this_week, "total_events")), w_now.total_events);
  EXPECT_CLOSE(Num(At(this_week, "api_avg_response_seconds")), w_now.api_response);
  EXPECT_CLOSE(Num(At(this_week, "error_rate")), w_now.error_rate);
  EXPECT_CLOSE(Num(At(this_week, "availability")), w_now.availability);
  EXPECT_CLOSE(Num(At(this_week, "p95_latency_seconds")), w_now.p95);
  EXPECT_EQ(Num(At(this_week, "alerts_fired")), w_now.alerts);
  EXPECT_EQ(Num(At(this_week, "active_sources")), 3);
  const Value& events_change = Where(At(weekly, "changes"), "id", "total_events");
  EXPECT_CLOSE(Num(At(events_change, "change")), w_now.total_events - w_before.total_events);
  EXPECT_CLOSE(Num(At(events_change, "change_ratio")),
               (w_now.total_events - w_before.total_events) / w_before.total_events);
  const Value& alerts_change = Where(At(weekly, "changes"), "id", "alerts_fired");
  EXPECT_CLOSE(Num(At(alerts_change, "change")), w_now.alerts - w_before.alerts);
  EXPECT_THAT(html, HasSubstr("2026-W47"));
  EXPECT_THAT(md, HasSubstr("## Week over week"));
}

TEST_F(ReportTest, WeeklyRowEqualsTheDailyReportOfThatDay) {
  const Report weekly = Build(ReportKind::kWeekly, "2026-W48");
  const Report daily = Build(ReportKind::kDaily, "2026-11-26");
  const DayFigures& row = weekly.weekly->days[3];
  auto kpi = [&](const std::string& id) {
    for (const Kpi& k : daily.daily->kpis) {
      if (k.id == id) return k.value;
    }
    return kNoData;
  };
  EXPECT_EQ(row.p95_latency_seconds, kpi("response_time_p95"));
  EXPECT_EQ(row.error_rate, kpi("error_rate"));
  EXPECT_EQ(row.availability, kpi("availability"));
  EXPECT_EQ(row.total_events, daily.daily->ingestion.total_events);
}

TEST_F(ReportTest, EmptyWindowSaysNoData) {
  // A day before the dataset: every section present, saying so.
  const Report report = Build(ReportKind::kDaily, "2026-10-01");
  const std::string html = RenderReport(report, ReportFormat::kHtml);
  for (const char* text : {"No probe data for this day.", "No host data for this day.",
                           "No PostgreSQL data for this day.",
                           "No SceneScout ingestion data for this day.",
                           "No alert fired this day.", "No process group data for this day."}) {
    EXPECT_THAT(html, HasSubstr(text));
  }
  const std::string md = RenderReport(report, ReportFormat::kMarkdown);
  EXPECT_THAT(md, HasSubstr("_No probe data for this day._"));
  const Value root = ParseJson(RenderReport(report, ReportFormat::kJson));
  const Value& tile = Where(At(At(root, "daily"), "kpis"), "id", "response_time_p95");
  EXPECT_EQ(At(tile, "value").kind_case(), Value::kNullValue);
  EXPECT_EQ(At(tile, "status").string_value(), "no_data");
}

}  // namespace
}  // namespace scout::collector::reports
