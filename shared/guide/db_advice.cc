#include "shared/guide/db_advice.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "shared/units.h"

namespace scout::guide {
namespace {

constexpr const char* kPrefix = "scout_postgres_";

using TargetKey = std::pair<std::string, std::string>;  // (host, target)
using StatementKey = std::tuple<std::string, std::string, std::string, std::string, std::string>;
using TableKey = std::tuple<std::string, std::string, std::string, std::string, std::string>;
using IndexKey = std::tuple<std::string, std::string, std::string, std::string, std::string,
                            std::string, std::string>;

const std::string& L(const SeriesPoints& s, const std::string& name) {
  return LabelValue(s.key.labels, name);
}

TargetKey TargetOf(const SeriesPoints& s) { return {L(s, "host"), L(s, "target")}; }

StatementKey StatementOf(const SeriesPoints& s) {
  return {L(s, "host"), L(s, "target"), L(s, "queryid"), L(s, "datname"), L(s, "user")};
}

TableKey TableOf(const SeriesPoints& s) {
  return {L(s, "host"), L(s, "target"), L(s, "datname"), L(s, "schema"), L(s, "table")};
}

IndexKey IndexOf(const SeriesPoints& s) {
  return {L(s, "host"), L(s, "target"), L(s, "datname"), L(s, "schema"),
          L(s, "table"), L(s, "index"), L(s, "kind")};
}

std::string Pct(double ratio) { return FormatPercent(ratio); }

std::string StatementObject(const DbStatement& s) {
  return absl::StrCat("statement ", s.queryid, " (", s.user, "@", s.datname, ")");
}

std::string TableName(const DbTable& t) {
  return absl::StrCat(t.datname, ".", t.schema, ".", t.table);
}

bool IsTargetSeries(const SeriesPoints& s) {
  return !s.points.empty() && s.key.metric.rfind(kPrefix, 0) == 0 && !L(s, "target").empty();
}

// Pass 1: every target and the timestamp of its latest scrape.
std::map<TargetKey, DbTarget> LatestScrapes(const std::vector<SeriesPoints>& latest) {
  std::map<TargetKey, DbTarget> targets;
  for (const SeriesPoints& s : latest) {
    if (!IsTargetSeries(s)) continue;
    DbTarget& t = targets[TargetOf(s)];
    std::tie(t.host, t.target) = TargetOf(s);
    if (s.key.metric == "scout_postgres_up") {
      t.up = s.points.back().value;
      t.scrape_ms = s.points.back().timestamp_ms;
    }
  }
  return targets;
}

void SetTableFigure(const std::string& name, double v, DbTable& t) {
  if (name == "table_size_bytes") t.size_bytes = v;
  if (name == "table_live_tuples") t.live_tuples = v;
  if (name == "table_dead_tuples") t.dead_tuples = v;
  if (name == "table_seq_scan_total") t.seq_scans = v;
  if (name == "table_seq_tup_read_total") t.seq_tup_read = v;
  if (name == "table_idx_scan_total") t.idx_scans = v;
  if (name == "table_writes_total") t.writes = v;
  if (name == "table_last_vacuum_timestamp_seconds") t.last_vacuum_s = v;
}

void SetIndexFigure(const std::string& name, double v, DbIndex& i) {
  if (name == "index_scans_total") i.scans = v;
  if (name == "index_tup_read_total") i.tup_read = v;
  if (name == "index_tup_fetch_total") i.tup_fetch = v;
  if (name == "index_size_bytes") i.size_bytes = v;
}

void SetStatementFigure(const std::string& name, double v, DbStatement& st) {
  if (name == "statement_calls_total") st.calls = v;
  if (name == "statement_exec_seconds_total") st.total_seconds = v;
  if (name == "statement_mean_seconds") st.mean_seconds = v;
  if (name == "statement_max_seconds") st.max_seconds = v;
  if (name == "statement_rows_total") st.rows = v;
  if (name == "statement_cache_hit_ratio") st.cache_hit_ratio = v;
}

// A target-level gauge of the current scrape.
void SetTargetFigure(const std::string& name, const SeriesPoints& s, double v, DbTarget& t) {
  if (name == "connections") {
    t.by_state.emplace_back(L(s, "state"), v);
    t.total_connections = std::max(0.0, t.total_connections) + v;
  } else if (name == "max_connections") {
    t.max_connections = v;
  } else if (name == "connections_used_ratio") {
    t.used_ratio = v;
  } else if (name == "active_connections") {
    t.active_connections = v;
  } else if (name == "stat_statements_available") {
    t.stat_statements_available = v;
  } else if (name == "statements_mean_seconds") {
    t.statements_mean_seconds = v;
  } else if (name == "blocked_sessions") {
    t.blocked_sessions = v;
  } else if (name == "lock_wait_max_seconds") {
    t.lock_wait_max_seconds = v;
  } else if (name == "long_running_queries") {
    t.long_running_queries = v;
  } else if (name == "oldest_query_seconds") {
    t.oldest_query_seconds = v;
  } else if (name == "database_scrape_error" && v > 0) {
    t.unreadable_databases.push_back(L(s, "datname"));
  }
}

DbLockWait LockWaitOf(const SeriesPoints& s, const DbTarget& t, double v) {
  DbLockWait w;
  w.host = t.host;
  w.target = t.target;
  w.datname = L(s, "datname");
  w.blocked_pid = L(s, "blocked_pid");
  w.blocked_user = L(s, "blocked_user");
  w.blocked_query = L(s, "blocked_query");
  w.blocking_pid = L(s, "blocking_pid");
  w.blocking_user = L(s, "blocking_user");
  w.blocking_state = L(s, "blocking_state");
  w.blocking_query = L(s, "blocking_query");
  w.locktype = L(s, "locktype");
  w.mode = L(s, "mode");
  w.wait_seconds = v;
  return w;
}

// Pass 2: every series of a known target into its row of the snapshot.
class SnapshotBuilder {
 public:
  explicit SnapshotBuilder(std::map<TargetKey, DbTarget> targets)
      : targets_(std::move(targets)) {}

  // REQUIRES: IsTargetSeries(s).
  void Add(const SeriesPoints& s) {
    const std::string name = s.key.metric.substr(std::string(kPrefix).size());
    const double v = s.points.back().value;
    const int64_t ts = s.points.back().timestamp_ms;
    // Per-table and per-index series: last known values.
    if (name.rfind("table_", 0) == 0) {
      DbTable& t = tables_[TableOf(s)];
      std::tie(t.host, t.target, t.datname, t.schema, t.table) = TableOf(s);
      SetTableFigure(name, v, t);
    } else if (name.rfind("index_", 0) == 0) {
      DbIndex& i = indexes_[IndexOf(s)];
      std::tie(i.host, i.target, i.datname, i.schema, i.table, i.index, i.kind) = IndexOf(s);
      SetIndexFigure(name, v, i);
    } else if (name == "statement_info") {
      // The text may be joined from any scrape; the newest wins.
      auto& text = statement_text_[StatementOf(s)];
      if (text.second.empty() || ts >= text.first) text = {ts, L(s, "query")};
    } else if (Current(s)) {
      // Everything else describes the target's current state.
      AddCurrent(name, s, v);
    }
  }

  DbSnapshot Finish() && {
    for (auto& [key, t] : targets_) {
      std::sort(t.by_state.begin(), t.by_state.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
      });
      if (t.used_ratio < 0 && t.total_connections >= 0 && t.max_connections > 0) {
        t.used_ratio = t.total_connections / t.max_connections;
      }
      snap_.targets.push_back(std::move(t));
    }
    std::sort(snap_.targets.begin(), snap_.targets.end(),
              [](const DbTarget& a, const DbTarget& b) {
                return std::tie(a.target, a.host) < std::tie(b.target, b.host);
              });
    for (auto& [key, st] : statements_) {
      auto text = statement_text_.find(key);
      if (text != statement_text_.end()) st.query = text->second.second;
      snap_.statements.push_back(std::move(st));
    }
    for (auto& [key, t] : tables_) snap_.tables.push_back(std::move(t));
    for (auto& [key, i] : indexes_) snap_.indexes.push_back(std::move(i));
    std::stable_sort(snap_.locks.begin(), snap_.locks.end(),
                     [](const DbLockWait& a, const DbLockWait& b) {
                       return a.wait_seconds > b.wait_seconds;
                     });
    std::stable_sort(
        snap_.long_queries.begin(), snap_.long_queries.end(),
        [](const DbLongQuery& a, const DbLongQuery& b) { return a.seconds > b.seconds; });
    return std::move(snap_);
  }

 private:
  bool Current(const SeriesPoints& s) const {
    auto it = targets_.find(TargetOf(s));
    return it != targets_.end() && it->second.up >= 0 &&
           s.points.back().timestamp_ms == it->second.scrape_ms;
  }

  void AddCurrent(const std::string& name, const SeriesPoints& s, double v) {
    DbTarget& t = targets_[TargetOf(s)];
    if (name.rfind("statement_", 0) == 0) {
      DbStatement& st = statements_[StatementOf(s)];
      std::tie(st.host, st.target, st.queryid, st.datname, st.user) = StatementOf(s);
      SetStatementFigure(name, v, st);
    } else if (name == "lock_wait_seconds") {
      snap_.locks.push_back(LockWaitOf(s, t, v));
    } else if (name == "long_running_query_seconds") {
      snap_.long_queries.push_back({t.host, t.target, L(s, "pid"), L(s, "datname"),
                                    L(s, "user"), L(s, "state"), L(s, "query"), v});
    } else {
      SetTargetFigure(name, s, v, t);
    }
  }

  std::map<TargetKey, DbTarget> targets_;
  std::map<StatementKey, DbStatement> statements_;
  std::map<StatementKey, std::pair<int64_t, std::string>> statement_text_;
  std::map<TableKey, DbTable> tables_;
  std::map<IndexKey, DbIndex> indexes_;
  DbSnapshot snap_;
};

// Appends one finding to the list being built; returns it so a rule can
// attach the query text.
class Adder {
 public:
  explicit Adder(std::vector<Advice>& out) : out_(out) {}
  Advice& operator()(Severity sev, const char* rule, const std::string& host,
                     const std::string& target, std::string object, std::string finding,
                     std::string detail, double value) {
    out_.push_back({sev, rule, host, target, std::move(object), std::move(finding),
                    std::move(detail), value, ""});
    return out_.back();
  }

 private:
  std::vector<Advice>& out_;
};

void AdviseTargets(const std::vector<DbTarget>& targets, Adder& add) {
  for (const DbTarget& t : targets) {
    if (t.up == 0) {
      add(Severity::kCritical, "target_down", t.host, t.target,
          absl::StrCat("target ", t.target), "PostgreSQL target down",
          "scout_postgres_up = 0 at the latest scrape", 0);
      continue;
    }
    if (t.used_ratio >= kConnectionsWarningRatio) {
      add(t.used_ratio >= kConnectionsCriticalRatio ? Severity::kCritical : Severity::kWarning,
          "connections_high", t.host, t.target, absl::StrCat("target ", t.target),
          "High connection usage",
          absl::StrCat(FormatNumber(t.total_connections), " of ",
                       FormatNumber(t.max_connections), " connections used (",
                       Pct(t.used_ratio), "; KPI < 80%)"),
          t.used_ratio);
    }
    if (t.statements_mean_seconds >= kSlowMeanSeconds) {
      add(Severity::kWarning, "average_query_time", t.host, t.target,
          absl::StrCat("target ", t.target), "Average query time above KPI",
          absl::StrCat("average ", FormatSeconds(t.statements_mean_seconds),
                       " over the last interval (KPI < 100 ms)"),
          t.statements_mean_seconds);
    }
    if (t.stat_statements_available == 0) {
      add(Severity::kInfo, "stat_statements_missing", t.host, t.target,
          absl::StrCat("target ", t.target),
          "pg_stat_statements not available - statement rules skipped",
          "shared_preload_libraries + CREATE EXTENSION pg_stat_statements (see sctl db slow)",
          0);
    }
  }
}

void AdviseStatements(const std::vector<DbStatement>& statements, Adder& add) {
  for (const DbStatement& s : statements) {
    const std::string object = StatementObject(s);
    const std::string mean = FormatSeconds(s.mean_seconds);
    // The guide's slow_queries CTE: only statements with mean > 100 ms.
    if (s.mean_seconds > kSlowMeanSeconds && s.cache_hit_ratio >= 0 &&
        s.cache_hit_ratio < kLowCacheHitRatio) {
      add(Severity::kWarning, "statement_low_cache_hit", s.host, s.target, object,
          "Low cache hit ratio - consider indexing",
          absl::StrCat("cache hit ", Pct(s.cache_hit_ratio), " (< 95%) at mean ", mean),
          s.cache_hit_ratio).query = s.query;
    }
    if (s.mean_seconds > kVerySlowMeanSeconds) {
      add(Severity::kCritical, "statement_very_slow", s.host, s.target, object,
          "Very slow - urgent optimization needed",
          absl::StrCat("mean ", mean, " (> 1 s), max ", FormatSeconds(s.max_seconds), ", ",
                       FormatNumber(s.calls), " calls"),
          s.mean_seconds).query = s.query;
    }
    if (s.calls > kHighFrequencyCalls && s.mean_seconds > kSlowMeanSeconds) {
      add(Severity::kWarning, "statement_high_frequency", s.host, s.target, object,
          "High frequency slow query",
          absl::StrCat(FormatNumber(s.calls), " calls (> 1000) at mean ", mean,
                       " (> 100 ms), total ", FormatSeconds(s.total_seconds)),
          s.calls).query = s.query;
    }
  }
}

void AdviseTables(const std::vector<DbTable>& tables, Adder& add) {
  for (const DbTable& t : tables) {
    const double avg = SeqScanAvgRows(t);
    if (t.seq_scans > kSeqScanCount && avg > kSeqScanAvgRows) {
      add(Severity::kWarning, "table_seq_scans", t.host, t.target,
          absl::StrCat("table ", TableName(t)), "Consider adding index",
          absl::StrCat(FormatNumber(t.seq_scans), " seq scans (> 1000) averaging ",
                       FormatNumber(std::round(avg)), " rows (> 10000)"),
          avg);
    }
    const double dead = DeadTupleRatio(t);
    if (t.dead_tuples > 0 && t.dead_tuples > t.live_tuples * kDeadTupleRatio &&
        t.live_tuples >= 0) {
      add(Severity::kWarning, "table_needs_vacuum", t.host, t.target,
          absl::StrCat("table ", TableName(t)), "Needs VACUUM",
          absl::StrCat(FormatNumber(t.dead_tuples), " dead tuples, ",
                       std::isinf(dead) ? std::string("no live tuples")
                                        : absl::StrCat(Pct(dead), " of ",
                                                       FormatNumber(t.live_tuples), " live"),
                       " (> 10%)"),
          dead);
    }
  }
}

void AdviseIndexes(const std::vector<DbIndex>& indexes, Adder& add) {
  for (const DbIndex& i : indexes) {
    // Never suggest dropping primary keys or unique indexes: they enforce
    // constraints whether or not queries scan them.
    if (i.scans == 0 && i.kind == "index") {
      add(Severity::kInfo, "index_unused", i.host, i.target,
          absl::StrCat("index ", i.datname, ".", i.schema, ".", i.index, " on ", i.table),
          "Unused index - consider dropping",
          absl::StrCat("0 scans, size ", i.size_bytes >= 0 ? FormatBytes(i.size_bytes) : "-"),
          i.size_bytes);
    }
  }
}

void AdviseLocks(const std::vector<DbLockWait>& locks, Adder& add) {
  for (const DbLockWait& w : locks) {
    if (w.wait_seconds < kLockWaitKpiSeconds) continue;
    const bool blocking = w.wait_seconds >= kBlockingAlertSeconds;
    add(blocking ? Severity::kCritical : Severity::kWarning,
        blocking ? "lock_blocking" : "lock_wait", w.host, w.target,
        absl::StrCat("pid ", w.blocked_pid, " blocked by pid ", w.blocking_pid),
        blocking ? "Blocking query - lock wait over 30 s" : "Lock wait above KPI (< 1 s)",
        absl::StrCat("pid ", w.blocked_pid, " (", w.blocked_user, ") waits ",
                     FormatSeconds(w.wait_seconds), " for ", w.mode, " held by pid ",
                     w.blocking_pid, " (", w.blocking_user, ", ", w.blocking_state, ")"),
        w.wait_seconds).query = w.blocking_query;
  }
}

void AdviseLongQueries(const std::vector<DbLongQuery>& long_queries, Adder& add) {
  for (const DbLongQuery& q : long_queries) {
    add(Severity::kWarning, "long_running_query", q.host, q.target,
        absl::StrCat("pid ", q.pid, " (", q.user, "@", q.datname, ")"), "Long-running query",
        absl::StrCat("running ", FormatAge(static_cast<int64_t>(q.seconds * 1000)), ", state ",
                     q.state),
        q.seconds).query = q.query;
  }
}

}  // namespace

DbSnapshot BuildDbSnapshot(const std::vector<SeriesPoints>& latest) {
  SnapshotBuilder builder(LatestScrapes(latest));
  for (const SeriesPoints& s : latest) {
    if (IsTargetSeries(s)) builder.Add(s);
  }
  return std::move(builder).Finish();
}

double SeqScanAvgRows(const DbTable& t) {
  if (t.seq_scans <= 0 || t.seq_tup_read < 0) return -1;
  return t.seq_tup_read / t.seq_scans;
}

double DeadTupleRatio(const DbTable& t) {
  if (t.dead_tuples < 0 || t.live_tuples < 0) return -1;
  if (t.live_tuples == 0) return t.dead_tuples > 0 ? std::numeric_limits<double>::infinity() : 0;
  return t.dead_tuples / t.live_tuples;
}

const char* SeverityName(Severity s) {
  switch (s) {
    case Severity::kInfo: return "INFO";
    case Severity::kWarning: return "WARNING";
    case Severity::kCritical: return "CRITICAL";
  }
  return "";
}

std::vector<Advice> Advise(const DbSnapshot& snap) {
  std::vector<Advice> out;
  Adder add(out);
  AdviseTargets(snap.targets, add);
  AdviseStatements(snap.statements, add);
  AdviseTables(snap.tables, add);
  AdviseIndexes(snap.indexes, add);
  AdviseLocks(snap.locks, add);
  AdviseLongQueries(snap.long_queries, add);
  std::stable_sort(out.begin(), out.end(), [](const Advice& a, const Advice& b) {
    return std::make_tuple(-static_cast<int>(a.severity), a.target, a.host) <
           std::make_tuple(-static_cast<int>(b.severity), b.target, b.host);
  });
  return out;
}

}  // namespace scout::guide
