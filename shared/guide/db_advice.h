// The guide's PostgreSQL tuning rules. The view behind `sctl db ...` and the
// reports' database section: a snapshot of the postgres
// plugin's series (docs/metrics.md, "PostgreSQL") and the guide's tuning
// rules applied to it.
//
// BuildDbSnapshot and Advise are pure functions: the tests feed them fixed
// series, sctl feeds them the collector's Latest answer.
//
// "Current" rows: series that name pids, blocked pairs or top-N statements
// exist only in the scrape that saw them, so the snapshot keeps their
// samples only when the timestamp equals the target's latest
// scout_postgres_up sample (all samples of one scrape share it). The
// target-level figures (connections, lock/long-query gauges, pg_stat_statements
// availability) follow the same rule, so a target that is down shows no
// stale figures. Tables and indexes are the last known values (they are
// per database and may be missing from a scrape whose database could not
// be read).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "shared/guide/kpi.h"
#include "shared/metric.h"

namespace scout::guide {

// ---- Thresholds (source: the SceneScout performance-monitoring guide) ----
// "Database Performance" KPIs: Query Response Time < 100ms (average),
// Connection Pool Usage < 80%, Lock Wait Time < 1 second.
// "Database Query Optimization" SQL: slow_queries CTE `mean_exec_time > 100`,
// `hit_percent < 95`, `mean_exec_time > 1000`, `calls > 1000 AND
// mean_exec_time > 100`; missing indexes `seq_scan > 1000 AND
// seq_tup_read / seq_scan > 10000`; `n_dead_tup > n_live_tup * 0.1`.
// "Index Usage Analysis": idx_scan = 0 UNUSED, < 100 LOW_USAGE.
// "Database Performance Alerts": connections > 80 %, blocked_duration > 30,
// query_start < NOW() - INTERVAL '5 minutes'.
// The KPI bounds come from the KPI table (shared/guide/kpi.h); the SQL's
// other numbers are the tuning rules' own and live only here.
inline constexpr double kSlowMeanSeconds = FindKpi(kKpiQueryTime).warning;  // mean_exec_time > 100 (ms)
inline constexpr double kLowCacheHitRatio = 0.95;          // hit_percent < 95
inline constexpr double kVerySlowMeanSeconds = 1.0;        // mean_exec_time > 1000 (ms)
inline constexpr double kHighFrequencyCalls = 1000;        // calls > 1000
inline constexpr double kSeqScanCount = 1000;              // seq_scan > 1000
inline constexpr double kSeqScanAvgRows = 10000;           // seq_tup_read / seq_scan > 10000
inline constexpr double kDeadTupleRatio = 0.10;            // n_dead_tup > n_live_tup * 0.1
inline constexpr double kIndexLowUsageScans = 100;         // idx_scan < 100 -> LOW_USAGE
inline constexpr double kConnectionsWarningRatio = FindKpi(kKpiConnections).warning;  // < 80 %
inline constexpr double kConnectionsCriticalRatio = FindKpi(kKpiConnections).critical;  // sctl's step
inline constexpr double kLockWaitKpiSeconds = FindKpi(kKpiLockWait).warning;  // lock wait < 1 s
inline constexpr double kBlockingAlertSeconds = FindKpi(kKpiLockWait).critical;  // blocking alert
inline constexpr double kLongRunningSeconds = 300.0;       // 5 minutes (agent default)

// ---- Snapshot ----

// Figures are -1 when the series is absent (unknown, not zero).
struct DbTarget {
  std::string host;    // agent that scrapes the target
  std::string target;  // label `target`
  double up = -1;      // latest scout_postgres_up
  int64_t scrape_ms = 0;  // its timestamp: the "current" scrape
  double total_connections = -1;  // sum of scout_postgres_connections
  double max_connections = -1;
  double used_ratio = -1;
  double active_connections = -1;
  std::vector<std::pair<std::string, double>> by_state;  // count desc, then state
  double stat_statements_available = -1;
  double statements_mean_seconds = -1;
  double blocked_sessions = -1;
  double lock_wait_max_seconds = -1;
  double long_running_queries = -1;
  double oldest_query_seconds = -1;
  // Databases whose tables/indexes could not be read in the current scrape
  // (scout_postgres_database_scrape_error = 1): their rows are older.
  std::vector<std::string> unreadable_databases;
};

struct DbStatement {
  std::string host, target, queryid, datname, user;
  std::string query;  // from scout_postgres_statement_info; "" if not found
  double calls = -1, mean_seconds = -1, max_seconds = -1, total_seconds = -1, rows = -1;
  double cache_hit_ratio = -1;  // absent when the statement touched no blocks
};

struct DbLockWait {
  std::string host, target, datname;
  std::string blocked_pid, blocked_user, blocked_query;
  std::string blocking_pid, blocking_user, blocking_state, blocking_query;
  std::string locktype, mode;
  double wait_seconds = 0;
};

struct DbLongQuery {
  std::string host, target, pid, datname, user, state, query;
  double seconds = 0;
};

struct DbTable {
  std::string host, target, datname, schema, table;
  double size_bytes = -1, live_tuples = -1, dead_tuples = -1;
  double seq_scans = -1, seq_tup_read = -1, idx_scans = -1, writes = -1;
  double last_vacuum_s = -1;  // epoch seconds; -1 never vacuumed / unknown
};

struct DbIndex {
  std::string host, target, datname, schema, table, index, kind;
  double scans = -1, tup_read = -1, tup_fetch = -1, size_bytes = -1;
};

struct DbSnapshot {
  std::vector<DbTarget> targets;          // by target name
  std::vector<DbStatement> statements;    // current rows, unsorted
  std::vector<DbLockWait> locks;          // current rows, longest wait first
  std::vector<DbLongQuery> long_queries;  // current rows, oldest first
  std::vector<DbTable> tables;            // by (target, datname, schema, table)
  std::vector<DbIndex> indexes;
};

// `latest`: the Latest answer for scout_postgres_* series (one point each;
// if a series has several points the last one counts).
DbSnapshot BuildDbSnapshot(const std::vector<SeriesPoints>& latest);

// Derived figures shared by the commands and the rules; -1 when unknown.
double SeqScanAvgRows(const DbTable& t);  // seq_tup_read / seq_scans
double DeadTupleRatio(const DbTable& t);  // dead / live (dead > 0, live 0: +inf)

// ---- Advice ----

enum class Severity { kInfo, kWarning, kCritical };
const char* SeverityName(Severity s);  // "INFO", "WARNING", "CRITICAL"

struct Advice {
  Severity severity = Severity::kInfo;
  std::string rule;     // stable id: "statement_low_cache_hit", "table_needs_vacuum", ...
  std::string host, target;
  std::string object;   // "statement 123 (app@shop)", "table shop.public.orders"
  std::string finding;  // the guide's wording, e.g. "Needs VACUUM"
  std::string detail;   // the figure behind it, e.g. "dead tuples 15.0% of live (1500 / 10000)"
  double value = 0;     // that figure, raw (seconds, ratio, count)
  std::string query;    // statement / blocking / long-running query text, if any
};

// Every rule, applied independently (a statement can be both "Very slow"
// and "Low cache hit ratio"; the guide's CASE would show only the first).
// Sorted by severity (critical first), then target and object.
std::vector<Advice> Advise(const DbSnapshot& snapshot);

}  // namespace scout::guide
