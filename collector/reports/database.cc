#include "collector/reports/database.h"

#include <algorithm>
#include <map>
#include <utility>

#include "collector/reports/report_util.h"
#include "shared/guide/db_advice.h"
#include "shared/status_macros.h"

namespace scout::collector::reports {
namespace {

using Map = std::map<std::string, double>;

absl::StatusOr<Map> Target(ReportSource& source, const DayWindow& day, const char* metric,
                           Aggregation agg) {
  return SummaryMap(source, metric, day.start_ms, day.end_ms, agg, {"host", "target"},
                    Combine::kMax);
}

double Get(const Map& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? kNoData : it->second;
}

// Fills `field` of every target in `m` (creating targets as they appear).
void Put(const Map& m, std::map<std::string, DbTargetStats>& targets,
         double DbTargetStats::*field) {
  for (const auto& [key, v] : m) targets[key].*field = v;
}

absl::Status TargetFigures(ReportSource& source, const DayWindow& day,
                           std::map<std::string, DbTargetStats>& targets) {
  struct Want {
    const char* metric;
    Aggregation agg;
    double DbTargetStats::*field;
  };
  const Want wants[] = {
      {"scout_postgres_active_connections", Aggregation::kAvg,
       &DbTargetStats::active_connections_avg},
      {"scout_postgres_active_connections", Aggregation::kMax,
       &DbTargetStats::active_connections_peak},
      {"scout_postgres_max_connections", Aggregation::kLast, &DbTargetStats::max_connections},
      {"scout_postgres_connections_used_ratio", Aggregation::kAvg,
       &DbTargetStats::connections_used_avg},
      {"scout_postgres_connections_used_ratio", Aggregation::kMax,
       &DbTargetStats::connections_used_peak},
      {"scout_postgres_lock_wait_max_seconds", Aggregation::kMax,
       &DbTargetStats::lock_wait_max_seconds},
      {"scout_postgres_blocked_sessions", Aggregation::kMax,
       &DbTargetStats::blocked_sessions_peak},
  };
  for (const Want& w : wants) {
    auto m = Target(source, day, w.metric, w.agg);
    if (!m.ok()) return m.status();
    Put(*m, targets, w.field);
  }

  auto exec = Target(source, day, "scout_postgres_statements_exec_seconds_total",
                     Aggregation::kRate);
  if (!exec.ok()) return exec.status();
  auto calls = Target(source, day, "scout_postgres_statements_calls_total", Aggregation::kRate);
  if (!calls.ok()) return calls.status();
  auto gauge = Target(source, day, "scout_postgres_statements_mean_seconds", Aggregation::kAvg);
  if (!gauge.ok()) return gauge.status();
  for (auto& [key, t] : targets) {
    const double by_counters = SafeRatio(Get(*exec, key), Get(*calls, key));
    if (HasData(by_counters)) {
      t.avg_query_seconds = by_counters;
      t.avg_query_basis = "counters";
    } else if (HasData(Get(*gauge, key))) {
      t.avg_query_seconds = Get(*gauge, key);
      t.avg_query_basis = "gauge";
    }
  }

  // Lock incidents at minute resolution (local days start on whole minutes).
  auto blocked = source.Range("scout_postgres_blocked_sessions", day.start_ms, day.end_ms,
                              kOneMinuteMs, Aggregation::kMax);
  if (!blocked.ok()) return blocked.status();
  for (const SeriesPoints& s : *blocked) {
    DbTargetStats& t = targets[KeyOf(s.key, {"host", "target"})];
    int64_t previous_blocked = -1;
    for (const Point& p : s.points) {
      if (p.value <= 0) continue;
      ++t.blocked_minutes;
      if (p.timestamp_ms != previous_blocked + kOneMinuteMs) ++t.lock_incidents;
      previous_blocked = p.timestamp_ms;
    }
  }
  return absl::OkStatus();
}

absl::Status SlowQueries(ReportSource& source, const DayWindow& day, DatabaseSection& out) {
  const auto key_labels = {"host", "target", "queryid", "datname", "user"};
  auto summary = [&](const char* metric, Aggregation agg) {
    return SummaryMap(source, metric, day.start_ms, day.end_ms, agg, key_labels, Combine::kMax);
  };
  auto exec = summary("scout_postgres_statement_exec_seconds_total", Aggregation::kRate);
  if (!exec.ok()) return exec.status();
  auto calls = summary("scout_postgres_statement_calls_total", Aggregation::kRate);
  if (!calls.ok()) return calls.status();
  auto max = summary("scout_postgres_statement_max_seconds", Aggregation::kLast);
  if (!max.ok()) return max.status();
  auto info = source.Summarize("scout_postgres_statement_info", day.start_ms, day.end_ms,
                               Aggregation::kLast);
  if (!info.ok()) return info.status();
  std::map<std::string, std::string> texts;
  for (const SeriesPoints& s : *info) texts[KeyOf(s.key, key_labels)] = Label(s.key, "query");

  // Every statement seen that day has a mean gauge; it also names it.
  auto means = source.Summarize("scout_postgres_statement_mean_seconds", day.start_ms,
                                day.end_ms, Aggregation::kLast);
  if (!means.ok()) return means.status();
  std::vector<SlowQuery> all;
  for (const SeriesPoints& s : *means) {
    const std::string key = KeyOf(s.key, key_labels);
    const double call_rate = Get(*calls, key);
    if (HasData(call_rate) && call_rate == 0) continue;  // not called that day
    SlowQuery q;
    q.host = Label(s.key, "host");
    q.target = Label(s.key, "target");
    q.queryid = Label(s.key, "queryid");
    q.datname = Label(s.key, "datname");
    q.user = Label(s.key, "user");
    const double day_mean = SafeRatio(Get(*exec, key), call_rate);
    q.mean_seconds = HasData(day_mean) ? day_mean : s.points.front().value;
    q.mean_basis = HasData(day_mean) ? "day" : "since_reset";
    q.calls_per_hour = HasData(call_rate) ? call_rate * 3600 : kNoData;
    q.max_seconds = Get(*max, key);
    q.slow = q.mean_seconds > guide::kSlowMeanSeconds;
    auto t = texts.find(key);
    if (t != texts.end()) q.query = t->second;
    all.push_back(std::move(q));
  }
  std::sort(all.begin(), all.end(), [](const SlowQuery& a, const SlowQuery& b) {
    return a.mean_seconds != b.mean_seconds ? a.mean_seconds > b.mean_seconds
                                            : a.queryid < b.queryid;
  });
  if (all.size() > kTopSlowQueries) all.resize(kTopSlowQueries);
  out.slow_queries = std::move(all);
  return absl::OkStatus();
}

absl::Status LockWaits(ReportSource& source, const DayWindow& day, DatabaseSection& out) {
  auto pairs = source.Summarize("scout_postgres_lock_wait_seconds", day.start_ms, day.end_ms,
                                Aggregation::kMax);
  if (!pairs.ok()) return pairs.status();
  for (const SeriesPoints& s : *pairs) {
    LockWait w;
    const SeriesKey& k = s.key;
    w.host = Label(k, "host");
    w.target = Label(k, "target");
    w.datname = Label(k, "datname");
    w.locktype = Label(k, "locktype");
    w.mode = Label(k, "mode");
    w.blocked_pid = Label(k, "blocked_pid");
    w.blocked_user = Label(k, "blocked_user");
    w.blocked_query = Label(k, "blocked_query");
    w.blocking_pid = Label(k, "blocking_pid");
    w.blocking_user = Label(k, "blocking_user");
    w.blocking_query = Label(k, "blocking_query");
    w.max_wait_seconds = s.points.front().value;
    out.lock_waits.push_back(std::move(w));
  }
  std::sort(out.lock_waits.begin(), out.lock_waits.end(),
            [](const LockWait& a, const LockWait& b) {
              return a.max_wait_seconds > b.max_wait_seconds;
            });
  if (out.lock_waits.size() > kTopLockWaits) out.lock_waits.resize(kTopLockWaits);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DatabaseSection> ComputeDatabase(ReportSource& source, const DayWindow& day) {
  DatabaseSection out;
  std::map<std::string, DbTargetStats> targets;
  SCOUT_RETURN_IF_ERROR(TargetFigures(source, day, targets));
  for (auto& [key, t] : targets) {
    const size_t sep = key.find('\x1f');
    t.host = key.substr(0, sep);
    t.target = key.substr(sep + 1);
    out.targets.push_back(std::move(t));
  }
  SCOUT_RETURN_IF_ERROR(SlowQueries(source, day, out));
  SCOUT_RETURN_IF_ERROR(LockWaits(source, day, out));

  // `sctl db advise` on the last snapshot of the day.
  out.advice_at_ms = day.end_ms - 1;
  auto latest = source.Latest("{__name__=~\"scout_postgres_.*\"}", out.advice_at_ms,
                              kSampleLookbackMs);
  if (!latest.ok()) return latest.status();
  out.advice = guide::Advise(guide::BuildDbSnapshot(*latest));
  return out;
}

}  // namespace scout::collector::reports
