// `sctl db connections|slow|locks|long|tables|indexes|advise`: PostgreSQL
// views built from the postgres plugin's series (docs/metrics.md,
// "PostgreSQL"), following the guide's "Database Performance Monitoring"
// and "Database Query Optimization" queries and KPIs.
//
// The selection and judging below are pure functions over a DbSnapshot
// (shared/guide/db_advice.h) that the tests feed fixed data; Run* fetch the
// collector's Latest values (and, for `tables`, a 25 h QueryRange of
// table sizes), then render as table, JSON or CSV. Error contract as in
// ctl/commands.h: Plan* report usage errors, Run* only RPC errors.
//
// Table output: rows first, then one summary line per target (locks, long
// queries) on Output::out; the "pg_stat_statements is not installed, here
// is how to enable it" text of `slow` is part of that answer and goes to
// Output::out too (JSON: a per-target "hint"; CSV: Output::err). Notes about
// missing data go to Output::err. Growth spans are exact to the 10-minute
// buckets the size history is read in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ctl/commands.h"
#include "ctl/host_commands.h"  // Health
#include "shared/guide/db_advice.h"
#include "shared/metric.h"

namespace scout::ctl {

// The guide's database model and tuning rules, under sctl's names.
using guide::Advice;
using guide::Advise;
using guide::BuildDbSnapshot;
using guide::DbIndex;
using guide::DbLockWait;
using guide::DbLongQuery;
using guide::DbSnapshot;
using guide::DbStatement;
using guide::DbTable;
using guide::DbTarget;
using guide::Severity;
using guide::SeverityName;

// ---- Judging ----

// Connection pool usage: OK < 80 %, WARNING >= 80 %, CRITICAL >= 90 %;
// kInfo when unknown (ratio < 0).
Health ConnectionHealth(double used_ratio);
// Lock wait: OK < 1 s (the KPI), WARNING below 30 s, CRITICAL >= 30 s
// (the guide's blocking-query alert).
Health LockWaitHealth(double wait_seconds);
// The guide's CASE: idx_scan = 0 UNUSED, < 100 LOW_USAGE, else ACTIVE
// ("" when unknown).
const char* IndexUsageStatus(double scans);

// ---- Selection ----

struct SlowArgs {
  std::string min_mean = "100ms";  // duration; statements with mean above it
  bool all = false;                // every statement, whatever its mean
};
struct SlowFilter {
  double min_mean_seconds = guide::kSlowMeanSeconds;
  bool all = false;
};
// InvalidArgument for a bad --min-mean.
absl::StatusOr<SlowFilter> PlanSlow(const SlowArgs& args);

// Statements with mean > min_mean (all with `all`), mean descending.
std::vector<DbStatement> SlowStatements(const DbSnapshot& snap, const SlowFilter& filter);
// Tables by size descending (unknown sizes last), at most `limit` (0 = all).
std::vector<DbTable> TablesBySize(const DbSnapshot& snap, size_t limit);
// Indexes by scans ascending: unused first.
std::vector<DbIndex> IndexesByScans(const DbSnapshot& snap);

// Growth of a table over about a day, from its size series (sorted by
// time): the latest value minus the last value at or before latest - 24 h,
// or, when the series is younger than that, minus its oldest value.
// `known` is false with fewer than two points.
struct Growth {
  bool known = false;
  double bytes = 0;     // may be negative (VACUUM FULL, TRUNCATE)
  int64_t span_ms = 0;  // time between the two values compared
};
Growth ComputeGrowth(const std::vector<Point>& sizes, int64_t window_ms = 24 * 3600 * 1000LL);

// Cuts `text` to at most `max_chars` code points, "…" included.
std::string TruncateText(const std::string& text, size_t max_chars);

// ---- Commands (RPC errors only); `target` empty = every target ----

absl::Status RunDbConnections(v1::Query::StubInterface& stub, const Context& ctx,
                              const std::string& target, const Output& out);
absl::Status RunDbSlow(v1::Query::StubInterface& stub, const Context& ctx,
                       const std::string& target, const SlowFilter& filter, const Output& out);
absl::Status RunDbLocks(v1::Query::StubInterface& stub, const Context& ctx,
                        const std::string& target, const Output& out);
absl::Status RunDbLong(v1::Query::StubInterface& stub, const Context& ctx,
                       const std::string& target, const Output& out);
absl::Status RunDbTables(v1::Query::StubInterface& stub, const Context& ctx,
                         const std::string& target, size_t limit, const Output& out);
absl::Status RunDbIndexes(v1::Query::StubInterface& stub, const Context& ctx,
                          const std::string& target, const Output& out);
absl::Status RunDbAdvise(v1::Query::StubInterface& stub, const Context& ctx,
                         const std::string& target, const Output& out);

}  // namespace scout::ctl
