// Generated SceneScout data (events, ingestion_logs, api_logs) for the
// custom-query tests, and the figures the example queries must report,
// computed here in C++ from the generated rows.
//
// Every row is stored as created_at = t0 - age, where t0 is now() of the
// inserting transaction (kept in scenescout_fixture_meta). A later query
// transaction with now() = t0 + d sees "the last hour" as age < 3600 - d.
// Ages stay away from the window edges, so a few seconds of test run time
// never move a row across one.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

namespace scout::agent::pgtest {

struct EventRow {
  std::string source;
  double age_s;
  std::optional<int> duration_ms;
};
struct IngestionLogRow {
  std::string source;
  std::optional<std::string> error_type;
  std::string status;
  double age_s;
};
struct ApiLogRow {
  std::string source;
  std::optional<int> response_ms;
  std::string status;
  double age_s;
};

struct SceneScoutData {
  std::vector<EventRow> events;
  std::vector<IngestionLogRow> ingestion_logs;
  std::vector<ApiLogRow> api_logs;
};

// Deterministic data: five event sources, one ("songkick") silent for more
// than 3 h, one ("eventful") whose recent events have no duration; errors of
// several types (one NULL) inside and outside 24 h; API calls with mixed
// statuses and latencies (some NULL) inside and outside the last hour, some
// of them yesterday.
inline SceneScoutData GenerateSceneScoutData(uint32_t seed = 20240601) {
  std::mt19937 rng(seed);
  const auto uniform = [&rng](double lo, double hi) {
    // Whole milliseconds, so t0 - age is exact in microseconds.
    const auto ms = std::uniform_int_distribution<int64_t>(static_cast<int64_t>(lo * 1000),
                                                           static_cast<int64_t>(hi * 1000))(rng);
    return static_cast<double>(ms) / 1000.0;
  };
  const auto chance = [&rng](double p) { return std::bernoulli_distribution(p)(rng); };
  const auto integer = [&rng](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  // Recent: inside the last hour; older: between 1 h and 30 h (not near 1 h or 24 h).
  const auto recent_age = [&] { return uniform(5, 3400); };
  const auto older_age = [&] {
    return chance(0.5) ? uniform(3800, 86000) : uniform(87000, 30 * 3600.0);
  };

  SceneScoutData d;
  struct SourcePlan {
    const char* name;
    int recent, older;
    double null_duration;  // share of rows without ingestion_duration_ms
    double min_older_age;
  };
  const SourcePlan plans[] = {
      {"ticketmaster", 700, 300, 0.0, 0},
      {"eventbrite", 400, 200, 0.05, 0},
      {"meetup", 60, 100, 0.2, 0},
      {"eventful", 10, 5, 1.0, 0},
      {"songkick", 0, 150, 0.0, 3 * 3600.0 + 300},  // silent for more than 3 h
  };
  for (const SourcePlan& p : plans) {
    for (int i = 0; i < p.recent + p.older; ++i) {
      double age = i < p.recent ? recent_age() : older_age();
      while (age < p.min_older_age) age = older_age();
      std::optional<int> duration;
      if (!chance(p.null_duration)) duration = integer(40, 4000);
      d.events.push_back({p.name, age, duration});
    }
  }

  const char* const error_sources[] = {"ticketmaster", "eventbrite", "meetup"};
  const std::optional<std::string> error_types[] = {std::string("timeout"),
                                                    std::string("rate_limit"),
                                                    std::string("parse_error"), std::nullopt};
  for (const char* source : error_sources) {
    for (int i = 0; i < 40; ++i) {
      const double age = chance(0.75) ? uniform(60, 86000) : uniform(87000, 40 * 3600.0);
      const bool error = chance(0.6);
      d.ingestion_logs.push_back(
          {source, error ? error_types[integer(0, 3)] : std::nullopt, error ? "error" : "success",
           age});
    }
  }
  // One type that only failed more than 24 h ago: must not be reported.
  d.ingestion_logs.push_back({"songkick", std::string("auth"), "error", 90000});

  const struct {
    const char* name;
    int recent, older, lo_ms, hi_ms;
    double success;
  } apis[] = {{"ticketmaster", 120, 80, 150, 2500, 0.97},
              {"eventbrite", 90, 60, 400, 9000, 0.8},
              {"meetup", 30, 30, 100, 1200, 0.99}};
  const char* const failures[] = {"error", "timeout", "rate_limited"};
  for (const auto& a : apis) {
    for (int i = 0; i < a.recent + a.older; ++i) {
      std::optional<int> response;
      if (!chance(0.03)) response = integer(a.lo_ms, a.hi_ms);
      const std::string status = chance(a.success) ? "success" : failures[integer(0, 2)];
      d.api_logs.push_back({a.name, response, status, i < a.recent ? recent_age() : older_age()});
    }
  }
  // An API source called only more than an hour ago.
  d.api_logs.push_back({"songkick", 800, "success", 5 * 3600.0});
  return d;
}

inline std::string Quote(pqxx::transaction_base& tx, const std::optional<std::string>& s) {
  return s ? tx.quote(*s) : "NULL";
}
inline std::string Num(const std::optional<int>& v) { return v ? std::to_string(*v) : "NULL"; }
inline std::string CreatedAt(double age_s) {
  return "now() - make_interval(secs => " + std::to_string(age_s) + ")";
}

// Creates the tables (with the indexes examples/scenescout-queries.yaml
// recommends) and inserts `d` in one transaction; its now() becomes
// scenescout_fixture_meta.t0.
inline void LoadSceneScoutData(pqxx::connection& c, const SceneScoutData& d) {
  pqxx::work tx(c);
  tx.exec(
      "DROP TABLE IF EXISTS events, ingestion_logs, api_logs, scenescout_fixture_meta;"
      "CREATE TABLE events (source text, created_at timestamptz NOT NULL,"
      "  ingestion_duration_ms integer);"
      "CREATE TABLE ingestion_logs (source text, error_type text, status text,"
      "  created_at timestamptz NOT NULL);"
      "CREATE TABLE api_logs (source text, response_time_ms integer, status text,"
      "  created_at timestamptz NOT NULL);"
      "CREATE INDEX ON events (created_at);"
      "CREATE INDEX ON events (source, created_at) INCLUDE (ingestion_duration_ms);"
      "CREATE INDEX ON ingestion_logs (created_at) WHERE status = 'error';"
      "CREATE INDEX ON api_logs (created_at);"
      "CREATE TABLE scenescout_fixture_meta AS SELECT now() AS t0;");
  std::string sql = "INSERT INTO events (source, created_at, ingestion_duration_ms) VALUES ";
  for (size_t i = 0; i < d.events.size(); ++i) {
    const EventRow& e = d.events[i];
    sql += (i ? "," : "") + ("(" + tx.quote(e.source) + "," + CreatedAt(e.age_s) + "," +
                             Num(e.duration_ms) + ")");
  }
  tx.exec(sql);
  sql = "INSERT INTO ingestion_logs (source, error_type, status, created_at) VALUES ";
  for (size_t i = 0; i < d.ingestion_logs.size(); ++i) {
    const IngestionLogRow& l = d.ingestion_logs[i];
    sql += (i ? "," : "") + ("(" + tx.quote(l.source) + "," + Quote(tx, l.error_type) + "," +
                             tx.quote(l.status) + "," + CreatedAt(l.age_s) + ")");
  }
  tx.exec(sql);
  sql = "INSERT INTO api_logs (source, response_time_ms, status, created_at) VALUES ";
  for (size_t i = 0; i < d.api_logs.size(); ++i) {
    const ApiLogRow& a = d.api_logs[i];
    sql += (i ? "," : "") + ("(" + tx.quote(a.source) + "," + Num(a.response_ms) + "," +
                             tx.quote(a.status) + "," + CreatedAt(a.age_s) + ")");
  }
  tx.exec(sql);
  tx.exec("ANALYZE events; ANALYZE ingestion_logs; ANALYZE api_logs;");
  tx.commit();
}

// Times, as seen by the transaction that runs the queries.
struct QueryClock {
  double t0 = 0;        // epoch seconds of the loading transaction's now()
  double d = 0;         // its now() minus t0
  double midnight = 0;  // epoch seconds of current_date (session TimeZone)
};

inline QueryClock ReadQueryClock(pqxx::transaction_base& tx) {
  const pqxx::row r = tx.exec1(
      "SELECT extract(epoch FROM t0)::float8, extract(epoch FROM now() - t0)::float8,"
      " extract(epoch FROM current_date::timestamptz)::float8 FROM scenescout_fixture_meta");
  return {r[0].as<double>(), r[1].as<double>(), r[2].as<double>()};
}

// What the example queries must report, per label set.
struct SceneScoutExpected {
  struct Source {
    int64_t events_last_hour = 0;
    std::optional<double> avg_ingestion_seconds;
    double last_event_age_seconds = 0;
  };
  struct Errors {
    int64_t count = 0;
    double last_timestamp_seconds = 0;
  };
  struct Api {
    int64_t requests = 0;
    std::optional<double> avg_response_seconds;
    double success_ratio = 0;
  };
  int64_t events_last_hour = 0;
  double freshness_lag_seconds = 0;
  std::map<std::string, Source> sources;
  std::map<std::pair<std::string, std::string>, Errors> errors;  // (source, error_type or "")
  std::map<std::string, Api> apis;
  int64_t today_events = 0;
  int64_t today_active_sources = 0;
  std::optional<double> today_api_avg_response_seconds;
  std::optional<double> today_api_avg_success_ratio;
};

inline SceneScoutExpected ComputeExpected(const SceneScoutData& data, const QueryClock& clk) {
  SceneScoutExpected x;
  const auto last_hour = [&clk](double age) { return age < 3600 - clk.d; };
  const auto last_day = [&clk](double age) { return age < 86400 - clk.d; };
  const auto today = [&clk](double age) { return clk.t0 - age >= clk.midnight; };

  double newest = 1e300;
  std::map<std::string, std::pair<double, int64_t>> duration_sum;  // ms sum, count
  std::set<std::string> today_sources;
  for (const EventRow& e : data.events) {
    newest = std::min(newest, e.age_s);
    auto [it, inserted] = x.sources.try_emplace(e.source);
    SceneScoutExpected::Source& s = it->second;
    if (inserted || e.age_s + clk.d < s.last_event_age_seconds) {
      s.last_event_age_seconds = e.age_s + clk.d;
    }
    if (last_hour(e.age_s)) {
      ++x.events_last_hour;
      ++s.events_last_hour;
      if (e.duration_ms) {
        duration_sum[e.source].first += *e.duration_ms;
        ++duration_sum[e.source].second;
      }
    }
    if (today(e.age_s)) {
      ++x.today_events;
      today_sources.insert(e.source);
    }
  }
  x.freshness_lag_seconds = newest + clk.d;
  x.today_active_sources = static_cast<int64_t>(today_sources.size());
  for (const auto& [source, sum] : duration_sum) {
    x.sources[source].avg_ingestion_seconds = sum.first / static_cast<double>(sum.second) / 1000.0;
  }

  for (const IngestionLogRow& l : data.ingestion_logs) {
    if (l.status != "error" || !last_day(l.age_s)) continue;
    auto [it, inserted] = x.errors.try_emplace({l.source, l.error_type.value_or("")});
    ++it->second.count;
    const double ts = clk.t0 - l.age_s;
    if (inserted || ts > it->second.last_timestamp_seconds) it->second.last_timestamp_seconds = ts;
  }

  struct ApiSums {
    int64_t n = 0, ok = 0, timed = 0;
    double ms = 0;
  };
  std::map<std::string, ApiSums> hour, day;
  for (const ApiLogRow& a : data.api_logs) {
    for (auto [in, sums] : {std::pair{last_hour(a.age_s), &hour}, std::pair{today(a.age_s), &day}}) {
      if (!in) continue;
      ApiSums& s = (*sums)[a.source];
      ++s.n;
      if (a.status == "success") ++s.ok;
      if (a.response_ms) {
        ++s.timed;
        s.ms += *a.response_ms;
      }
    }
  }
  for (const auto& [source, s] : hour) {
    SceneScoutExpected::Api& api = x.apis[source];
    api.requests = s.n;
    if (s.timed > 0) api.avg_response_seconds = s.ms / static_cast<double>(s.timed) / 1000.0;
    api.success_ratio = static_cast<double>(s.ok) / static_cast<double>(s.n);
  }
  double response_sum = 0, ratio_sum = 0;
  int timed_sources = 0;
  for (const auto& [source, s] : day) {
    ratio_sum += static_cast<double>(s.ok) / static_cast<double>(s.n);
    if (s.timed > 0) {
      response_sum += s.ms / static_cast<double>(s.timed) / 1000.0;
      ++timed_sources;
    }
  }
  if (!day.empty()) x.today_api_avg_success_ratio = ratio_sum / static_cast<double>(day.size());
  if (timed_sources > 0) x.today_api_avg_response_seconds = response_sum / timed_sources;
  return x;
}

}  // namespace scout::agent::pgtest
