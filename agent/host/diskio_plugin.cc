#include "agent/host/diskio_plugin.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/host/proc_parsers.h"
#include "shared/status_macros.h"

namespace scout::agent {
namespace {

// /proc/diskstats counts 512-byte sectors whatever the device's sector size.
constexpr double kSectorBytes = 512.0;

bool SkippedByName(std::string_view name) {
  for (std::string_view prefix : {"loop", "ram", "zram", "fd", "sr"}) {
    if (name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix &&
        name[prefix.size()] >= '0' && name[prefix.size()] <= '9') {
      return true;
    }
  }
  return false;
}

class DiskIoPlugin final : public Plugin {
 public:
  explicit DiskIoPlugin(const HostFs& host) : host_(host) {}

  std::string_view name() const override { return "diskio"; }

  absl::Status Collect(int64_t now_ms, SampleSink& sink) override {
    SCOUT_ASSIGN_OR_RETURN(const std::string text, host_.ReadProc("diskstats"));
    SCOUT_ASSIGN_OR_RETURN(std::vector<DiskStats> disks, ParseDiskstats(text));

    // 0 on the first call (prev_ is empty then anyway): no rates.
    const int64_t elapsed_ms = prev_ms_ ? now_ms - *prev_ms_ : 0;
    std::map<std::string, DiskStats> current;
    int candidates = 0;
    for (DiskStats& d : disks) {
      if (SkippedByName(d.name)) continue;
      ++candidates;
      if (!IsWholeDisk(d.name)) continue;
      const Labels labels = {{"device", d.name}};
      sink.Add("node_disk_read_bytes_total", labels,
               static_cast<double>(d.sectors_read) * kSectorBytes);
      sink.Add("node_disk_written_bytes_total", labels,
               static_cast<double>(d.sectors_written) * kSectorBytes);
      const auto prev = prev_.find(d.name);
      if (prev != prev_.end() && elapsed_ms > 0) {
        EmitRates(prev->second, d, elapsed_ms, labels, sink);
      }
      std::string key = d.name;
      current.emplace(std::move(key), std::move(d));
    }
    // Replace rather than merge, so a device that vanished and came back
    // is new (no rate) instead of diffed against stale counters.
    const bool none_found = candidates > 0 && current.empty();
    prev_ = std::move(current);
    prev_ms_ = now_ms;
    if (none_found) {
      return absl::NotFoundError(absl::StrCat("diskstats: none of ", candidates,
                                              " devices has ", host_.roots().sys,
                                              "/block/<device>/stat; is sysfs mounted?"));
    }
    return absl::OkStatus();
  }

 private:
  bool IsWholeDisk(const std::string& name) const {
    std::string sysfs_name = name;
    std::replace(sysfs_name.begin(), sysfs_name.end(), '/', '!');
    return host_.ReadSys(absl::StrCat("block/", sysfs_name, "/stat")).ok();
  }

  // All-or-nothing per device: if any counter went backwards the device
  // was replaced or wrapped, so every delta of this interval is suspect.
  static void EmitRates(const DiskStats& p, const DiskStats& c, int64_t elapsed_ms,
                        const Labels& labels, SampleSink& sink) {
    uint64_t DiskStats::*const used[] = {
        &DiskStats::reads_completed,  &DiskStats::sectors_read,    &DiskStats::read_time_ms,
        &DiskStats::writes_completed, &DiskStats::sectors_written, &DiskStats::write_time_ms,
        &DiskStats::io_time_ms};
    for (const auto field : used) {
      if (c.*field < p.*field) return;
    }
    auto delta = [&](uint64_t DiskStats::*field) {
      return static_cast<double>(c.*field - p.*field);
    };
    const double seconds = static_cast<double>(elapsed_ms) / 1000.0;
    const double reads = delta(&DiskStats::reads_completed);
    const double writes = delta(&DiskStats::writes_completed);
    sink.Add("node_disk_read_bytes_per_second", labels,
             delta(&DiskStats::sectors_read) * kSectorBytes / seconds);
    sink.Add("node_disk_written_bytes_per_second", labels,
             delta(&DiskStats::sectors_written) * kSectorBytes / seconds);
    sink.Add("node_disk_reads_completed_per_second", labels, reads / seconds);
    sink.Add("node_disk_writes_completed_per_second", labels, writes / seconds);
    sink.Add("node_disk_io_utilization_ratio", labels,
             std::min(1.0, delta(&DiskStats::io_time_ms) / static_cast<double>(elapsed_ms)));
    if (reads > 0) {
      sink.Add("node_disk_read_await_seconds", labels,
               delta(&DiskStats::read_time_ms) / reads / 1000.0);
    }
    if (writes > 0) {
      sink.Add("node_disk_write_await_seconds", labels,
               delta(&DiskStats::write_time_ms) / writes / 1000.0);
    }
  }

  const HostFs& host_;
  std::optional<int64_t> prev_ms_;
  std::map<std::string, DiskStats> prev_;
};

}  // namespace

std::unique_ptr<Plugin> NewDiskIoPlugin(const HostFs& host) {
  return std::make_unique<DiskIoPlugin>(host);
}

}  // namespace scout::agent
