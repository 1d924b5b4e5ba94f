#include "agent/postgres/postgres_collector.h"

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/postgres/postgres_queries.h"
#include "agent/probe/probe_spec.h"
#include "re2/re2.h"
#include "shared/backoff.h"
#include "shared/logging.h"

namespace scout::agent {
namespace {

// key=value `password=...` (quoted or not) and URI `?password=...&`.
constexpr char kPasswordKv[] = R"((?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s&]+))";
// URI user:password@host.
constexpr char kUriUserInfo[] = R"((://[^:/@\s]*):([^@/\s]*)@)";

void ReplaceAll(std::string& s, const std::string& what, const std::string& with) {
  if (what.empty()) return;
  for (size_t pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + with.size())) {
    s.replace(pos, what.size(), with);
  }
}

std::optional<double> CounterRate(uint64_t prev, uint64_t cur, int64_t elapsed_ms) {
  if (elapsed_ms <= 0 || cur < prev) return std::nullopt;
  return static_cast<double>(cur - prev) * 1000.0 / static_cast<double>(elapsed_ms);
}

using ReadOnlyTx = pqxx::transaction<pqxx::read_committed, pqxx::read_only>;

class PostgresCollector final : public CollectorPlugin {
 public:
  PostgresCollector(std::vector<PostgresTarget> targets, PostgresCollectorOptions options)
      : options_(options) {
    std::random_device seed;
    for (PostgresTarget& t : targets) {
      targets_.push_back(std::make_unique<Target>(std::move(t), options_, seed()));
    }
  }

  std::string_view name() const override { return "postgres"; }

  absl::Status Collect(int64_t now_ms, SampleSink& sink) override {
    std::vector<std::string> errors;
    for (const auto& t : targets_) {
      if (!t->next_due_ms || now_ms >= *t->next_due_ms) {
        t->next_due_ms = now_ms + t->spec.interval.count();
        CollectTarget(*t, now_ms, sink);
      }
      // Reported every cycle, due or not, so the scheduler sees a stable
      // state instead of flapping between error and OK.
      if (!t->error.empty()) errors.push_back(absl::StrCat(t->spec.name, ": ", t->error));
    }
    if (errors.empty()) return absl::OkStatus();
    return absl::UnavailableError(absl::StrJoin(errors, "; "));
  }

 private:
  struct Target {
    Target(PostgresTarget s, const PostgresCollectorOptions& o, uint64_t seed)
        : spec(std::move(s)), backoff(o.backoff_initial, o.backoff_max, seed) {}

    PostgresTarget spec;
    Backoff backoff;
    std::unique_ptr<pqxx::connection> conn;
    std::optional<int64_t> next_due_ms;  // interval gate
    int64_t retry_at_ms = 0;             // backoff gate while disconnected
    uint64_t connect_attempts = 0;
    std::string state;  // "" before the first result; logs fire on changes
    std::string error;  // sanitized, "" when the last scrape worked
    std::optional<int64_t> prev_ms;
    std::map<std::string, pg::DatabaseStats> prev;  // by datname
  };

  void CollectTarget(Target& t, int64_t now_ms, SampleSink& sink) {
    const Labels base = {{"target", t.spec.name}};
    const auto start = std::chrono::steady_clock::now();
    const auto emit_duration = [&] {
      const std::chrono::duration<double> d = std::chrono::steady_clock::now() - start;
      sink.Add("scout_postgres_scrape_duration_seconds", base, d.count());
    };
    if (!t.conn) {
      if (now_ms < t.retry_at_ms) {  // backing off: no connection attempt
        EmitDown(t, base, sink);
        return;
      }
      ++t.connect_attempts;
      if (absl::Status s = Connect(t); !s.ok()) {
        MarkDown(t, now_ms, std::string(s.message()));
        EmitDown(t, base, sink);
        emit_duration();
        return;
      }
    }
    pg::Activity activity;
    std::vector<pg::DatabaseStats> dbs;
    try {
      ReadOnlyTx tx(*t.conn, "scout_monitoring");
      const auto timeout_ms = std::max<int64_t>(1, t.spec.statement_timeout.count());
      tx.exec(absl::StrCat("SET LOCAL statement_timeout = ", timeout_ms));
      activity = pg::QueryActivity(tx);
      dbs = pg::QueryDatabases(tx);
      tx.commit();
    } catch (const std::exception& e) {
      const std::string reason = SanitizePostgresError(e.what(), "");
      if (!t.conn->is_open() || dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
        MarkDown(t, now_ms, absl::StrCat("connection lost: ", reason));
        EmitDown(t, base, sink);
      } else {  // reachable, but a query failed (statement timeout, permissions)
        SetState(t, "query_error", absl::StrCat("query failed: ", reason));
        sink.Add("scout_postgres_up", base, 1);
        EmitAttempts(t, base, sink);
      }
      emit_duration();
      return;
    }
    t.backoff.Reset();
    SetState(t, "up", "");
    sink.Add("scout_postgres_up", base, 1);
    EmitAttempts(t, base, sink);
    EmitActivity(activity, base, sink);
    EmitDatabases(t, dbs, now_ms, base, sink);
    emit_duration();
  }

  absl::Status Connect(Target& t) const {
    absl::StatusOr<std::string> dsn = ResolveSecret(t.spec.dsn);
    if (!dsn.ok()) return absl::Status(dsn.status().code(), std::string(dsn.status().message()));
    try {
      t.conn = std::make_unique<pqxx::connection>(
          WithConnectTimeout(*dsn, options_.connect_timeout));
    } catch (const std::exception& e) {
      t.conn.reset();
      return absl::UnavailableError(
          absl::StrCat("connect failed: ", SanitizePostgresError(e.what(), *dsn)));
    }
    return absl::OkStatus();
  }

  static void MarkDown(Target& t, int64_t now_ms, const std::string& reason) {
    t.conn.reset();
    t.retry_at_ms = now_ms + t.backoff.NextDelay().count();
    SetState(t, "down", reason);
  }

  // Logs only when the state or its reason changes.
  static void SetState(Target& t, const std::string& state, const std::string& error) {
    const std::string key = absl::StrCat(state, ":", error);
    const bool changed = key != t.state;
    const bool recovered = state == "up" && !t.state.empty();
    t.state = key;
    t.error = error;
    if (!changed) return;
    if (state == "up") {
      spdlog::info("postgres {}: up{}", t.spec.name, recovered ? " (recovered)" : "");
    } else {
      spdlog::error("postgres {}: {}", t.spec.name, error);
    }
  }

  static void EmitAttempts(const Target& t, const Labels& base, SampleSink& sink) {
    sink.Add("scout_postgres_connect_attempts_total", base,
             static_cast<double>(t.connect_attempts));
  }

  static void EmitDown(const Target& t, const Labels& base, SampleSink& sink) {
    sink.Add("scout_postgres_up", base, 0);
    EmitAttempts(t, base, sink);
  }

  static void EmitActivity(const pg::Activity& a, const Labels& base, SampleSink& sink) {
    for (const auto& [state, count] : a.by_state) {
      Labels l = base;
      l.emplace_back("state", state);
      sink.Add("scout_postgres_connections", std::move(l), static_cast<double>(count));
    }
    sink.Add("scout_postgres_active_connections", base, static_cast<double>(a.Active()));
    sink.Add("scout_postgres_max_connections", base, static_cast<double>(a.max_connections));
    if (a.max_connections > 0) {
      sink.Add("scout_postgres_connections_used_ratio", base,
               static_cast<double>(a.Total()) / static_cast<double>(a.max_connections));
    }
  }

  static void EmitDatabases(Target& t, std::vector<pg::DatabaseStats>& dbs, int64_t now_ms,
                            const Labels& base, SampleSink& sink) {
    for (const pg::DatabaseStats& d : dbs) {
      Labels l = base;
      l.emplace_back("datname", d.datname);
      const auto add = [&](const char* metric, double v) { sink.Add(metric, l, v); };
      if (d.size_bytes) add("scout_postgres_database_size_bytes", static_cast<double>(*d.size_bytes));
      add("scout_postgres_xact_commit_total", static_cast<double>(d.xact_commit));
      add("scout_postgres_xact_rollback_total", static_cast<double>(d.xact_rollback));
      add("scout_postgres_deadlocks_total", static_cast<double>(d.deadlocks));
      add("scout_postgres_temp_files_total", static_cast<double>(d.temp_files));
      add("scout_postgres_temp_bytes_total", static_cast<double>(d.temp_bytes));
      if (const uint64_t blks = d.blks_hit + d.blks_read; blks > 0) {
        add("scout_postgres_cache_hit_ratio",
            static_cast<double>(d.blks_hit) / static_cast<double>(blks));
      }
      const auto prev = t.prev.find(d.datname);
      if (!t.prev_ms || prev == t.prev.end()) continue;
      const int64_t elapsed = now_ms - *t.prev_ms;
      if (auto r = CounterRate(prev->second.xact_commit, d.xact_commit, elapsed)) {
        add("scout_postgres_xact_commit_per_second", *r);
      }
      if (auto r = CounterRate(prev->second.xact_rollback, d.xact_rollback, elapsed)) {
        add("scout_postgres_xact_rollback_per_second", *r);
      }
    }
    // Replace, not merge: a dropped and re-created database starts afresh.
    t.prev.clear();
    for (pg::DatabaseStats& d : dbs) t.prev.emplace(d.datname, std::move(d));
    t.prev_ms = now_ms;
  }

  const PostgresCollectorOptions options_;
  std::vector<std::unique_ptr<Target>> targets_;
};

}  // namespace

std::string SanitizePostgresError(std::string_view message, std::string_view dsn) {
  std::string s(message.substr(0, message.find('\n')));
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  if (s.empty()) return "unknown error";
  const std::string d(dsn);
  std::vector<std::string> secrets;
  std::string quoted, value, user;
  if (RE2::PartialMatch(d, kPasswordKv, &quoted, &value)) {
    if (value.size() >= 2 && value.front() == '\'') value = value.substr(1, value.size() - 2);
    secrets.push_back(value);
  }
  if (RE2::PartialMatch(d, kUriUserInfo, &user, &value)) secrets.push_back(value);
  if (d.size() >= 3) ReplaceAll(s, d, "<dsn>");
  for (const std::string& secret : secrets) {
    if (secret.size() >= 3) ReplaceAll(s, secret, "***");
  }
  RE2::GlobalReplace(&s, kPasswordKv, "\\1***");
  RE2::GlobalReplace(&s, kUriUserInfo, "\\1:***@");
  return s;
}

std::string WithConnectTimeout(const std::string& dsn, std::chrono::seconds seconds) {
  if (dsn.find("connect_timeout") != std::string::npos || seconds.count() <= 0) return dsn;
  const std::string kv = absl::StrCat("connect_timeout=", seconds.count());
  if (dsn.rfind("postgres://", 0) == 0 || dsn.rfind("postgresql://", 0) == 0) {
    return absl::StrCat(dsn, dsn.find('?') == std::string::npos ? "?" : "&", kv);
  }
  return dsn.empty() ? kv : absl::StrCat(dsn, " ", kv);
}

std::unique_ptr<CollectorPlugin> NewPostgresCollector(std::vector<PostgresTarget> targets,
                                                      PostgresCollectorOptions options) {
  return std::make_unique<PostgresCollector>(std::move(targets), options);
}

std::unique_ptr<CollectorPlugin> NewPostgresCollector(std::vector<PostgresTarget> targets) {
  return NewPostgresCollector(std::move(targets), PostgresCollectorOptions());
}

}  // namespace scout::agent
