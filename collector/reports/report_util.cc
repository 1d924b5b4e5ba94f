#include "collector/reports/report_util.h"

#include <algorithm>
#include <utility>

namespace scout::collector::reports {

const std::string& Label(const SeriesKey& key, const char* name) {
  return LabelValue(key.labels, name);
}

std::string KeyOf(const SeriesKey& key, std::initializer_list<const char*> labels) {
  std::string out;
  bool first = true;
  for (const char* name : labels) {
    if (!first) out += '\x1f';
    first = false;
    out += Label(key, name);
  }
  return out;
}

absl::StatusOr<std::map<std::string, double>> SummaryMap(
    ReportSource& source, const std::string& selector, int64_t start_ms, int64_t end_ms,
    Aggregation agg, std::initializer_list<const char*> key_labels, Combine combine) {
  auto series = source.Summarize(selector, start_ms, end_ms, agg);
  if (!series.ok()) return series.status();
  std::map<std::string, double> out;
  for (const SeriesPoints& s : *series) {
    const double v = s.points.front().value;
    auto [it, inserted] = out.emplace(KeyOf(s.key, key_labels), v);
    if (!inserted) it->second = combine == Combine::kMax ? std::max(it->second, v) : it->second + v;
  }
  return out;
}

std::vector<int64_t> HourEnds(int64_t start_ms, int64_t end_ms) {
  std::vector<int64_t> out;
  for (int64_t t = start_ms + kOneHourMs; t <= end_ms; t += kOneHourMs) out.push_back(t);
  return out;
}

Chart MakeChart(std::string title, Unit unit, int64_t start_ms, int64_t end_ms, int64_t tick_ms,
                const char* format, absl::TimeZone tz) {
  Chart c;
  c.title = std::move(title);
  c.unit = unit;
  c.start_ms = start_ms;
  c.end_ms = end_ms;
  for (int64_t t = start_ms; t <= end_ms; t += tick_ms) {
    c.x_ticks.emplace_back(t, absl::FormatTime(format, absl::FromUnixMillis(t), tz));
  }
  return c;
}

double SafeRatio(double a, double b) {
  if (!HasData(a) || !HasData(b) || b == 0) return kNoData;
  return a / b;
}

double MaxKnown(double a, double b) {
  if (!HasData(a)) return b;
  if (!HasData(b)) return a;
  return std::max(a, b);
}

double MinKnown(double a, double b) {
  if (!HasData(a)) return b;
  if (!HasData(b)) return a;
  return std::min(a, b);
}

}  // namespace scout::collector::reports
