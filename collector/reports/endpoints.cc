#include "collector/reports/endpoints.h"

#include <map>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "collector/reports/kpi.h"
#include "collector/reports/report_util.h"

namespace scout::collector::reports {
namespace {

constexpr const char* kDuration = "scout_probe_duration_seconds";
constexpr const char* kSuccess = "scout_probe_success";

// An endpoint is what one agent probes under one spec name.
std::string EndpointKey(const SeriesKey& k) { return KeyOf(k, {"host", "probe", "target"}); }

EndpointStats& Slot(std::map<std::string, EndpointStats>& all, const SeriesKey& k) {
  EndpointStats& e = all[EndpointKey(k)];
  if (e.probe.empty()) {
    e.probe = Label(k, "probe");
    e.host = Label(k, "host");
    e.target = Label(k, "target");
    e.protocol = Label(k, "protocol");
    e.kind = Label(k, "kind");
  }
  return e;
}

absl::Status AddSummary(ReportSource& source, const DayWindow& day, const char* metric,
                        Aggregation agg, std::map<std::string, EndpointStats>& all,
                        double EndpointStats::*field) {
  auto series = source.Summarize(metric, day.start_ms, day.end_ms, agg);
  if (!series.ok()) return series.status();
  for (const SeriesPoints& s : *series) Slot(all, s.key).*field = s.points.front().value;
  return absl::OkStatus();
}

}  // namespace

bool IsHttpEndpoint(const EndpointStats& e) { return e.protocol == "http"; }
bool IsApiEndpoint(const EndpointStats& e) { return e.kind == "api"; }
bool IsWebEndpoint(const EndpointStats& e) { return IsHttpEndpoint(e) && !IsApiEndpoint(e); }
bool IsTcpEndpoint(const EndpointStats& e) { return e.protocol == "tcp"; }
std::string EndpointName(const EndpointStats& e) { return absl::StrCat(e.probe, " (", e.host, ")"); }

namespace {

// The latency KPI an endpoint's response-time chart is drawn against.
std::string_view LatencyKpiOf(const EndpointStats& e) {
  if (IsApiEndpoint(e)) return kKpiApiResponse;
  return IsTcpEndpoint(e) ? kKpiNetworkLatency : kKpiResponseTime;
}

}  // namespace

bool EndpointMissesKpi(const EndpointStats& e) {
  auto misses = [](std::string_view kpi, double v) {
    const KpiStatus s = MakeKpi(kpi, v, "", "").status;
    return s == KpiStatus::kWarning || s == KpiStatus::kCritical;
  };
  if (IsHttpEndpoint(e) && misses(kKpiErrorRate, e.error_rate)) return true;
  if (IsWebEndpoint(e)) return misses(kKpiResponseTime, e.p95) || misses(kKpiAvailability, e.availability);
  if (IsApiEndpoint(e)) return misses(kKpiApiResponse, e.mean) || misses(kKpiApiSuccess, 1 - e.error_rate);
  if (IsTcpEndpoint(e)) return misses(kKpiNetworkLatency, e.mean);
  return false;
}

absl::StatusOr<std::vector<EndpointStats>> ComputeEndpoints(ReportSource& source,
                                                            const DayWindow& day,
                                                            absl::TimeZone tz, bool detailed) {
  std::map<std::string, EndpointStats> all;
  absl::Status st = AddSummary(source, day, kDuration, Aggregation::kP95, all, &EndpointStats::p95);
  if (st.ok() && detailed) {
    st = AddSummary(source, day, kDuration, Aggregation::kP50, all, &EndpointStats::p50);
  }
  if (st.ok() && detailed) {
    st = AddSummary(source, day, kDuration, Aggregation::kP99, all, &EndpointStats::p99);
  }
  if (st.ok() && detailed) {
    st = AddSummary(source, day, kDuration, Aggregation::kAvg, all, &EndpointStats::mean);
  }
  if (!st.ok()) return st;

  auto success = source.Summarize(kSuccess, day.start_ms, day.end_ms, Aggregation::kAvg);
  if (!success.ok()) return success.status();
  for (const SeriesPoints& s : *success) Slot(all, s.key).error_rate = 1 - s.points.front().value;
  auto counts = source.Summarize(kSuccess, day.start_ms, day.end_ms, Aggregation::kCount);
  if (!counts.ok()) return counts.status();
  for (const SeriesPoints& s : *counts) {
    Slot(all, s.key).samples = static_cast<int64_t>(s.points.front().value);
  }

  // Availability: minutes in which every result succeeded. Local days
  // start on whole minutes, so epoch-aligned minute buckets tile the day.
  auto minutes = source.Range(kSuccess, day.start_ms, day.end_ms, kOneMinuteMs, Aggregation::kMin);
  if (!minutes.ok()) return minutes.status();
  for (const SeriesPoints& s : *minutes) {
    EndpointStats& e = Slot(all, s.key);
    for (const Point& p : s.points) {
      ++e.minutes;
      if (p.value >= 1) ++e.minutes_up;
    }
    e.availability = e.minutes > 0 ? static_cast<double>(e.minutes_up) / e.minutes : kNoData;
  }

  if (detailed) {
    for (auto& [key, e] : all) {
      e.chart = MakeChart(absl::StrCat("Response time: ", EndpointName(e)), Unit::kSeconds,
                          day.start_ms, day.end_ms, 3 * kOneHourMs, "%H:%M", tz);
      e.chart.max_gap_ms = 2 * kOneHourMs;
      e.chart.threshold = guide::FindKpi(LatencyKpiOf(e)).warning;
      e.chart.threshold_label = IsApiEndpoint(e) ? "KPI 5 s" : IsTcpEndpoint(e) ? "KPI 100 ms"
                                                                                : "KPI 2 s";
    }
    for (auto [agg, name] : {std::pair{Aggregation::kP50, "p50 (hourly)"},
                             std::pair{Aggregation::kP95, "p95 (hourly)"}}) {
      auto hourly = source.Range(kDuration, day.start_ms, day.end_ms, kOneHourMs, agg);
      if (!hourly.ok()) return hourly.status();
      for (SeriesPoints& s : *hourly) {
        Slot(all, s.key).chart.lines.push_back({name, std::move(s.points)});
      }
    }
  }

  std::vector<EndpointStats> out;
  for (auto& [key, e] : all) out.push_back(std::move(e));
  return out;
}

}  // namespace scout::collector::reports
