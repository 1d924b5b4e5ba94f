// scout-alert-bench: cost of one alert evaluation cycle.
//
// Builds a SQLite storage (in a temp dir) holding `--series` series — 100
// metrics x (series/100) hosts, a point every 10 s for the last 10 minutes,
// all in the in-memory head as recent data is — and a rules file with
// `--rules` rules mixing the guide's kinds (window averages, p95, rates,
// ratios of two series, absent_for, thresholds on the latest value), each
// over one metric on every host. Then runs `--cycles` evaluation cycles
// (EvaluateOnce: reload check, every rule, state store, sending) and prints
// the cycle time distribution.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "collector/alerting/alert_engine.h"
#include "collector/storage/sqlite_alert_store.h"
#include "collector/storage/sqlite_storage.h"
#include "collector/storage_series_source.h"
#include "shared/clock.h"
#include "shared/mutex_mode.h"

namespace {

using namespace scout;             // NOLINT: a benchmark's main
using namespace scout::collector;  // NOLINT

std::string RuleFor(int i, int metrics) {
  const std::string m = "bench_metric_" + std::to_string(i % metrics);
  const std::string other = "bench_metric_" + std::to_string((i + 1) % metrics);
  const std::string name = "Rule" + std::to_string(i);
  std::string expr;
  switch (i % 6) {
    case 0: expr = "avg_over_time(" + m + "[5m]) > 0.7"; break;
    case 1: expr = "quantile_over_time(0.95, " + m + "[5m]) > 0.9"; break;
    case 2: expr = "rate(" + m + "[5m]) > 1"; break;
    case 3: expr = m + " / " + other + " > 4"; break;
    case 4: expr = "absent_for(" + m + ", 2m)"; break;
    default: expr = "max_over_time(" + m + "[10m]) > 0.95"; break;
  }
  return "  - name: " + name + "\n    expr: \"" + expr + "\"\n    for: 1m\n" +
         "    labels: {severity: warning}\n" +
         "    annotations: {summary: \"{{ $labels.host }} at {{ $value }}\"}\n";
}

}  // namespace

int main(int argc, char** argv) {
  scout::DisableMutexDeadlockDetection();
  CLI::App app("scout-alert-bench: alert evaluation cost per cycle");
  int series = 10000, rules = 500, cycles = 20;
  app.add_option("--series", series, "series in storage (default 10000)");
  app.add_option("--rules", rules, "rules (default 500)");
  app.add_option("--cycles", cycles, "evaluation cycles (default 20)");
  CLI11_PARSE(app, argc, argv);
  const int metrics = 100, hosts = std::max(1, series / metrics);

  const auto dir = std::filesystem::temp_directory_path() /
                   ("scout-alert-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const int64_t now0 = 1'800'000'000'000;
  ManualClock clock(now0);
  SqliteOptions options;
  options.path = (dir / "scout.db").string();
  options.synchronous_full = false;
  auto storage = SqliteStorage::Open(options, clock);
  if (!storage.ok()) {
    std::fprintf(stderr, "%s\n", std::string(storage.status().message()).c_str());
    return 1;
  }
  // 10 minutes of history at 10 s, then one more point per series before
  // every cycle (not timed), as agents keep sending.
  const auto write_at = [&](int64_t t) -> absl::Status {
    WriteBatch batch;
    batch.received_ms = t;
    for (int m = 0; m < metrics; ++m) {
      for (int h = 0; h < hosts; ++h) {
        // 2 % of the series run hot (0.93..0.99), the rest calm (0.2..0.38),
        // so about that share of the rules' series alert, as on a bad day.
        const bool hot = (m * 131 + h * 7) % 50 == 0;
        const double wiggle = static_cast<double>((m * 7 + h * 13 + t / 10'000) % 7) / 100.0;
        const double v = hot ? 0.93 + wiggle : 0.2 + 3 * wiggle;
        // 1 % of the series stopped reporting 3 minutes before the start.
        if ((m * 17 + h * 3) % 100 == 0 && t > now0 - 180'000) continue;
        batch.series.push_back({SeriesKey{"bench_metric_" + std::to_string(m),
                                          MakeLabels({{"host", "host-" + std::to_string(h)}})},
                                {Point{t, v}}});
      }
    }
    return (*storage)->Write({&batch});
  };
  for (int64_t t = now0 - 600'000; t <= now0; t += 10'000) {
    if (absl::Status s = write_at(t); !s.ok()) {
      std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
      return 1;
    }
  }
  const std::string rules_path = (dir / "rules.yaml").string();
  {
    std::ofstream out(rules_path);
    out << "rules:\n";
    for (int i = 0; i < rules; ++i) out << RuleFor(i, metrics);
  }
  auto store = SqliteAlertStore::Open(options.path);
  if (!store.ok()) return 1;
  StorageSeriesSource source(**storage);
  size_t sent = 0;
  alerting::EngineOptions engine_options;
  alerting::AlertEngine engine(rules_path, source, **store,
                               [&sent](std::vector<alerting::AlertNotification> n) { sent += n.size(); },
                               clock, engine_options);
  if (absl::Status s = engine.Init(); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::vector<double> ms;
  for (int c = 0; c < cycles; ++c) {
    const auto start = std::chrono::steady_clock::now();
    engine.EvaluateOnce();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    clock.Advance(std::chrono::seconds(15));
    if (absl::Status s = write_at(clock.NowMs()); !s.ok()) return 1;
  }
  const alerting::EngineStats stats = engine.Stats();
  std::sort(ms.begin() + 1, ms.end());
  std::printf("series=%d rules=%d cycles=%d: first cycle %.1f ms; then p50 %.1f ms, p95 %.1f ms, max %.1f ms\n",
              hosts * metrics, rules, cycles, ms[0], ms[1 + (ms.size() - 1) / 2],
              ms[1 + static_cast<size_t>(0.95 * static_cast<double>(ms.size() - 2))], ms.back());
  std::printf("alerts now: pending %zu, firing %zu; notifications queued %zu; rule failures %llu\n",
              stats.pending, stats.firing, sent,
              static_cast<unsigned long long>(stats.rule_failures_total));
  size_t by_kind[6] = {0, 0, 0, 0, 0, 0};
  for (const alerting::RuleStatus& r : engine.Rules()) {
    by_kind[std::stoi(r.name.substr(4)) % 6] += static_cast<size_t>(r.firing + r.pending);
  }
  std::printf("active alerts by rule kind (avg, p95, rate, ratio, absent, max): %zu %zu %zu %zu %zu %zu\n",
              by_kind[0], by_kind[1], by_kind[2], by_kind[3], by_kind[4], by_kind[5]);
  std::filesystem::remove_all(dir);
  return 0;
}
