#include "agent/host/cpu_plugin.h"

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "agent/host/proc_parsers.h"
#include "shared/status_macros.h"

namespace scout::agent {
namespace {

// Jiffy deltas between two samples of one CPU; empty when no meaningful
// ratio exists (see the header for why each case is skipped).
std::optional<CpuTimes> Delta(const CpuTimes& prev, const CpuTimes& cur) {
  uint64_t CpuTimes::*const fields[] = {
      &CpuTimes::user,   &CpuTimes::nice, &CpuTimes::system,  &CpuTimes::idle,
      &CpuTimes::iowait, &CpuTimes::irq,  &CpuTimes::softirq, &CpuTimes::steal};
  CpuTimes d;
  for (const auto field : fields) {
    if (cur.*field < prev.*field) return std::nullopt;
    d.*field = cur.*field - prev.*field;
  }
  if (d.Total() == 0) return std::nullopt;
  return d;
}

double Usage(const CpuTimes& d) {
  return 1.0 - static_cast<double>(d.idle + d.iowait) / static_cast<double>(d.Total());
}

class CpuPlugin final : public Plugin {
 public:
  explicit CpuPlugin(const HostFs& host) : host_(host) {}

  std::string_view name() const override { return "cpu"; }

  absl::Status Collect(int64_t now_ms, SampleSink& sink) override {
    SCOUT_ASSIGN_OR_RETURN(const std::string text, host_.ReadProc("stat"));
    SCOUT_ASSIGN_OR_RETURN(ProcStat stat, ParseProcStat(text));

    sink.Add("node_cpu_count", {}, static_cast<double>(stat.cpus.size()));

    if (prev_total_) {
      if (const std::optional<CpuTimes> d = Delta(*prev_total_, stat.total)) {
        EmitTotal(*d, sink);
      }
    }
    for (const auto& [id, times] : stat.cpus) {
      const auto prev = prev_cpus_.find(id);
      if (prev == prev_cpus_.end()) continue;
      if (const std::optional<CpuTimes> d = Delta(prev->second, times)) {
        sink.Add("node_cpu_core_usage_ratio", {{"cpu", std::to_string(id)}}, Usage(*d));
      }
    }

    // The raw ctxt/processes counters are the load plugin's
    // (node_context_switches_total, node_forks_total); only rates here.
    EmitRate("node_context_switches_per_second", prev_context_switches_, stat.context_switches,
             now_ms, sink);
    EmitRate("node_forks_per_second", prev_forks_, stat.forks, now_ms, sink);

    // Replace rather than merge so a CPU that went offline and comes back
    // is treated as new instead of diffed against stale counters.
    prev_total_ = stat.total;
    prev_cpus_ = std::move(stat.cpus);
    prev_context_switches_ = stat.context_switches;
    prev_forks_ = stat.forks;
    prev_ms_ = now_ms;
    return absl::OkStatus();
  }

 private:
  static void EmitTotal(const CpuTimes& d, SampleSink& sink) {
    sink.Add("node_cpu_usage_ratio", {}, Usage(d));
    const double total = static_cast<double>(d.Total());
    const std::pair<const char*, uint64_t> modes[] = {
        {"user", d.user},     {"nice", d.nice}, {"system", d.system},   {"idle", d.idle},
        {"iowait", d.iowait}, {"irq", d.irq},   {"softirq", d.softirq}, {"steal", d.steal}};
    for (const auto& [mode, ticks] : modes) {
      sink.Add("node_cpu_mode_ratio", {{"mode", mode}}, static_cast<double>(ticks) / total);
    }
  }

  // A line the kernel does not print simply yields no rate; the load
  // collector already reports it as missing.
  void EmitRate(const char* metric, const std::optional<uint64_t>& prev,
                const std::optional<uint64_t>& cur, int64_t now_ms, SampleSink& sink) const {
    if (!prev_ms_ || !prev || !cur) return;
    if (const std::optional<double> rate = CounterRate(*prev, *cur, now_ms - *prev_ms_)) {
      sink.Add(metric, {}, *rate);
    }
  }

  const HostFs& host_;
  // All updated together, only by a successful Collect().
  std::optional<int64_t> prev_ms_;
  std::optional<CpuTimes> prev_total_;
  std::map<int, CpuTimes> prev_cpus_;
  std::optional<uint64_t> prev_context_switches_;
  std::optional<uint64_t> prev_forks_;
};

}  // namespace

std::unique_ptr<Plugin> NewCpuPlugin(const HostFs& host) {
  return std::make_unique<CpuPlugin>(host);
}

}  // namespace scout::agent
