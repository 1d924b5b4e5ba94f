// Database figures for one day, from the postgres plugin's series
// (docs/metrics.md, "PostgreSQL"):
//  * per target: active connections (avg, peak), pool usage (avg, peak of
//    scout_postgres_connections_used_ratio), max_connections; the average
//    query time over the day = rate(statements_exec_seconds_total) /
//    rate(statements_calls_total), i.e. Δexec/Δcalls, call-weighted (both
//    counters come from the same scrapes, so the time spans cancel); when
//    the counters have no delta, the mean of the
//    scout_postgres_statements_mean_seconds gauge;
//  * locks: the longest lock wait (max of scout_postgres_lock_wait_max_seconds),
//    the most blocked sessions, minutes with a blocked session and
//    "incidents" = runs of consecutive such minutes; the longest waiting
//    blocked/blocking pairs (scout_postgres_lock_wait_seconds, max per pair);
//  * slow queries: per statement Δexec/Δcalls over the day (statements
//    not called that day are left out; a statement seen in one scrape only
//    falls back to its mean since the statistics reset), text from
//    scout_postgres_statement_info, the 10 slowest;
//  * advice: guide::Advise (the `sctl db advise` rules) on the snapshot at
//    the end of the day.
#pragma once

#include "absl/status/statusor.h"
#include "collector/reports/report_model.h"
#include "collector/reports/report_source.h"

namespace scout::collector::reports {

inline constexpr size_t kTopSlowQueries = 10;
inline constexpr size_t kTopLockWaits = 10;

absl::StatusOr<DatabaseSection> ComputeDatabase(ReportSource& source, const DayWindow& day);

}  // namespace scout::collector::reports
