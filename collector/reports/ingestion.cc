#include "collector/reports/ingestion.h"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <utility>

#include "collector/reports/report_util.h"
#include "shared/status_macros.h"

namespace scout::collector::reports {
namespace {

using Hourly = std::map<std::string, std::vector<double>>;  // key -> value per hour (NaN: none)

// Samples `metric` at the hour ends, keyed by `labels`; several series with
// one key are added up (one SceneScout database per target).
absl::StatusOr<Hourly> SampleHours(ReportSource& source, const char* metric,
                                   const std::vector<int64_t>& ends,
                                   std::initializer_list<const char*> labels) {
  auto series = source.SampleAt(metric, ends, kSampleLookbackMs);
  if (!series.ok()) return series.status();
  Hourly out;
  for (const SeriesPoints& s : *series) {
    auto [it, inserted] = out.try_emplace(KeyOf(s.key, labels), ends.size(), kNoData);
    for (const Point& p : s.points) {
      const size_t i = static_cast<size_t>(
          std::lower_bound(ends.begin(), ends.end(), p.timestamp_ms) - ends.begin());
      double& slot = it->second[i];
      slot = HasData(slot) ? slot + p.value : p.value;
    }
  }
  return out;
}

std::string Part(const std::string& key, int index) {
  size_t start = 0;
  for (int i = 0; i < index; ++i) start = key.find('\x1f', start) + 1;
  return key.substr(start, key.find('\x1f', start) - start);
}

// Σ a_h·w_h / Σ w_h over hours where both are known and w_h > 0.
double Weighted(const std::vector<double>& a, const std::vector<double>& w) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size() && i < w.size(); ++i) {
    if (!HasData(a[i]) || !HasData(w[i]) || w[i] <= 0) continue;
    num += a[i] * w[i];
    den += w[i];
  }
  return den > 0 ? num / den : kNoData;
}

double SumKnown(const std::vector<double>& v) {
  double sum = kNoData;
  for (double x : v) {
    if (HasData(x)) sum = HasData(sum) ? sum + x : x;
  }
  return sum;
}

}  // namespace

namespace {

using SourceKey = std::initializer_list<const char*>;
constexpr SourceKey kSourceKey = {"target", "source"};

// The hourly totals of every source together.
absl::Status AddTotals(ReportSource& source, const std::vector<int64_t>& ends,
                       IngestionSection& out) {
  auto total = SampleHours(source, "scenescout_events_ingested_last_hour", ends, {});
  if (!total.ok()) return total.status();
  out.hourly_events.assign(ends.size(), kNoData);
  if (!total->empty()) out.hourly_events = total->begin()->second;
  for (double v : out.hourly_events) {
    if (!HasData(v)) continue;
    ++out.hours_sampled;
    out.min_hour_events = MinKnown(out.min_hour_events, v);
  }
  out.total_events = SumKnown(out.hourly_events);
  out.avg_events_per_hour =
      out.hours_sampled > 0 ? out.total_events / static_cast<double>(out.hours_sampled) : kNoData;
  return absl::OkStatus();
}

// The per-source rows, keyed by target and source, created on first use.
class SourceRows {
 public:
  explicit SourceRows(size_t hours) : hours_(hours) {}

  SourceIngestion& operator[](const std::string& key) {
    SourceIngestion& s = rows_[key];
    if (s.source.empty()) {
      s.target = Part(key, 0);
      s.source = Part(key, 1);
      s.hourly_events.assign(hours_, kNoData);
    }
    return s;
  }
  std::map<std::string, SourceIngestion>& rows() { return rows_; }

 private:
  size_t hours_;
  std::map<std::string, SourceIngestion> rows_;
};

// Events and API figures per source, hour by hour.
absl::Status AddSourceHours(ReportSource& source, const std::vector<int64_t>& ends,
                            SourceRows& sources) {
  auto events = SampleHours(source, "scenescout_source_events_ingested_last_hour", ends, kSourceKey);
  if (!events.ok()) return events.status();
  auto requests = SampleHours(source, "scenescout_api_requests_last_hour", ends, kSourceKey);
  if (!requests.ok()) return requests.status();
  auto response = SampleHours(source, "scenescout_api_avg_response_seconds", ends, kSourceKey);
  if (!response.ok()) return response.status();
  auto success = SampleHours(source, "scenescout_api_success_ratio", ends, kSourceKey);
  if (!success.ok()) return success.status();
  for (const auto& [key, hours] : *events) {
    SourceIngestion& s = sources[key];
    s.hourly_events = hours;
    s.total_events = SumKnown(hours);
  }
  for (const auto& [key, req] : *requests) {
    SourceIngestion& s = sources[key];
    s.api_requests = SumKnown(req);
    auto r = response->find(key);
    if (r != response->end()) s.api_avg_response_seconds = Weighted(r->second, req);
    auto ok = success->find(key);
    if (ok != success->end()) s.api_success_ratio = Weighted(ok->second, req);
  }
  return absl::OkStatus();
}

// Gaps per source and the worst freshness lag of the day.
absl::Status AddGapsAndLag(ReportSource& source, const DayWindow& day, SourceRows& sources,
                           IngestionSection& out) {
  auto age = SummaryMap(source, "scenescout_source_last_event_age_seconds", day.start_ms,
                        day.end_ms, Aggregation::kMax, kSourceKey, Combine::kMax);
  if (!age.ok()) return age.status();
  for (const auto& [key, v] : *age) {
    SourceIngestion& s = sources[key];
    s.max_last_event_age_seconds = v;
    s.gap = v > kGapSeconds;
  }
  auto lag = SummaryMap(source, "scenescout_events_freshness_lag_seconds", day.start_ms,
                        day.end_ms, Aggregation::kMax, {}, Combine::kMax);
  if (!lag.ok()) return lag.status();
  if (!lag->empty()) out.freshness_peak_seconds = lag->begin()->second;
  return absl::OkStatus();
}

// The day's ingestion errors, most first.
absl::Status AddErrors(ReportSource& source, const DayWindow& day, IngestionSection& out) {
  const std::vector<int64_t> day_end = {day.end_ms};
  auto errors = source.SampleAt("scenescout_ingestion_errors_last_24h", day_end,
                                kSampleLookbackMs);
  if (!errors.ok()) return errors.status();
  auto last = source.SampleAt("scenescout_ingestion_errors_last_timestamp_seconds", day_end,
                              kSampleLookbackMs);
  if (!last.ok()) return last.status();
  const auto error_key = {"host", "target", "source", "error_type"};
  std::map<std::string, double> last_by_key;
  for (const SeriesPoints& s : *last) last_by_key[KeyOf(s.key, error_key)] = s.points[0].value;
  for (const SeriesPoints& s : *errors) {
    if (s.points[0].value <= 0) continue;
    IngestionError e;
    e.target = Label(s.key, "target");
    e.source = Label(s.key, "source");
    e.error_type = Label(s.key, "error_type");
    e.count = s.points[0].value;
    auto it = last_by_key.find(KeyOf(s.key, error_key));
    if (it != last_by_key.end()) e.last_error_ms = static_cast<int64_t>(it->second * 1000);
    out.errors.push_back(std::move(e));
  }
  std::sort(out.errors.begin(), out.errors.end(),
            [](const IngestionError& a, const IngestionError& b) {
              return a.count != b.count ? a.count > b.count : a.source < b.source;
            });
  return absl::OkStatus();
}

void AddChart(const std::map<std::string, SourceIngestion>& sources, const DayWindow& day,
              absl::TimeZone tz, IngestionSection& out) {
  out.chart = MakeChart("Events per source per hour", Unit::kCount, day.start_ms, day.end_ms,
                        3 * kOneHourMs, "%H:%M", tz);
  out.chart.max_gap_ms = 2 * kOneHourMs;
  for (const auto& [key, s] : sources) {
    ChartLine line{s.source, {}};
    for (size_t i = 0; i < s.hourly_events.size(); ++i) {
      if (HasData(s.hourly_events[i])) line.points.push_back({out.hour_starts[i], s.hourly_events[i]});
    }
    out.chart.lines.push_back(std::move(line));
  }
}

}  // namespace

absl::StatusOr<IngestionSection> ComputeIngestion(ReportSource& source, const DayWindow& day,
                                                  absl::TimeZone tz, bool detailed) {
  IngestionSection out;
  const std::vector<int64_t> ends = HourEnds(day.start_ms, day.end_ms);
  for (int64_t e : ends) out.hour_starts.push_back(e - kOneHourMs);
  SCOUT_RETURN_IF_ERROR(AddTotals(source, ends, out));
  SourceRows sources(ends.size());
  SCOUT_RETURN_IF_ERROR(AddSourceHours(source, ends, sources));
  std::map<std::string, bool> active;  // by source name: one source may feed several targets
  for (const auto& [key, s] : sources.rows()) {
    if (HasData(s.total_events) && s.total_events > 0) active[s.source] = true;
  }
  out.active_sources = static_cast<int64_t>(active.size());
  if (detailed) {
    SCOUT_RETURN_IF_ERROR(AddGapsAndLag(source, day, sources, out));
    SCOUT_RETURN_IF_ERROR(AddErrors(source, day, out));
    AddChart(sources.rows(), day, tz, out);
  }
  for (auto& [key, s] : sources.rows()) out.sources.push_back(std::move(s));
  return out;
}

}  // namespace scout::collector::reports
