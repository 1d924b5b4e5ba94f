// Small helpers the section builders share: keying series by labels,
// whole-window summaries as maps, local hour boundaries, chart axes.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "collector/reports/report_model.h"
#include "collector/reports/report_source.h"

namespace scout::collector::reports {

inline constexpr int64_t kOneMinuteMs = 60'000;
inline constexpr int64_t kOneHourMs = 3'600'000;
// A gauge sampled at an instant must be at most this old (the collector's
// staleness rule for `Latest`, docs/architecture.md).
inline constexpr int64_t kSampleLookbackMs = 15 * kOneMinuteMs;

// Label values joined with '\x1f' (cannot occur in label values we key on
// in practice, and never prints): the identity of an endpoint, host, ...
std::string KeyOf(const SeriesKey& key, std::initializer_list<const char*> labels);
const std::string& Label(const SeriesKey& key, const char* name);

// Summarize() as key -> value. Several series with one key (labels not in
// the key differ): `combine` decides (max for peaks, sum for counts).
enum class Combine { kMax, kSum };
absl::StatusOr<std::map<std::string, double>> SummaryMap(
    ReportSource& source, const std::string& selector, int64_t start_ms, int64_t end_ms,
    Aggregation agg, std::initializer_list<const char*> key_labels, Combine combine);

// The instants that end each local hour of [start, end): start+1h, ...,
// end. Hours are whole 3600 s steps from local midnight, so a 23 h or 25 h
// DST day has 23 or 25 of them.
std::vector<int64_t> HourEnds(int64_t start_ms, int64_t end_ms);

// An empty chart over [start, end) with x ticks every `tick_ms` labelled in
// `tz` with `format` (absl::FormatTime syntax).
Chart MakeChart(std::string title, Unit unit, int64_t start_ms, int64_t end_ms, int64_t tick_ms,
                const char* format, absl::TimeZone tz);

// Ratio a / b, NaN when b is 0 or either is NaN.
double SafeRatio(double a, double b);
// Max / min ignoring NaN; NaN when both are NaN.
double MaxKnown(double a, double b);
double MinKnown(double a, double b);

}  // namespace scout::collector::reports
