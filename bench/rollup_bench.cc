// scout-rollup-bench: the cost and benefit of rollups and retention on a
// real SQLite file (docs/performance.md, "Rollups and retention").
//
// Writes S series for D days at a fixed interval through SqliteStorage
// (a latency series among them gets sketches), flushing as the collector
// does, then times:
//  * a 7-day range query of one series at a 1 h step, from raw points
//    (ReadRange + AggregateBuckets, what QueryRange did before) and through
//    QueryAggregated (hourly rollups), for avg and p95;
//  * housekeeping: DeleteExpired() calls after the clock moves past raw
//    retention (rows and milliseconds per call);
//  * bytes per sample per tier (Storage::Stats).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "collector/range_query.h"
#include "collector/storage/sqlite_storage.h"
#include "shared/mutex_mode.h"

using namespace scout;
using namespace scout::collector;

namespace {

// Reads in tests are bounded by their fixtures, not by a budget.
ReadBudget& NoBudget() {
  static ReadBudget budget = ReadBudget::Unlimited();
  return budget;
}

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

struct Timings {
  std::vector<double> ms;
  double Percentile(double q) {
    std::sort(ms.begin(), ms.end());
    return ms[static_cast<size_t>(q * static_cast<double>(ms.size() - 1))];
  }
};

}  // namespace

int main(int argc, char** argv) {
  scout::DisableMutexDeadlockDetection();
  CLI::App app{"Rollups and retention benchmark"};
  int series = 100, days = 8, interval_s = 10, repeats = 20;
  size_t housekeeping_rows = 500;
  std::string dir = "/tmp/scout-rollup-bench";
  app.add_option("--series", series);
  app.add_option("--days", days);
  app.add_option("--interval", interval_s, "seconds between samples");
  app.add_option("--repeats", repeats);
  app.add_option("--housekeeping-rows", housekeeping_rows);
  app.add_option("--dir", dir);
  CLI11_PARSE(app, argc, argv);

  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const int64_t day0 = 1'795'737'600'000 - static_cast<int64_t>(days) * kDayMs;  // UTC midnight
  ManualClock clock(day0);
  SqliteOptions options;
  options.path = dir + "/scout.db";
  options.housekeeping_rows = housekeeping_rows;
  auto opened = SqliteStorage::Open(options, clock);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  SqliteStorage& storage = **opened;

  // One write per 10 minutes of data (all series), flushes as they come due.
  const int64_t interval = interval_s * 1000LL;
  const int64_t window = 600'000;
  const auto write_start = std::chrono::steady_clock::now();
  int64_t samples = 0;
  for (int64_t t = day0; t < day0 + days * kDayMs; t += window) {
    WriteBatch b;
    b.agent_id = "bench";
    for (int s = 0; s < series; ++s) {
      const std::string metric = s == 0 ? "http_request_duration_seconds" : "bench_gauge";
      SeriesPoints sp{{metric, MakeLabels({{"host", "h" + std::to_string(s)}})}, {}};
      for (int64_t u = t; u < t + window; u += interval) {
        const double x = static_cast<double>(u / interval % 1000);
        sp.points.push_back({u, 0.05 + 0.2 * std::fabs(std::sin(x * 0.37 + s))});
      }
      samples += static_cast<int64_t>(sp.points.size());
      b.series.push_back(std::move(sp));
    }
    if (auto st = storage.Write({&b}); !st.ok()) return 1;
    clock.SetMs(t + window);
    if (auto st = storage.Maintain(); !st.ok()) return 1;
  }
  if (!storage.FlushAll().ok()) return 1;
  std::printf("wrote %lld samples (%d series x %d days at %d s) in %.1f s\n",
              static_cast<long long>(samples), series, days, interval_s,
              Ms(std::chrono::steady_clock::now() - write_start) / 1000);

  const int64_t end = day0 + days * kDayMs;
  const int64_t start = end - 7 * kDayMs;
  for (const char* sel_text : {R"(bench_gauge{host="h1"})", R"(http_request_duration_seconds)"}) {
    for (Aggregation agg : {Aggregation::kAvg, Aggregation::kP95}) {
      auto sel = *CompiledSelector::Compile(*ParseSelector(sel_text));
      Timings raw, rollup;
      size_t raw_points = 0, rollup_points = 0;
      double max_diff = 0;
      for (int r = 0; r < repeats; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        auto data = storage.ReadRange(sel, start, end, 10, NoBudget());
        auto raw_answer = AggregateBuckets(data->items[0].points, start, end, kHourMs, agg);
        raw.ms.push_back(Ms(std::chrono::steady_clock::now() - t0));
        t0 = std::chrono::steady_clock::now();
        auto answer = QueryAggregated(storage, sel, start, end, kHourMs, agg, 10, NoBudget());
        rollup.ms.push_back(Ms(std::chrono::steady_clock::now() - t0));
        raw_points = raw_answer.size();
        rollup_points = answer->items[0].points.size();
        for (size_t i = 0; i < std::min(raw_points, rollup_points); ++i) {
          max_diff = std::max(max_diff, std::fabs(answer->items[0].points[i].value -
                                                  raw_answer[i].value) /
                                            std::fabs(raw_answer[i].value));
        }
      }
      std::printf("7d @ 1h %-40s %-3s raw p50 %.2f ms p99 %.2f ms (%zu buckets) | 1h rollups p50 "
                  "%.2f ms p99 %.2f ms (%zu buckets) | max rel. diff %.4f%%\n",
                  sel_text, agg == Aggregation::kAvg ? "avg" : "p95", raw.Percentile(0.5),
                  raw.Percentile(0.99), raw_points, rollup.Percentile(0.5),
                  rollup.Percentile(0.99), rollup_points, max_diff * 100);
    }
  }

  auto stats = storage.Stats();
  for (const TierStats& t : stats->tiers) {
    std::printf("tier %-6s rows %9lld samples %11lld bytes %11lld bytes/sample %.2f bytes/row %.1f\n",
                t.tier.c_str(), static_cast<long long>(t.rows), static_cast<long long>(t.points),
                static_cast<long long>(t.bytes),
                t.points ? static_cast<double>(t.bytes) / static_cast<double>(t.points) : 0.0,
                t.rows ? static_cast<double>(t.bytes) / static_cast<double>(t.rows) : 0.0);
  }
  std::printf("file %lld bytes, free %lld\n", static_cast<long long>(stats->file_bytes),
              static_cast<long long>(stats->free_bytes));

  // Move past raw retention for the first 2 days, then delete in steps.
  clock.SetMs(day0 + 2 * kDayMs + 15 * kDayMs);
  Timings calls;
  size_t rows = 0;
  while (true) {
    const auto t0 = std::chrono::steady_clock::now();
    auto deleted = storage.DeleteExpired();
    const double ms = Ms(std::chrono::steady_clock::now() - t0);
    if (!deleted.ok()) return 1;
    if (*deleted == 0) break;
    calls.ms.push_back(ms);
    rows += *deleted;
  }
  std::printf("housekeeping: %zu rows in %zu calls of <= %zu rows: p50 %.2f ms p99 %.2f ms max "
              "%.2f ms per call\n",
              rows, calls.ms.size(), housekeeping_rows, calls.Percentile(0.5),
              calls.Percentile(0.99), calls.Percentile(1.0));
  auto after = storage.Stats();
  std::printf("after: file %lld bytes, free %lld\n", static_cast<long long>(after->file_bytes),
              static_cast<long long>(after->free_bytes));
  return 0;
}
