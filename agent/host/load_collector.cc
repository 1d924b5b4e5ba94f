#include "agent/host/load_collector.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "agent/host/proc_parsers.h"
#include "shared/status_macros.h"

namespace scout::agent {
namespace {

class LoadCollector final : public CollectorPlugin {
 public:
  explicit LoadCollector(const HostFs& host) : host_(host) {}

  std::string_view name() const override { return "load"; }

  absl::Status Collect(int64_t /*now_ms*/, SampleSink& sink) override {
    const absl::Status load_status = CollectLoadavg(sink);
    const absl::Status stat_status = CollectStat(sink);
    return load_status.ok() ? stat_status : load_status;
  }

 private:
  absl::Status CollectLoadavg(SampleSink& sink) const {
    SCOUT_ASSIGN_OR_RETURN(const std::string text, host_.ReadProc("loadavg"));
    SCOUT_ASSIGN_OR_RETURN(const LoadAvg load, ParseLoadavg(text));
    sink.Add("node_load1", {}, load.load1);
    sink.Add("node_load5", {}, load.load5);
    sink.Add("node_load15", {}, load.load15);
    return absl::OkStatus();
  }

  absl::Status CollectStat(SampleSink& sink) const {
    SCOUT_ASSIGN_OR_RETURN(const std::string text, host_.ReadProc("stat"));
    SCOUT_ASSIGN_OR_RETURN(const ProcStat stat, ParseProcStat(text));
    struct Field {
      const char* metric;
      const char* stat_key;  // for the error message: what the kernel omitted
      const std::optional<uint64_t>& value;
    };
    const Field fields[] = {{"node_procs_running", "procs_running", stat.procs_running},
                            {"node_procs_blocked", "procs_blocked", stat.procs_blocked},
                            {"node_boot_time_seconds", "btime", stat.boot_time_seconds},
                            {"node_context_switches_total", "ctxt", stat.context_switches},
                            {"node_forks_total", "processes", stat.forks}};
    std::string missing;
    for (const Field& f : fields) {
      if (f.value.has_value()) {
        sink.Add(f.metric, {}, static_cast<double>(*f.value));
      } else {
        absl::StrAppend(&missing, missing.empty() ? "" : ", ", f.stat_key);
      }
    }
    if (!missing.empty()) {
      return absl::NotFoundError(absl::StrCat("stat: no ", missing, " line"));
    }
    return absl::OkStatus();
  }

  const HostFs& host_;
};

}  // namespace

std::unique_ptr<CollectorPlugin> NewLoadCollector(const HostFs& host) {
  return std::make_unique<LoadCollector>(host);
}

}  // namespace scout::agent
