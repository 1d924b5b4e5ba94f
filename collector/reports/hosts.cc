#include "collector/reports/hosts.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "collector/reports/report_util.h"

namespace scout::collector::reports {
namespace {

constexpr const char* kCpu = "node_cpu_usage_ratio";
constexpr const char* kMemory = "node_memory_used_ratio";
constexpr const char* kDisk = "node_filesystem_used_ratio";
constexpr int64_t kChartStepMs = 15 * kOneMinuteMs;

absl::Status Fill(ReportSource& source, const DayWindow& day, const char* metric, Aggregation agg,
                  std::map<std::string, HostStats>& hosts, double HostStats::*field) {
  auto m = SummaryMap(source, metric, day.start_ms, day.end_ms, agg, {"host"}, Combine::kMax);
  if (!m.ok()) return m.status();
  for (const auto& [host, v] : *m) {
    HostStats& h = hosts[host];
    h.host = host;
    h.*field = v;
  }
  return absl::OkStatus();
}

// Appends the 15-minute averages of `selector` per host as a chart line.
absl::Status AddLine(ReportSource& source, const DayWindow& day, const std::string& selector,
                     const char* name, std::map<std::string, HostStats>& hosts) {
  auto series = source.Range(selector, day.start_ms, day.end_ms, kChartStepMs, Aggregation::kAvg);
  if (!series.ok()) return series.status();
  for (SeriesPoints& s : *series) {
    auto it = hosts.find(Label(s.key, "host"));
    if (it != hosts.end()) it->second.chart.lines.push_back({name, std::move(s.points)});
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<HostStats>> ComputeHosts(ReportSource& source, const DayWindow& day,
                                                    absl::TimeZone tz, bool detailed) {
  std::map<std::string, HostStats> hosts;
  absl::Status st = Fill(source, day, kCpu, Aggregation::kMax, hosts, &HostStats::cpu_peak);
  if (st.ok()) st = Fill(source, day, kMemory, Aggregation::kMax, hosts, &HostStats::memory_peak);
  if (st.ok() && detailed) {
    st = Fill(source, day, kCpu, Aggregation::kAvg, hosts, &HostStats::cpu_avg);
  }
  if (st.ok() && detailed) {
    st = Fill(source, day, kMemory, Aggregation::kAvg, hosts, &HostStats::memory_avg);
  }
  if (!st.ok()) return st;

  if (detailed) {
    // Disk: per host, the mount point with the highest peak.
    auto peaks = source.Summarize(kDisk, day.start_ms, day.end_ms, Aggregation::kMax);
    if (!peaks.ok()) return peaks.status();
    for (const SeriesPoints& s : *peaks) {
      HostStats& h = hosts[Label(s.key, "host")];
      h.host = Label(s.key, "host");
      const double v = s.points.front().value;
      if (!HasData(h.disk_peak) || v > h.disk_peak) {
        h.disk_peak = v;
        h.disk_mountpoint = Label(s.key, "mountpoint");
      }
    }
    auto avgs = source.Summarize(kDisk, day.start_ms, day.end_ms, Aggregation::kAvg);
    if (!avgs.ok()) return avgs.status();
    for (const SeriesPoints& s : *avgs) {
      auto it = hosts.find(Label(s.key, "host"));
      if (it != hosts.end() && it->second.disk_mountpoint == Label(s.key, "mountpoint")) {
        it->second.disk_avg = s.points.front().value;
      }
    }

    for (auto& [name, h] : hosts) {
      h.chart = MakeChart(absl::StrCat("Resources: ", name), Unit::kRatio, day.start_ms,
                          day.end_ms, 3 * kOneHourMs, "%H:%M", tz);
      h.chart.max_gap_ms = 2 * kChartStepMs;
    }
    if (st = AddLine(source, day, kCpu, "CPU", hosts); !st.ok()) return st;
    if (st = AddLine(source, day, kMemory, "memory", hosts); !st.ok()) return st;
    // Disk: only the fullest mount point's line.
    auto disk = source.Range(kDisk, day.start_ms, day.end_ms, kChartStepMs, Aggregation::kAvg);
    if (!disk.ok()) return disk.status();
    for (SeriesPoints& s : *disk) {
      auto it = hosts.find(Label(s.key, "host"));
      if (it == hosts.end() || it->second.disk_mountpoint != Label(s.key, "mountpoint")) continue;
      it->second.chart.lines.push_back(
          {absl::StrCat("disk ", it->second.disk_mountpoint), std::move(s.points)});
    }
  }

  std::vector<HostStats> out;
  for (auto& [name, h] : hosts) out.push_back(std::move(h));
  return out;
}

}  // namespace scout::collector::reports
