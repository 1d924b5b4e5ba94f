#include "tests/reports/report_fixture.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace scout::testing {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kMiB = 1024.0 * 1024.0;

// Deterministic noise in [0, 1).
double Noise(uint64_t a, uint64_t b) {
  uint64_t z = a * 0x9E3779B97F4A7C15ULL + b + 0x632BE59BD9B4E019ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) / 9007199254740992.0;
}

uint64_t Hash(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

// The lock day's features, in minutes since its local midnight.
int64_t g_lock_day_minute = 0;  // set by GenerateFixture (tests are single-threaded)
bool InLockDay(int64_t minute, int64_t from, int64_t to) {
  const int64_t rel = minute - g_lock_day_minute;
  return rel >= from && rel < to;
}

class Builder {
 public:
  SeriesPoints& Series(const std::string& metric,
                       std::vector<std::pair<std::string, std::string>> labels) {
    SeriesKey key{metric, MakeLabels(std::move(labels))};
    const std::string id = SeriesKeyString(key);
    auto it = index_.find(id);
    if (it != index_.end()) return out_[it->second];
    index_[id] = out_.size();
    out_.push_back({std::move(key), {}});
    return out_.back();
  }
  void Add(const std::string& metric, std::vector<std::pair<std::string, std::string>> labels,
           int64_t t, double v) {
    Series(metric, std::move(labels)).points.push_back({t, v});
  }
  std::vector<SeriesPoints> Take() { return std::move(out_); }

 private:
  std::map<std::string, size_t> index_;
  std::vector<SeriesPoints> out_;
};

void Hosts(Builder& b, int64_t t, int64_t m) {
  const double phase = 2 * kPi * static_cast<double>(m % 1440) / 1440.0;
  struct H {
    const char* host;
    double cpu_base, cpu_amp, mem_base, mem_amp;
  };
  const H hosts[] = {{"web-1", 0.50, 0.35, 0.60, 0.10},
                     {"web-2", 0.30, 0.10, 0.78, 0.06},
                     {"db-1", 0.62, 0.15, 0.70, 0.05}};
  for (const H& h : hosts) {
    const uint64_t seed = Hash(h.host);
    const double cpu = std::clamp(
        h.cpu_base + h.cpu_amp * std::sin(phase) + 0.05 * (Noise(seed, m) - 0.5), 0.0, 1.0);
    const double mem = h.mem_base + h.mem_amp * Noise(seed + 1, m);
    b.Add("node_cpu_usage_ratio", {{"host", h.host}}, t, cpu);
    b.Add("node_memory_used_ratio", {{"host", h.host}}, t, mem);
    b.Add("node_filesystem_used_ratio",
          {{"host", h.host}, {"mountpoint", "/"}, {"device", "/dev/sda1"}, {"fstype", "ext4"}}, t,
          0.40 + 0.01 * Noise(seed + 2, m));
    // db-1's /data fills up slowly: 80 % rising by 0.5 % a day.
    const double data = std::string(h.host) == "db-1" ? 0.80 + 0.005 * (m % 100000) / 1440.0
                                                       : 0.20;
    b.Add("node_filesystem_used_ratio",
          {{"host", h.host}, {"mountpoint", "/data"}, {"device", "/dev/sdb1"}, {"fstype", "xfs"}},
          t, data);
  }
}

void Probes(Builder& b, int64_t t, int64_t m) {
  struct P {
    const char* probe;
    const char* target;
    const char* protocol;
    const char* kind;
    double base, spread;
  };
  const P probes[] = {
      {"home", "https://scenescout.app/", "http", "", 0.15, 0.25},
      {"events-api", "https://scenescout.app/api/events", "http", "", 0.20, 0.30},
      {"search", "https://scenescout.app/search", "http", "", 1.00, 2.50},
      {"ticketmaster", "https://app.ticketmaster.com/discovery/v2/", "http", "api", 0.80, 0.70},
      {"db-port", "db-1:5432", "tcp", "", 0.002, 0.006},
  };
  for (const P& p : probes) {
    std::vector<std::pair<std::string, std::string>> labels = {
        {"host", "web-1"}, {"probe", p.probe}, {"target", p.target}, {"protocol", p.protocol}};
    if (p.kind[0] != '\0') labels.emplace_back("kind", p.kind);
    const bool fails = std::string(p.probe) == "events-api" && m % 50 == 7;  // 2 %
    const double duration = fails ? 10.0 : p.base + p.spread * Noise(Hash(p.probe), m);
    b.Add("scout_probe_success", labels, t, fails ? 0 : 1);
    b.Add("scout_probe_duration_seconds", labels, t, duration);
  }
}

struct Statement {
  const char* queryid;
  const char* query;
  double mean;     // seconds per call
  int calls;       // per minute
  bool odd_days;   // only called on odd days (since the epoch)
};
const Statement kStatements[] = {
    {"101", "SELECT * FROM events WHERE city = $1 ORDER BY starts_at", 0.25, 10, false},
    {"102", "UPDATE sources SET last_seen = $1 WHERE id = $2", 0.01, 50, false},
    {"103", "SELECT count(*) FROM api_logs WHERE created_at > $1", 1.5, 1, true},
};

struct PgState {
  double calls = 0, exec = 0;
  std::map<std::string, std::pair<double, double>> per_statement;  // calls, exec
};

void Postgres(Builder& b, int64_t t, int64_t m, PgState& s) {
  const std::vector<std::pair<std::string, std::string>> tl = {{"host", "db-1"},
                                                                {"target", "main"}};
  auto with = [&](std::vector<std::pair<std::string, std::string>> extra) {
    extra.insert(extra.end(), tl.begin(), tl.end());
    return extra;
  };
  b.Add("scout_postgres_up", tl, t, 1);
  b.Add("scout_postgres_active_connections", tl, t, 5 + static_cast<double>(m % 20));
  b.Add("scout_postgres_max_connections", tl, t, 100);
  const bool spike = InLockDay(m, 14 * 60, 14 * 60 + 10);
  b.Add("scout_postgres_connections_used_ratio", tl, t,
        spike ? 0.85 : (10 + static_cast<double>(m % 60)) / 100.0);
  // pg_stat_statements reset at 12:00 on the day before the lock day.
  if (m - g_lock_day_minute == -12 * 60) {
    s = PgState{};
  }
  const int64_t day = m / 1440;
  double d_calls = 0, d_exec = 0;
  for (const Statement& st : kStatements) {
    const int calls = st.odd_days && day % 2 == 0 ? 0 : st.calls;
    // The slow query is slower in the 10:00 hour (UTC) of every day.
    const double mean = st.mean * (m % 1440 >= 600 && m % 1440 < 660 ? 2 : 1);
    auto& [c, e] = s.per_statement[st.queryid];
    c += calls;
    e += calls * mean;
    d_calls += calls;
    d_exec += calls * mean;
    const auto labels = with({{"queryid", st.queryid}, {"datname", "scenescout"}, {"user", "app"}});
    b.Add("scout_postgres_statement_info",
          with({{"queryid", st.queryid}, {"datname", "scenescout"}, {"user", "app"},
                {"query", st.query}}),
          t, 1);
    b.Add("scout_postgres_statement_calls_total", labels, t, c);
    b.Add("scout_postgres_statement_exec_seconds_total", labels, t, e);
    if (c > 0) b.Add("scout_postgres_statement_mean_seconds", labels, t, e / c);
    b.Add("scout_postgres_statement_max_seconds", labels, t, st.mean * 4);
  }
  s.calls += d_calls;
  s.exec += d_exec;
  b.Add("scout_postgres_statements_calls_total", tl, t, s.calls);
  b.Add("scout_postgres_statements_exec_seconds_total", tl, t, s.exec);
  if (d_calls > 0) b.Add("scout_postgres_statements_mean_seconds", tl, t, d_exec / d_calls);

  // Locks: 09:00-09:05 on the lock day, waits 10..50 s, 2 blocked; and
  // 15:30-15:32 one short wait.
  double lock_max = 0, blocked = 0;
  if (InLockDay(m, 9 * 60, 9 * 60 + 5)) {
    lock_max = 10.0 * static_cast<double>(m - g_lock_day_minute - 9 * 60 + 1);
    blocked = 2;
    b.Add("scout_postgres_lock_wait_seconds",
          with({{"datname", "scenescout"}, {"blocked_pid", "4242"}, {"blocked_user", "app"},
                {"blocked_query", "UPDATE events SET title = $1 WHERE id = $2"},
                {"blocking_pid", "4141"}, {"blocking_user", "etl"},
                {"blocking_state", "idle in transaction"},
                {"blocking_query", "LOCK TABLE events IN EXCLUSIVE MODE"},
                {"locktype", "relation"}, {"mode", "RowExclusiveLock"}}),
          t, lock_max);
  } else if (InLockDay(m, 15 * 60 + 30, 15 * 60 + 32)) {
    lock_max = 0.5;
    blocked = 1;
  }
  b.Add("scout_postgres_lock_wait_max_seconds", tl, t, lock_max);
  b.Add("scout_postgres_blocked_sessions", tl, t, blocked);

  // A table that needs VACUUM (dead tuples 15 % of live).
  const auto table = with({{"datname", "scenescout"}, {"schema", "public"}, {"table", "events"}});
  b.Add("scout_postgres_table_live_tuples", table, t, 10000);
  b.Add("scout_postgres_table_dead_tuples", table, t, 1500);
}

struct IngestState {
  std::map<std::string, std::vector<double>> events, requests, response_sum, successes;
  std::map<std::string, int64_t> last_event_minute;
  std::map<std::string, std::vector<double>> errors;  // by source|type, per minute
  std::map<std::string, int64_t> last_error_minute;
};

// Sum of the last `n` values of `v` (the window ending at its back).
double Tail(const std::vector<double>& v, size_t n) {
  double sum = 0;
  for (size_t i = v.size() > n ? v.size() - n : 0; i < v.size(); ++i) sum += v[i];
  return sum;
}

void Ingestion(Builder& b, int64_t t, int64_t m, IngestState& s) {
  const std::vector<std::pair<std::string, std::string>> tl = {{"host", "db-1"},
                                                                {"target", "scenescout"}};
  double all_events = 0, freshness = 1e18;
  for (const std::string& src : IngestionModel::Sources()) {
    auto& ev = s.events[src];
    auto& rq = s.requests[src];
    auto& rs = s.response_sum[src];
    auto& ok = s.successes[src];
    const double e = IngestionModel::Events(src, m);
    ev.push_back(e);
    rq.push_back(IngestionModel::Requests(src, m));
    rs.push_back(IngestionModel::ResponseSeconds(src, m) * rq.back());
    ok.push_back(IngestionModel::Successes(src, m));
    if (e > 0) s.last_event_minute[src] = m;
    auto labels = tl;
    labels.emplace_back("source", src);
    const double last_hour = Tail(ev, 60);
    all_events += last_hour;
    b.Add("scenescout_source_events_ingested_last_hour", labels, t, last_hour);
    auto last = s.last_event_minute.find(src);
    if (last != s.last_event_minute.end()) {
      const double age = static_cast<double>(m - last->second) * 60;
      freshness = std::min(freshness, age);
      b.Add("scenescout_source_last_event_age_seconds", labels, t, age);
    }
    const double req = Tail(rq, 60);
    b.Add("scenescout_api_requests_last_hour", labels, t, req);
    if (req > 0) {
      b.Add("scenescout_api_avg_response_seconds", labels, t, Tail(rs, 60) / req);
      b.Add("scenescout_api_success_ratio", labels, t, Tail(ok, 60) / req);
    }
  }
  b.Add("scenescout_events_ingested_last_hour", tl, t, all_events);
  if (freshness < 1e18) b.Add("scenescout_events_freshness_lag_seconds", tl, t, freshness);
  for (const auto& [src, type] : IngestionModel::ErrorKinds()) {
    auto& er = s.errors[src + "|" + type];
    er.push_back(IngestionModel::Errors(src, type, m));
    if (er.back() > 0) s.last_error_minute[src + "|" + type] = m;
    const double day = Tail(er, 1440);
    if (day <= 0) continue;  // the guide's query returns no row without errors
    auto labels = tl;
    labels.emplace_back("source", src);
    labels.emplace_back("error_type", type);
    b.Add("scenescout_ingestion_errors_last_24h", labels, t, day);
    b.Add("scenescout_ingestion_errors_last_timestamp_seconds", labels, t,
          static_cast<double>(s.last_error_minute[src + "|" + type]) * 60);
  }
}

void ProcessGroups(Builder& b, int64_t t, int64_t m, int64_t start_minute) {
  // web-1's node group grows 4 MiB an hour; db-1's postgres group wobbles.
  b.Add("scout_process_group_resident_memory_bytes", {{"host", "web-1"}, {"group", "node"}}, t,
        300 * kMiB + 4 * kMiB * static_cast<double>(m - start_minute) / 60.0);
  b.Add("scout_process_group_resident_memory_bytes", {{"host", "db-1"}, {"group", "postgres"}}, t,
        1024 * kMiB + 5 * kMiB * std::sin(2 * kPi * static_cast<double>(m % 1440) / 1440.0));
}

}  // namespace

const std::vector<std::string>& IngestionModel::Sources() {
  static const std::vector<std::string> kSources = {"eventbrite", "songkick", "ticketmaster"};
  return kSources;
}

double IngestionModel::Events(const std::string& source, int64_t minute) {
  if (source == "ticketmaster") return 10 + static_cast<double>((minute * 7) % 5);
  if (source == "eventbrite") return 5 + static_cast<double>(minute % 3);
  // songkick: silent from 10:00 to 13:30 on the lock day.
  if (InLockDay(minute, 10 * 60, 13 * 60 + 30)) return 0;
  return 2;
}

double IngestionModel::Requests(const std::string&, int64_t) { return 3; }

double IngestionModel::ResponseSeconds(const std::string& source, int64_t minute) {
  if (source == "ticketmaster") return 0.8 + 0.02 * static_cast<double>(minute % 10);
  if (source == "eventbrite") return 1.2 + 0.5 * Noise(7, static_cast<uint64_t>(minute));
  return 6.0 + static_cast<double>(minute % 4);  // songkick is slow
}

double IngestionModel::Successes(const std::string& source, int64_t minute) {
  if (source == "eventbrite" && minute % 20 == 0) return 2;
  return 3;
}

const std::vector<std::pair<std::string, std::string>>& IngestionModel::ErrorKinds() {
  static const std::vector<std::pair<std::string, std::string>> kKinds = {
      {"eventbrite", "timeout"}, {"ticketmaster", "rate_limit"}};
  return kKinds;
}

double IngestionModel::Errors(const std::string& source, const std::string& type,
                              int64_t minute) {
  if (source == "eventbrite" && type == "timeout") return minute % 90 == 0 ? 1 : 0;
  if (source == "ticketmaster" && type == "rate_limit") {
    return InLockDay(minute, 17 * 60, 17 * 60 + 3) ? 1 : 0;
  }
  return 0;
}

const SeriesPoints* Fixture::Find(
    const std::string& metric,
    const std::vector<std::pair<std::string, std::string>>& labels) const {
  for (const SeriesPoints& s : series) {
    if (s.key.metric != metric) continue;
    bool all = true;
    for (const auto& [name, value] : labels) all = all && LabelValue(s.key.labels, name) == value;
    if (all) return &s;
  }
  return nullptr;
}

std::vector<const SeriesPoints*> Fixture::All(const std::string& metric) const {
  std::vector<const SeriesPoints*> out;
  for (const SeriesPoints& s : series) {
    if (s.key.metric == metric) out.push_back(&s);
  }
  return out;
}

Fixture GenerateFixture(int64_t start_ms, int64_t end_ms, int64_t lock_day_start_ms) {
  g_lock_day_minute = lock_day_start_ms / kMinute;
  Fixture f;
  f.start_ms = start_ms;
  f.end_ms = end_ms;
  Builder b;
  PgState pg;
  IngestState ingest;
  const int64_t start_minute = start_ms / kMinute;
  for (int64_t t = start_ms; t < end_ms; t += kMinute) {
    const int64_t m = t / kMinute;
    Hosts(b, t, m);
    Probes(b, t, m);
    Postgres(b, t, m, pg);
    Ingestion(b, t, m, ingest);
    ProcessGroups(b, t, m, start_minute);
  }
  f.series = b.Take();

  // Alerts: per day (d % 3) + 1 HighErrorRate firings at 10:00 UTC + i min,
  // each with its pending and resolved transitions, and LockWaitCritical on
  // the lock day at 09:03 local.
  using collector::alerting::AlertTransition;
  for (int64_t day = start_ms / (1440 * kMinute); day * 1440 * kMinute < end_ms; ++day) {
    for (int64_t i = 0; i < day % 3 + 1; ++i) {
      const int64_t at = (day * 1440 + 600 + i * 5) * kMinute;
      if (at < start_ms || at >= end_ms) continue;
      const Labels labels = MakeLabels({{"alertname", "HighErrorRate"}, {"severity", "warning"},
                                        {"probe", "events-api"}, {"host", "web-1"}});
      f.transitions.push_back({at - kMinute, "fp-err", "HighErrorRate", labels, "inactive",
                               "pending", 0.02});
      f.transitions.push_back({at, "fp-err", "HighErrorRate", labels, "pending", "firing", 0.02});
      f.transitions.push_back({at + 2 * kMinute, "fp-err", "HighErrorRate", labels, "firing",
                               "resolved", 0.0});
    }
  }
  f.transitions.push_back({lock_day_start_ms + (9 * 60 + 3) * kMinute, "fp-lock",
                           "LockWaitCritical",
                           MakeLabels({{"alertname", "LockWaitCritical"},
                                       {"severity", "critical"}, {"target", "main"},
                                       {"host", "db-1"}}),
                           "inactive", "firing", 40});
  std::sort(f.transitions.begin(), f.transitions.end(),
            [](const AlertTransition& a, const AlertTransition& c) { return a.at_ms < c.at_ms; });
  return f;
}

absl::Status WriteFixture(const Fixture& f, collector::SqliteStorage& storage,
                          collector::alerting::AlertStore& alerts) {
  constexpr int64_t kDay = 1440 * kMinute;
  for (int64_t from = f.start_ms; from < f.end_ms; from += kDay) {
    collector::WriteBatch batch{"fixture", from, {}};
    for (const SeriesPoints& s : f.series) {
      SeriesPoints part{s.key, {}};
      for (const Point& p : s.points) {
        if (p.timestamp_ms >= from && p.timestamp_ms < from + kDay) part.points.push_back(p);
      }
      if (!part.points.empty()) batch.series.push_back(std::move(part));
    }
    absl::Status st = storage.Write({&batch});
    if (!st.ok()) return st;
    if (from + 2 * kDay < f.end_ms) {
      st = storage.FlushAll();
      if (!st.ok()) return st;
    }
  }
  return alerts.Save({}, {}, f.transitions);
}

}  // namespace scout::testing
