#include "collector/reports/daily_report.h"

#include <functional>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "collector/reports/alerts_section.h"
#include "collector/reports/database.h"
#include "collector/reports/endpoints.h"
#include "collector/reports/hosts.h"
#include "collector/reports/ingestion.h"
#include "collector/reports/kpi.h"
#include "collector/reports/process_groups.h"
#include "collector/reports/report_util.h"
#include "shared/status_macros.h"

namespace scout::collector::reports {
namespace {

// The worst value (highest, or lowest with `lowest`) among `items` that
// pass `filter`, and the name of the item that has it.
template <typename T>
std::pair<double, std::string> Worst(const std::vector<T>& items,
                                     const std::function<bool(const T&)>& filter,
                                     const std::function<double(const T&)>& value,
                                     const std::function<std::string(const T&)>& name,
                                     bool lowest) {
  std::pair<double, std::string> worst{kNoData, ""};
  for (const T& item : items) {
    if (!filter(item)) continue;
    const double v = value(item);
    if (!HasData(v)) continue;
    if (!HasData(worst.first) || (lowest ? v < worst.first : v > worst.first)) {
      worst = {v, name(item)};
    }
  }
  return worst;
}

template <typename T>
bool Any(const T&) {
  return true;
}

}  // namespace

// One add() per KPI tile, in tile order: a table, kept in one piece.
std::vector<Kpi> ComputeKpis(const DailyReport& r) {
  using E = EndpointStats;
  using H = HostStats;
  using D = DbTargetStats;
  using S = SourceIngestion;
  const auto ename = [](const E& e) { return EndpointName(e); };
  const auto hname = [](const H& h) { return h.host; };
  const auto dname = [](const D& d) { return absl::StrCat(d.target, " (", d.host, ")"); };
  const auto sname = [](const S& s) { return absl::StrCat("source ", s.source); };
  std::vector<Kpi> kpis;
  auto add = [&](std::string_view id, std::pair<double, std::string> worst, std::string basis) {
    kpis.push_back(MakeKpi(id, worst.first, std::move(worst.second), std::move(basis)));
  };

  add(kKpiResponseTime,
      Worst<E>(r.endpoints, IsWebEndpoint, [](const E& e) { return e.p95; }, ename, false),
      "highest daily p95 of scout_probe_duration_seconds among web endpoints");
  add(kKpiErrorRate,
      Worst<E>(r.endpoints, IsHttpEndpoint, [](const E& e) { return e.error_rate; }, ename, false),
      "highest share of failed results (1 - mean scout_probe_success) among http probes");
  add(kKpiAvailability,
      Worst<E>(r.endpoints, IsWebEndpoint, [](const E& e) { return e.availability; }, ename,
               true),
      "lowest share of minutes with every result successful among web endpoints");
  add(kKpiCpu, Worst<H>(r.hosts, Any<H>, [](const H& h) { return h.cpu_avg; }, hname, false),
      "highest daily average of node_cpu_usage_ratio");
  add(kKpiMemory,
      Worst<H>(r.hosts, Any<H>, [](const H& h) { return h.memory_peak; }, hname, false),
      "highest peak of node_memory_used_ratio");
  add(kKpiDisk,
      Worst<H>(r.hosts, Any<H>, [](const H& h) { return h.disk_peak; },
               [](const H& h) { return absl::StrCat(h.host, ":", h.disk_mountpoint); }, false),
      "highest peak of node_filesystem_used_ratio");
  add(kKpiNetworkLatency,
      Worst<E>(r.endpoints, IsTcpEndpoint, [](const E& e) { return e.mean; }, ename, false),
      "highest mean TCP probe duration (connect time)");
  add(kKpiQueryTime,
      Worst<D>(r.database.targets, Any<D>, [](const D& d) { return d.avg_query_seconds; }, dname,
               false),
      "highest call-weighted average statement time (pg_stat_statements)");
  add(kKpiConnections,
      Worst<D>(r.database.targets, Any<D>, [](const D& d) { return d.connections_used_peak; },
               dname, false),
      "highest peak of scout_postgres_connections_used_ratio");
  add(kKpiLockWait,
      Worst<D>(r.database.targets, Any<D>, [](const D& d) { return d.lock_wait_max_seconds; },
               dname, false),
      "longest lock wait seen (scout_postgres_lock_wait_max_seconds)");

  auto api_response =
      Worst<E>(r.endpoints, IsApiEndpoint, [](const E& e) { return e.mean; }, ename, false);
  auto source_response = Worst<S>(
      r.ingestion.sources, Any<S>, [](const S& s) { return s.api_avg_response_seconds; }, sname,
      false);
  if (HasData(source_response.first) &&
      (!HasData(api_response.first) || source_response.first > api_response.first)) {
    api_response = source_response;
  }
  add(kKpiApiResponse, api_response,
      "highest mean of API probes (kind=api) and of API sources (api_logs, request-weighted)");
  auto api_success = Worst<E>(
      r.endpoints, IsApiEndpoint, [](const E& e) { return 1 - e.error_rate; }, ename, true);
  auto source_success = Worst<S>(
      r.ingestion.sources, Any<S>, [](const S& s) { return s.api_success_ratio; }, sname, true);
  if (HasData(source_success.first) &&
      (!HasData(api_success.first) || source_success.first < api_success.first)) {
    api_success = source_success;
  }
  add(kKpiApiSuccess, api_success,
      "lowest success share of API probes (kind=api) and of API sources (api_logs)");
  add(kKpiIngestion,
      {r.ingestion.avg_events_per_hour,
       HasData(r.ingestion.min_hour_events)
           ? absl::StrCat("all sources; quietest hour ",
                          static_cast<int64_t>(r.ingestion.min_hour_events))
           : ""},
      "events of the day per sampled hour (scenescout_events_ingested_last_hour at each hour's "
      "end)");
  add(kKpiFreshness, {r.ingestion.freshness_peak_seconds, "newest event, all sources"},
      "peak of scenescout_events_freshness_lag_seconds");
  return kpis;
}

absl::StatusOr<DailyReport> BuildDailyReport(const ReportPeriod& period, ReportSource& shared) {
  if (period.days.size() != 1) return absl::InvalidArgumentError("a daily report covers one day");
  SCOUT_ASSIGN_OR_RETURN(absl::TimeZone tz, LoadReportTimeZone(period.timezone));
  const DayWindow& day = period.days.front();
  // Every read below lies in the day, from the RATE base / sample lookback
  // before it to the hour-end sample at its end.
  std::unique_ptr<ReportSource> windowed =
      shared.ForWindow(day.start_ms - kSampleLookbackMs, day.end_ms + 1);
  ReportSource& source = windowed ? *windowed : shared;
  DailyReport r;
  SCOUT_ASSIGN_OR_RETURN(r.endpoints, ComputeEndpoints(source, day, tz, /*detailed=*/true));
  SCOUT_ASSIGN_OR_RETURN(r.hosts, ComputeHosts(source, day, tz, /*detailed=*/true));
  SCOUT_ASSIGN_OR_RETURN(r.database, ComputeDatabase(source, day));
  SCOUT_ASSIGN_OR_RETURN(r.ingestion, ComputeIngestion(source, day, tz, /*detailed=*/true));
  SCOUT_ASSIGN_OR_RETURN(r.alerts, ComputeAlerts(source, day.start_ms, day.end_ms));
  SCOUT_ASSIGN_OR_RETURN(r.process_groups, ComputeProcessGroups(source, day));
  r.kpis = ComputeKpis(r);
  return r;
}

}  // namespace scout::collector::reports
