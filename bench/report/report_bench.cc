// scout-report-bench: how long a weekly (and a daily) report takes over a
// realistic amount of data.
//
// Writes into a fresh SqliteStorage (temp dir, or --dir) two ISO weeks plus
// a day of data for `--hosts` hosts x `--series-per-host` series and
// `--endpoints` probes:
//  * per host the 4 series the reports read (CPU, memory, 2 filesystems)
//    every `--interval` seconds (default 60);
//  * per host the rest of its series (196 by default) as other metrics
//    every `--noise-interval` seconds (default 1800): they are what a
//    selector must skip and what makes the chunk table big, but the
//    reports never decode them, so a coarser interval keeps the setup time
//    sane without changing what is measured;
//  * per endpoint scout_probe_success and scout_probe_duration_seconds, and
//    10 SceneScout sources' ingestion gauges, every `--interval` seconds.
// Everything but the last day is flushed to chunks (as the collector would
// have long done). Then it times BuildReport and each renderer, `--runs`
// times, and prints the best and median.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "collector/reports/report.h"
#include "collector/reports/storage_report_source.h"
#include "collector/storage/sqlite_alert_store.h"
#include "collector/storage/sqlite_storage.h"
#include "shared/clock.h"
#include "shared/mutex_mode.h"

namespace {

using namespace scout;             // NOLINT: a benchmark's main
using namespace scout::collector;  // NOLINT

using Steady = std::chrono::steady_clock;

double Seconds(Steady::time_point since) {
  return std::chrono::duration<double>(Steady::now() - since).count();
}

// Cheap deterministic noise in [0, 1).
double Noise(uint64_t a, uint64_t b) {
  uint64_t z = a * 0x9E3779B97F4A7C15ULL + b;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return static_cast<double>((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

struct Spec {
  int hosts = 100, series_per_host = 200, endpoints = 50, sources = 10;
  int interval_s = 60, noise_interval_s = 1800;
};

// The series keys, with how often each is sampled.
struct Planned {
  SeriesKey key;
  int64_t every_ms;
};

std::vector<Planned> Plan(const Spec& spec) {
  std::vector<Planned> out;
  const int64_t fast = spec.interval_s * 1000LL, slow = spec.noise_interval_s * 1000LL;
  for (int h = 0; h < spec.hosts; ++h) {
    const std::string host = "host-" + std::to_string(h);
    out.push_back({{"node_cpu_usage_ratio", MakeLabels({{"host", host}})}, fast});
    out.push_back({{"node_memory_used_ratio", MakeLabels({{"host", host}})}, fast});
    for (const char* mount : {"/", "/data"}) {
      out.push_back({{"node_filesystem_used_ratio",
                      MakeLabels({{"host", host}, {"mountpoint", mount}})},
                     fast});
    }
    for (int i = 4; i < spec.series_per_host; ++i) {
      out.push_back({{"node_bench_metric_" + std::to_string(i % 50),
                      MakeLabels({{"host", host}, {"index", std::to_string(i)}})},
                     slow});
    }
  }
  for (int e = 0; e < spec.endpoints; ++e) {
    const auto labels = MakeLabels({{"host", "prober-" + std::to_string(e % 5)},
                                    {"probe", "endpoint-" + std::to_string(e)},
                                    {"target", "https://svc-" + std::to_string(e) + ".example/"},
                                    {"protocol", "http"}});
    out.push_back({{"scout_probe_success", labels}, fast});
    out.push_back({{"scout_probe_duration_seconds", labels}, fast});
  }
  const auto target = std::vector<std::pair<std::string, std::string>>{{"host", "db-1"},
                                                                        {"target", "scenescout"}};
  out.push_back({{"scenescout_events_ingested_last_hour", MakeLabels(target)}, fast});
  for (int s = 0; s < spec.sources; ++s) {
    auto labels = target;
    labels.emplace_back("source", "source-" + std::to_string(s));
    for (const char* m : {"scenescout_source_events_ingested_last_hour",
                          "scenescout_api_requests_last_hour", "scenescout_api_avg_response_seconds",
                          "scenescout_api_success_ratio"}) {
      out.push_back({{m, MakeLabels(labels)}, fast});
    }
  }
  return out;
}

double ValueOf(const SeriesKey& key, size_t series, int64_t t) {
  const double n = Noise(series, static_cast<uint64_t>(t / 1000));
  if (key.metric == "scout_probe_success") return n < 0.002 ? 0 : 1;
  if (key.metric == "scout_probe_duration_seconds") return 0.1 + 0.5 * n;
  if (key.metric.find("_ratio") != std::string::npos) return 0.3 + 0.5 * n;
  if (key.metric.find("last_hour") != std::string::npos) return std::floor(500 + 500 * n);
  return 1000 * n;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  scout::DisableMutexDeadlockDetection();
  CLI::App app("scout-report-bench: weekly/daily report time over a large dataset");
  Spec spec;
  int runs = 3;
  std::string dir;
  app.add_option("--hosts", spec.hosts, "hosts (default 100)");
  app.add_option("--series-per-host", spec.series_per_host, "series per host (default 200)");
  app.add_option("--endpoints", spec.endpoints, "probes (default 50)");
  app.add_option("--interval", spec.interval_s, "seconds between samples of read series (60)");
  app.add_option("--noise-interval", spec.noise_interval_s,
                 "seconds between samples of the other series (1800)");
  app.add_option("--runs", runs, "timed runs (default 3)");
  app.add_option("--dir", dir, "directory for the database (default: a temp dir, removed)");
  CLI11_PARSE(app, argc, argv);

  const bool temp = dir.empty();
  if (temp) {
    dir = (std::filesystem::temp_directory_path() / ("scout-report-bench-" + std::to_string(getpid())))
              .string();
  }
  std::filesystem::create_directories(dir);
  // ISO weeks 2026-W47 and W48 in UTC, plus the Sunday before and an hour after.
  const int64_t start = absl::ToUnixMillis(absl::FromCivil(absl::CivilDay(2026, 11, 15), absl::UTCTimeZone()));
  const int64_t end = absl::ToUnixMillis(absl::FromCivil(absl::CivilDay(2026, 11, 30), absl::UTCTimeZone())) + 3'600'000;
  ManualClock clock(end + 3'600'000);
  SqliteOptions options;
  options.path = dir + "/scout.db";
  options.synchronous_full = false;
  auto storage = SqliteStorage::Open(options, clock);
  if (!storage.ok()) {
    std::fprintf(stderr, "open: %s\n", storage.status().ToString().c_str());
    return 1;
  }
  auto alerts = SqliteAlertStore::Open(options.path);
  if (!alerts.ok()) {
    std::fprintf(stderr, "alert store: %s\n", alerts.status().ToString().c_str());
    return 1;
  }

  const std::vector<Planned> plan = Plan(spec);
  const auto setup = Steady::now();
  int64_t points = 0;
  // One commit per simulated hour of data: big group commits.
  for (int64_t from = start; from < end; from += 3'600'000) {
    WriteBatch batch{"bench", from, {}};
    for (size_t i = 0; i < plan.size(); ++i) {
      SeriesPoints s{plan[i].key, {}};
      const int64_t every = plan[i].every_ms;
      for (int64_t t = (from + every - 1) / every * every; t < from + 3'600'000 && t < end; t += every) {
        s.points.push_back({t, ValueOf(plan[i].key, i, t)});
      }
      points += static_cast<int64_t>(s.points.size());
      if (!s.points.empty()) batch.series.push_back(std::move(s));
    }
    if (auto st = (*storage)->Write({&batch}); !st.ok()) {
      std::fprintf(stderr, "write: %s\n", st.ToString().c_str());
      return 1;
    }
    // Chunk everything but the last day, as a running collector would have.
    if (from + 24 * 3'600'000LL < end && (*storage)->head_points() > 1'000'000) {
      if (auto st = (*storage)->FlushAll(); !st.ok()) {
        std::fprintf(stderr, "flush: %s\n", st.ToString().c_str());
        return 1;
      }
    }
  }
  std::printf("setup: %zu series, %lld points written in %.1f s (%.1f MB database)\n", plan.size(),
              static_cast<long long>(points), Seconds(setup),
              static_cast<double>(std::filesystem::file_size(options.path)) / 1e6);

  reports::StorageReportSource source(**storage, alerts->get());
  struct Case {
    reports::ReportKind kind;
    const char* label;
  };
  for (const Case& c : {Case{reports::ReportKind::kWeekly, "2026-W48"},
                        Case{reports::ReportKind::kDaily, "2026-11-26"}}) {
    std::vector<double> build, html, md, json, total;
    size_t html_bytes = 0;
    for (int r = 0; r < runs; ++r) {
      auto t0 = Steady::now();
      auto report = reports::BuildReport({c.kind, c.label, "", 0}, source);
      if (!report.ok()) {
        std::fprintf(stderr, "report: %s\n", report.status().ToString().c_str());
        return 1;
      }
      build.push_back(Seconds(t0));
      auto t1 = Steady::now();
      html_bytes = reports::RenderReport(*report, reports::ReportFormat::kHtml).size();
      html.push_back(Seconds(t1));
      auto t2 = Steady::now();
      reports::RenderReport(*report, reports::ReportFormat::kMarkdown);
      md.push_back(Seconds(t2));
      auto t3 = Steady::now();
      reports::RenderReport(*report, reports::ReportFormat::kJson);
      json.push_back(Seconds(t3));
      total.push_back(Seconds(t0));
    }
    std::printf("%s %s: build %.3f s (best %.3f), html %.3f s (%zu bytes), md %.3f s, json %.3f s;"
                " build+all renders %.3f s median over %d runs\n",
                reports::ReportKindName(c.kind), c.label, Median(build),
                *std::min_element(build.begin(), build.end()), Median(html), html_bytes, Median(md),
                Median(json), Median(total), runs);
  }
  alerts->reset();
  storage->reset();
  if (temp) std::filesystem::remove_all(dir);
  return 0;
}
