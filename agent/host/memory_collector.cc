#include "agent/host/memory_collector.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "agent/host/proc_parsers.h"
#include "shared/status_macros.h"

namespace scout::agent {
namespace {

class MemoryCollector final : public CollectorPlugin {
 public:
  explicit MemoryCollector(const HostFs& host) : host_(host) {}

  std::string_view name() const override { return "memory"; }

  absl::Status Collect(int64_t /*now_ms*/, SampleSink& sink) override {
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

 private:
  const HostFs& host_;
};

}  // namespace

std::unique_ptr<CollectorPlugin> NewMemoryCollector(const HostFs& host) {
  return std::make_unique<MemoryCollector>(host);
}

}  // namespace scout::agent
