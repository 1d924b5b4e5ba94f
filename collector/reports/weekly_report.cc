#include "collector/reports/weekly_report.h"

#include <set>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "collector/reports/alerts_section.h"
#include "collector/reports/endpoints.h"
#include "collector/reports/hosts.h"
#include "collector/reports/ingestion.h"
#include "collector/reports/report_util.h"
#include "shared/status_macros.h"

namespace scout::collector::reports {
namespace {

struct WeekData {
  std::vector<DayFigures> days;
  std::set<std::string> active_sources;  // over the whole week
};

// Mean of the known values; NaN when none is known.
double MeanKnown(const std::vector<double>& values) {
  double sum = 0;
  int n = 0;
  for (double v : values) {
    if (!HasData(v)) continue;
    sum += v;
    ++n;
  }
  return n > 0 ? sum / n : kNoData;
}

absl::StatusOr<WeekData> ComputeWeek(const ReportPeriod& period, ReportSource& shared,
                                     absl::TimeZone tz) {
  WeekData week;
  // Every read below lies in the week (hour-end samples up to its end).
  std::unique_ptr<ReportSource> windowed = shared.ForWindow(period.start_ms, period.end_ms + 1);
  ReportSource& source = windowed ? *windowed : shared;
  SCOUT_ASSIGN_OR_RETURN(std::vector<int64_t> alerts, CountFiredPerDay(source, period.days));
  for (size_t i = 0; i < period.days.size(); ++i) {
    const DayWindow& w = period.days[i];
    DayFigures d;
    d.date = w.date;
    d.weekday = w.weekday;
    d.start_ms = w.start_ms;
    d.end_ms = w.end_ms;
    d.alerts_fired = alerts[i];

    SCOUT_ASSIGN_OR_RETURN(auto endpoints, ComputeEndpoints(source, w, tz, /*detailed=*/false));
    for (const EndpointStats& e : endpoints) {
      if (IsWebEndpoint(e)) {
        d.p95_latency_seconds = MaxKnown(d.p95_latency_seconds, e.p95);
        d.availability = MinKnown(d.availability, e.availability);
      }
      if (IsHttpEndpoint(e)) d.error_rate = MaxKnown(d.error_rate, e.error_rate);
    }
    SCOUT_ASSIGN_OR_RETURN(auto hosts, ComputeHosts(source, w, tz, /*detailed=*/false));
    for (const HostStats& h : hosts) {
      d.cpu_peak = MaxKnown(d.cpu_peak, h.cpu_peak);
      d.memory_peak = MaxKnown(d.memory_peak, h.memory_peak);
    }
    SCOUT_ASSIGN_OR_RETURN(auto ingestion, ComputeIngestion(source, w, tz, /*detailed=*/false));
    d.total_events = ingestion.total_events;
    d.active_sources = ingestion.hours_sampled > 0 || !ingestion.sources.empty()
                           ? static_cast<double>(ingestion.active_sources)
                           : kNoData;
    std::vector<double> responses, successes;
    for (const SourceIngestion& s : ingestion.sources) {
      responses.push_back(s.api_avg_response_seconds);
      successes.push_back(s.api_success_ratio);
      if (HasData(s.total_events) && s.total_events > 0) week.active_sources.insert(s.source);
    }
    d.api_avg_response_seconds = MeanKnown(responses);
    d.api_avg_success_ratio = MeanKnown(successes);
    week.days.push_back(std::move(d));
  }
  return week;
}

WeekFigures Fold(const std::string& label, const WeekData& week) {
  WeekFigures f;
  f.label = label;
  std::vector<double> responses, successes, errors, availability;
  bool any_ingestion = false;
  for (const DayFigures& d : week.days) {
    if (HasData(d.total_events)) {
      f.total_events = HasData(f.total_events) ? f.total_events + d.total_events : d.total_events;
    }
    any_ingestion = any_ingestion || HasData(d.active_sources);
    responses.push_back(d.api_avg_response_seconds);
    successes.push_back(d.api_avg_success_ratio);
    errors.push_back(d.error_rate);
    availability.push_back(d.availability);
    f.p95_latency_seconds = MaxKnown(f.p95_latency_seconds, d.p95_latency_seconds);
    f.cpu_peak = MaxKnown(f.cpu_peak, d.cpu_peak);
    f.memory_peak = MaxKnown(f.memory_peak, d.memory_peak);
    f.alerts_fired += static_cast<double>(d.alerts_fired);
  }
  f.active_sources = any_ingestion ? static_cast<double>(week.active_sources.size()) : kNoData;
  f.api_avg_response_seconds = MeanKnown(responses);
  f.api_avg_success_ratio = MeanKnown(successes);
  f.error_rate = MeanKnown(errors);
  f.availability = MeanKnown(availability);
  return f;
}

std::vector<WeekChange> Changes(const WeekFigures& now, const WeekFigures& before) {
  struct Def {
    const char* id;
    const char* name;
    Unit unit;
    bool higher_is_better;
    double WeekFigures::*field;
  };
  const Def defs[] = {
      {"total_events", "Total events", Unit::kCount, true, &WeekFigures::total_events},
      {"active_sources", "Active sources", Unit::kCount, true, &WeekFigures::active_sources},
      {"api_avg_response_seconds", "Avg API response time", Unit::kSeconds, false,
       &WeekFigures::api_avg_response_seconds},
      {"api_avg_success_ratio", "Avg API success rate", Unit::kRatio, true,
       &WeekFigures::api_avg_success_ratio},
      {"p95_latency_seconds", "p95 latency (worst day)", Unit::kSeconds, false,
       &WeekFigures::p95_latency_seconds},
      {"error_rate", "Error rate (mean of days)", Unit::kRatio, false, &WeekFigures::error_rate},
      {"availability", "Availability (mean of days)", Unit::kRatio, true,
       &WeekFigures::availability},
      {"cpu_peak", "CPU peak", Unit::kRatio, false, &WeekFigures::cpu_peak},
      {"memory_peak", "Memory peak", Unit::kRatio, false, &WeekFigures::memory_peak},
      {"alerts_fired", "Alerts fired", Unit::kCount, false, &WeekFigures::alerts_fired},
  };
  std::vector<WeekChange> out;
  for (const Def& d : defs) {
    WeekChange c;
    c.id = d.id;
    c.name = d.name;
    c.unit = d.unit;
    c.higher_is_better = d.higher_is_better;
    c.this_week = now.*d.field;
    c.previous_week = before.*d.field;
    if (HasData(c.this_week) && HasData(c.previous_week)) {
      c.change = c.this_week - c.previous_week;
      c.change_ratio = SafeRatio(c.change, c.previous_week);
    }
    out.push_back(std::move(c));
  }
  return out;
}

// A chart of one figure per day, this week against the previous one; the
// previous week's values are drawn at the same weekdays.
Chart DailyChart(std::string title, Unit unit, const ReportPeriod& period,
                 const std::vector<DayFigures>& now, const std::vector<DayFigures>& before,
                 double DayFigures::*field) {
  Chart c;
  c.title = std::move(title);
  c.unit = unit;
  c.start_ms = period.start_ms;
  c.end_ms = period.end_ms;
  // Ticks at local midnights (not always 24 h apart), labelled "Mon 23".
  for (const DayWindow& d : period.days) {
    c.x_ticks.emplace_back(d.start_ms, absl::StrCat(d.weekday, " ", d.date.substr(8)));
  }
  c.max_gap_ms = 2 * 24 * kOneHourMs;
  ChartLine this_week{"this week", {}}, previous{"previous week", {}};
  for (size_t i = 0; i < period.days.size(); ++i) {
    const int64_t mid = (period.days[i].start_ms + period.days[i].end_ms) / 2;
    if (i < now.size() && HasData(now[i].*field)) this_week.points.push_back({mid, now[i].*field});
    if (i < before.size() && HasData(before[i].*field)) {
      previous.points.push_back({mid, before[i].*field});
    }
  }
  c.lines = {std::move(this_week), std::move(previous)};
  return c;
}

}  // namespace

absl::StatusOr<WeeklyReport> BuildWeeklyReport(const ReportPeriod& period, ReportSource& source) {
  if (period.kind != ReportKind::kWeekly) {
    return absl::InvalidArgumentError("a weekly report needs an ISO week period");
  }
  SCOUT_ASSIGN_OR_RETURN(absl::TimeZone tz, LoadReportTimeZone(period.timezone));
  SCOUT_ASSIGN_OR_RETURN(ReportPeriod previous, PreviousPeriod(period));
  SCOUT_ASSIGN_OR_RETURN(WeekData now, ComputeWeek(period, source, tz));
  SCOUT_ASSIGN_OR_RETURN(WeekData before, ComputeWeek(previous, source, tz));
  WeeklyReport r;
  r.this_week = Fold(period.label, now);
  r.previous_week = Fold(previous.label, before);
  r.changes = Changes(r.this_week, r.previous_week);
  r.events_chart = DailyChart("Events per day", Unit::kCount, period, now.days, before.days,
                              &DayFigures::total_events);
  r.latency_chart = DailyChart("p95 latency per day (worst web endpoint)", Unit::kSeconds, period,
                               now.days, before.days, &DayFigures::p95_latency_seconds);
  r.days = std::move(now.days);
  r.previous_days = std::move(before.days);
  return r;
}

}  // namespace scout::collector::reports
