#include "agent/host/memory_plugin.h"

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "agent/host/proc_parsers.h"
#include "shared/status_macros.h"

namespace scout::agent {
namespace {

class MemoryPlugin final : public Plugin {
 public:
  explicit MemoryPlugin(const HostFs& host) : host_(host) {}

  std::string_view name() const override { return "memory"; }

  absl::Status Collect(int64_t now_ms, SampleSink& sink) override {
    // Independent files: one failing must not hide the other's samples.
    const absl::Status meminfo = CollectMeminfo(sink);
    const absl::Status vmstat = CollectVmstat(now_ms, sink);
    return meminfo.ok() ? vmstat : meminfo;
  }

 private:
  absl::Status CollectMeminfo(SampleSink& sink) const {
    SCOUT_ASSIGN_OR_RETURN(const std::string text, host_.ReadProc("meminfo"));
    SCOUT_ASSIGN_OR_RETURN(const auto fields, ParseMeminfo(text));

    for (const char* field : {"MemTotal", "MemAvailable", "MemFree", "Buffers", "Cached",
                              "SwapTotal", "SwapFree"}) {
      const auto it = fields.find(field);
      if (it == fields.end()) continue;
      sink.Add(absl::StrCat("node_memory_", field, "_bytes"), {},
               static_cast<double>(it->second));
    }

    const auto swap_total = fields.find("SwapTotal");
    const auto swap_free = fields.find("SwapFree");
    if (swap_total != fields.end() && swap_free != fields.end()) {
      // Clamp: the two are read at slightly different moments.
      const uint64_t used =
          swap_total->second > swap_free->second ? swap_total->second - swap_free->second : 0;
      sink.Add("node_memory_swap_used_bytes", {}, static_cast<double>(used));
    }

    for (const char* required : {"MemTotal", "MemAvailable"}) {
      if (fields.count(required) == 0) {
        return absl::NotFoundError(
            absl::StrCat("meminfo: no ", required, " field (kernel older than 3.14?)"));
      }
    }
    const uint64_t total = fields.at("MemTotal");
    const uint64_t available = fields.at("MemAvailable");
    if (total == 0) return absl::InvalidArgumentError("meminfo: MemTotal is 0");
    const double ratio = 1.0 - static_cast<double>(available) / static_cast<double>(total);
    sink.Add("node_memory_used_ratio", {}, ratio < 0 ? 0.0 : ratio);
    return absl::OkStatus();
  }

  absl::Status CollectVmstat(int64_t now_ms, SampleSink& sink) {
    SCOUT_ASSIGN_OR_RETURN(const std::string text, host_.ReadProc("vmstat"));
    SCOUT_ASSIGN_OR_RETURN(const auto fields, ParseVmstat(text));
    const auto it = fields.find("pgmajfault");
    if (it == fields.end()) return absl::NotFoundError("vmstat: no pgmajfault field");
    const uint64_t faults = it->second;
    sink.Add("node_vmstat_pgmajfault", {}, static_cast<double>(faults));
    if (prev_faults_) {
      const auto [prev_ms, prev_value] = *prev_faults_;
      if (const std::optional<double> rate = CounterRate(prev_value, faults, now_ms - prev_ms)) {
        sink.Add("node_memory_major_page_faults_per_second", {}, *rate);
      }
    }
    prev_faults_ = std::make_pair(now_ms, faults);
    return absl::OkStatus();
  }

  const HostFs& host_;
  // (cycle time, pgmajfault) of the last successful vmstat read.
  std::optional<std::pair<int64_t, uint64_t>> prev_faults_;
};

}  // namespace

std::unique_ptr<Plugin> NewMemoryPlugin(const HostFs& host) {
  return std::make_unique<MemoryPlugin>(host);
}

}  // namespace scout::agent
