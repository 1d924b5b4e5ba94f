#include "agent/host/load_plugin.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "agent/host/proc_parsers.h"
#include "shared/status_macros.h"

namespace scout::agent {
namespace {

void KeepFirstError(absl::Status& first, const absl::Status& status) {
  if (first.ok() && !status.ok()) first = status;
}

class LoadPlugin final : public Plugin {
 public:
  explicit LoadPlugin(const HostFs& host) : host_(host) {}

  std::string_view name() const override { return "load"; }

  absl::Status Collect(int64_t /*now_ms*/, SampleSink& sink) override {
    std::optional<double> load1;
    std::optional<size_t> cpus;
    absl::Status first = CollectLoadavg(sink, load1);
    KeepFirstError(first, CollectStat(sink, cpus));
    // Needs both files; a host without cpuN lines has no meaningful ratio.
    if (load1 && cpus && *cpus > 0) {
      sink.Add("node_load1_per_core_ratio", {}, *load1 / static_cast<double>(*cpus));
    }
    KeepFirstError(first, CollectFileNr(sink));
    KeepFirstError(first, CollectUptime(sink));
    return first;
  }

 private:
  absl::Status CollectLoadavg(SampleSink& sink, std::optional<double>& load1) const {
    SCOUT_ASSIGN_OR_RETURN(const std::string text, host_.ReadProc("loadavg"));
    SCOUT_ASSIGN_OR_RETURN(const LoadAvg load, ParseLoadavg(text));
    sink.Add("node_load1", {}, load.load1);
    sink.Add("node_load5", {}, load.load5);
    sink.Add("node_load15", {}, load.load15);
    // The 4th field's denominator counts threads (scheduling entities),
    // not processes; counting processes would mean listing /proc.
    sink.Add("node_threads", {}, static_cast<double>(load.total_threads));
    load1 = load.load1;
    return absl::OkStatus();
  }

  absl::Status CollectStat(SampleSink& sink, std::optional<size_t>& cpus) const {
    SCOUT_ASSIGN_OR_RETURN(const std::string text, host_.ReadProc("stat"));
    SCOUT_ASSIGN_OR_RETURN(const ProcStat stat, ParseProcStat(text));
    cpus = stat.cpus.size();  // cpuN lines = online CPUs, as node_cpu_count
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

  absl::Status CollectFileNr(SampleSink& sink) const {
    SCOUT_ASSIGN_OR_RETURN(const std::string text, host_.ReadProc("sys/fs/file-nr"));
    SCOUT_ASSIGN_OR_RETURN(const FileNr nr, ParseFileNr(text));
    sink.Add("node_filefd_allocated", {}, static_cast<double>(nr.allocated));
    sink.Add("node_filefd_maximum", {}, static_cast<double>(nr.maximum));
    if (nr.maximum > 0) {
      sink.Add("node_filefd_used_ratio", {},
               static_cast<double>(nr.allocated) / static_cast<double>(nr.maximum));
    }
    return absl::OkStatus();
  }

  absl::Status CollectUptime(SampleSink& sink) const {
    SCOUT_ASSIGN_OR_RETURN(const std::string text, host_.ReadProc("uptime"));
    SCOUT_ASSIGN_OR_RETURN(const double uptime, ParseUptime(text));
    sink.Add("node_uptime_seconds", {}, uptime);
    return absl::OkStatus();
  }

  const HostFs& host_;
};

}  // namespace

std::unique_ptr<Plugin> NewLoadPlugin(const HostFs& host) {
  return std::make_unique<LoadPlugin>(host);
}

}  // namespace scout::agent
