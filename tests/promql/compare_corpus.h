// The "same answers as Prometheus" material shared by the two comparison
// tests (prometheus_compare_test.cc: Scout's engine in memory against a
// Prometheus loaded by promtool; http_compare_test.cc: Scout's HTTP API
// against a Prometheus fed by Scout's remote write out):
//   - a generated dataset: counters with resets, gauges with gaps longer
//     than the 5-minute lookback, histogram buckets, irregular scrape
//     times, several label sets; optionally Prometheus staleness markers;
//   - the query corpus and the instants and ranges to run it at;
//   - the comparison rules: the same label sets, values within 1e-9
//     relative (or 1e-12 absolute near zero), NaN equals NaN.
//
// Thread safety: pure functions, except Corpus()'s static (built once).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "shared/metric.h"
#include "tests/promql/memory_source.h"

namespace scout::collector::promql::compare {

inline constexpr int64_t kS = 1000;
inline constexpr int64_t kM = 60 * kS;
inline constexpr int64_t kSpan = 180 * kM;  // 3 hours of data
inline constexpr int64_t kStep = 15 * kS;   // scrape interval
// The first sample of the fixed (backfilled) dataset, in ms.
inline constexpr int64_t kDefaultT0 = 1'700'000'000'000;

struct DatasetOptions {
  int64_t t0_ms = kDefaultT0;  // every timestamp is t0 + [-1.5 s, kSpan)
  // Ends some series with Prometheus's staleness marker (StaleNaN): a gauge
  // that disappears for 15 minutes and comes back, one that comes back
  // after 2 minutes (inside the lookback, where only the marker hides it),
  // a counter and a histogram instance that end for good. OpenMetrics
  // backfill cannot carry markers; remote write can.
  bool staleness_markers = false;
};

// Deterministic for given options. Each series' points are sorted.
MemorySource MakeDataset(const DatasetOptions& options);

// Every supported function and operator (at least 60 queries), including
// some both sides must refuse.
const std::vector<std::string>& Corpus();

// Instants to evaluate the corpus at (relative to t0, in ms).
std::vector<int64_t> InstantTimes(int64_t t0_ms);

struct RangeWindow {
  int64_t start_ms, end_ms, step_ms;
};
std::vector<RangeWindow> RangeWindows(int64_t t0_ms);

// --- comparison ------------------------------------------------------------

// series key ("{name=\"value\",...}", labels sorted) -> (timestamp ms -> value)
using Series = std::map<std::string, std::map<int64_t, double>>;

std::string LabelsKey(const Labels& labels);
std::string LabelsKey(const nlohmann::json& metric);  // a result's "metric" object

// A Prometheus-API `data` object as series (an instant result gets t_ms).
Series FromApiData(const nlohmann::json& data, int64_t t_ms);

// Within 1e-9 relative or 1e-12 absolute; NaN equals NaN only.
bool SameValue(double a, double b);

struct CompareCounts {
  size_t series = 0;
  size_t points = 0;
  size_t errors = 0;  // queries both sides refused
};

// Every difference between `want` (Prometheus) and `got` (Scout), one line
// each, prefixed with `what`; counts what was compared.
std::vector<std::string> CompareSeries(const std::string& what, const Series& want,
                                       const Series& got, CompareCounts* counts);

// "1700000000.123": a timestamp for the HTTP API.
std::string ApiSeconds(int64_t ms);

}  // namespace scout::collector::promql::compare
