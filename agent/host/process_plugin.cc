#include "agent/host/process_plugin.h"

#include <algorithm>
#include <array>
#include <functional>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "agent/host/process_parsers.h"
#include "re2/re2.h"
#include "shared/status_macros.h"

namespace scout::agent {
namespace {

// The state letters fs/proc/array.c prints today. A fixed set keeps
// node_processes_state bounded and turns "no zombies" into a 0 instead of
// a gap; letters of pre-3.14 kernels (W, K, x) are counted only in
// node_processes.
constexpr std::array<char, 9> kStates = {'R', 'S', 'D', 'T', 't', 'X', 'Z', 'P', 'I'};

// Cached cmdlines live 5 to 10 minutes, spread by pid so the refreshes
// of processes first seen in the same cycle do not all land in one cycle.
constexpr int64_t kCmdlineMinAgeMs = 5 * 60 * 1000;

struct CompiledGroup {
  std::string name;
  std::unique_ptr<RE2> comm;     // null = not used
  std::unique_ptr<RE2> cmdline;  // null = not used
};

// One process as scanned this cycle.
struct Proc {
  std::string pid;
  PidStat stat;
  uint64_t rss_bytes = 0;  // exact (statm) for group members, else stat's estimate
  std::optional<double> cpu_ratio;
};

// What an emitted process needs beyond the scan.
struct Details {
  std::string user;
  uint64_t rss_bytes = 0;  // exact, from status
  std::optional<size_t> open_fds;
};

// CPU ticks remembered per pid; starttime tells a reused pid apart.
struct PrevCpu {
  uint64_t starttime = 0;
  uint64_t ticks = 0;
};

struct CachedCmdline {
  uint64_t starttime = 0;
  std::string comm;
  std::string cmdline;
  int64_t read_ms = 0;
  int64_t expires_ms = 0;
};

struct GroupSums {
  uint64_t processes = 0;
  uint64_t rss_bytes = 0;
  uint64_t threads = 0;
  double cpu_ratio = 0;
};

// Per-process failures that are not "the process exited": counted, and
// the first is reported after the cycle's samples are out.
class ErrorTally {
 public:
  void Add(const std::string& pid, const absl::Status& status) {
    if (count_++ == 0) {
      first_ = absl::Status(status.code(), absl::StrCat("pid ", pid, ": ", status.message()));
    }
  }
  absl::Status Result() const {
    if (count_ == 0) return absl::OkStatus();
    return absl::Status(
        first_.code(),
        absl::StrCat(count_, " process(es) not fully read; first: ", first_.message()));
  }

 private:
  int count_ = 0;
  absl::Status first_;
};

bool PidLess(const Proc* a, const Proc* b) {
  if (a->pid.size() != b->pid.size()) return a->pid.size() < b->pid.size();
  return a->pid < b->pid;  // same length: lexical order is numeric order
}

class ProcessPlugin final : public Plugin {
 public:
  ProcessPlugin(const HostFs& host, const ProcessOptions& options,
                   std::vector<CompiledGroup> groups)
      : host_(host),
        top_n_(static_cast<size_t>(options.top_n)),
        ticks_per_second_(static_cast<double>(options.clock_ticks_per_second)),
        page_size_(options.page_size),
        groups_(std::move(groups)) {}

  std::string_view name() const override { return "processes"; }

  absl::Status Collect(int64_t now_ms, SampleSink& sink) override {
    SCOUT_ASSIGN_OR_RETURN(const std::vector<std::string> pids, host_.ListProc());
    errors_ = ErrorTally();
    users_.reset();
    // No ratios on the first call or when the clock did not move forward.
    const bool have_prev = prev_ms_.has_value() && now_ms > *prev_ms_;
    const double tick_budget =
        have_prev ? static_cast<double>(now_ms - *prev_ms_) / 1000.0 * ticks_per_second_ : 0;

    std::vector<Proc> procs;
    procs.reserve(pids.size());
    std::unordered_map<std::string, PrevCpu> next_cpu;
    next_cpu.reserve(pids.size());
    std::vector<GroupSums> sums(groups_.size());
    std::vector<char> member(groups_.size());
    std::array<uint64_t, kStates.size()> states{};

    for (const std::string& pid : pids) {
      Proc p;
      if (!Scan(pid, now_ms, p, member)) continue;
      const uint64_t ticks = p.stat.CpuTicks();
      const auto prev = prev_cpu_.find(pid);
      if (have_prev && prev != prev_cpu_.end() && prev->second.starttime == p.stat.starttime &&
          ticks >= prev->second.ticks) {
        p.cpu_ratio = static_cast<double>(ticks - prev->second.ticks) / tick_budget;
      }
      next_cpu[pid] = PrevCpu{p.stat.starttime, ticks};

      const auto state = std::find(kStates.begin(), kStates.end(), p.stat.state);
      if (state != kStates.end()) ++states[static_cast<size_t>(state - kStates.begin())];
      for (size_t g = 0; g < groups_.size(); ++g) {
        if (!member[g]) continue;
        ++sums[g].processes;
        sums[g].rss_bytes += p.rss_bytes;
        sums[g].threads += p.stat.num_threads;
        sums[g].cpu_ratio += p.cpu_ratio.value_or(0.0);
      }
      procs.push_back(std::move(p));
    }

    sink.Add("node_processes", {}, static_cast<double>(procs.size()));
    for (size_t i = 0; i < kStates.size(); ++i) {
      sink.Add("node_processes_state", {{"state", std::string(1, kStates[i])}},
               static_cast<double>(states[i]));
    }
    for (size_t g = 0; g < groups_.size(); ++g) {
      const Labels labels = {{"group", groups_[g].name}};
      sink.Add("scout_process_group_processes", labels, static_cast<double>(sums[g].processes));
      sink.Add("scout_process_group_resident_memory_bytes", labels,
               static_cast<double>(sums[g].rss_bytes));
      sink.Add("scout_process_group_threads", labels, static_cast<double>(sums[g].threads));
      if (have_prev) sink.Add("scout_process_group_cpu_usage_ratio", labels, sums[g].cpu_ratio);
    }
    EmitTop(procs, sink);

    // Replace rather than merge: exited pids are forgotten, so the state
    // stays proportional to the live process count.
    prev_cpu_ = std::move(next_cpu);
    prev_ms_ = now_ms;
    for (auto it = cmdline_cache_.begin(); it != cmdline_cache_.end();) {
      it = prev_cpu_.count(it->first) != 0 ? std::next(it) : cmdline_cache_.erase(it);
    }
    return errors_.Result();
  }

 private:
  // Reads stat and, when a group needs them, cmdline and statm of one pid
  // into `out`, and sets member[g] for each group it belongs to. False when
  // the process is to be skipped this cycle.
  bool Scan(const std::string& pid, int64_t now_ms, Proc& out, std::vector<char>& member) {
    out.pid = pid;
    const absl::StatusOr<std::string> stat_text = host_.ReadProc(pid + "/stat");
    if (!Usable(pid, stat_text)) return false;
    absl::StatusOr<PidStat> stat = ParsePidStat(*stat_text);
    if (!stat.ok()) return Fail(pid, stat.status());
    out.stat = std::move(*stat);
    out.rss_bytes = out.stat.rss_pages * page_size_;

    const std::string* cmdline = nullptr;
    bool in_any_group = false;
    for (size_t g = 0; g < groups_.size(); ++g) {
      const CompiledGroup& group = groups_[g];
      member[g] = group.comm != nullptr && RE2::FullMatch(out.stat.comm, *group.comm);
      if (!member[g] && group.cmdline != nullptr) {
        if (cmdline == nullptr && (cmdline = Cmdline(out, now_ms)) == nullptr) return false;
        member[g] = RE2::FullMatch(*cmdline, *group.cmdline);
      }
      in_any_group = in_any_group || member[g];
    }
    // Group sums are reported, so they get the exact RSS; everyone else is
    // only ranked, for which stat's estimate will do and saves a read per
    // process. Kernel threads have no user memory at all.
    if (in_any_group && !out.stat.IsKernelThread()) {
      const absl::StatusOr<std::string> statm_text = host_.ReadProc(pid + "/statm");
      if (!Usable(pid, statm_text)) return false;
      const absl::StatusOr<uint64_t> pages = ParseStatmResidentPages(*statm_text);
      if (!pages.ok()) return Fail(pid, pages.status());
      out.rss_bytes = *pages * page_size_;
    }
    return true;
  }

  // False for a file that cannot be parsed. A just-exited process's files
  // are gone (NotFound) or read as empty (read() fails with ESRCH after
  // open()); both are silent. Anything else is tallied.
  bool Usable(const std::string& pid, const absl::StatusOr<std::string>& text) {
    if (absl::IsNotFound(text.status()) || (text.ok() && text->empty())) return false;
    return text.ok() || Fail(pid, text.status());
  }

  bool Fail(const std::string& pid, const absl::Status& status) {
    errors_.Add(pid, status);
    return false;
  }

  // The joined cmdline, from the cache while the process is the same one
  // (pid, starttime, comm — exec changes comm) and the entry is fresh,
  // else from procfs. Null when the process is to be skipped.
  const std::string* Cmdline(const Proc& p, int64_t now_ms) {
    auto [it, inserted] = cmdline_cache_.try_emplace(p.pid);
    CachedCmdline& entry = it->second;
    if (!inserted && entry.starttime == p.stat.starttime && entry.comm == p.stat.comm &&
        now_ms >= entry.read_ms && now_ms < entry.expires_ms) {
      return &entry.cmdline;
    }
    std::string cmdline;
    if (!p.stat.IsKernelThread()) {
      const absl::StatusOr<std::string> raw = host_.ReadProc(p.pid + "/cmdline");
      if (!raw.ok()) {
        cmdline_cache_.erase(it);
        if (!absl::IsNotFound(raw.status())) Fail(p.pid, raw.status());
        return nullptr;
      }
      cmdline = JoinCmdline(*raw);
    }
    const int64_t spread =
        static_cast<int64_t>(std::hash<std::string>()(p.pid) % 1024) * kCmdlineMinAgeMs / 1024;
    entry = CachedCmdline{p.stat.starttime, p.stat.comm, std::move(cmdline), now_ms,
                          now_ms + kCmdlineMinAgeMs + spread};
    return &entry.cmdline;
  }

  // Emits the per-pid series for the union of the top_n by CPU ratio and
  // the top_n by RSS. Ties go to the lower pid so the sets are stable.
  void EmitTop(const std::vector<Proc>& procs, SampleSink& sink) {
    if (top_n_ == 0) return;
    std::vector<const Proc*> by_cpu;
    std::vector<const Proc*> by_rss;
    by_rss.reserve(procs.size());
    for (const Proc& p : procs) {
      by_rss.push_back(&p);
      if (p.cpu_ratio) by_cpu.push_back(&p);
    }
    std::sort(by_cpu.begin(), by_cpu.end(), [](const Proc* a, const Proc* b) {
      return *a->cpu_ratio != *b->cpu_ratio ? *a->cpu_ratio > *b->cpu_ratio : PidLess(a, b);
    });
    std::sort(by_rss.begin(), by_rss.end(), [](const Proc* a, const Proc* b) {
      return a->rss_bytes != b->rss_bytes ? a->rss_bytes > b->rss_bytes : PidLess(a, b);
    });

    // nullopt = vanished before its details were read; each pid is read
    // once even when it is in both rankings.
    std::unordered_map<const Proc*, std::optional<Details>> details;
    std::vector<const Proc*> chosen;
    for (const std::vector<const Proc*>* ranking : {&by_cpu, &by_rss}) {
      size_t taken = 0;
      for (const Proc* p : *ranking) {
        if (taken == top_n_) break;
        auto [it, inserted] = details.try_emplace(p);
        if (inserted) {
          it->second = ReadDetails(*p);
          if (it->second) chosen.push_back(p);
        }
        if (it->second) ++taken;
      }
    }

    for (const Proc* p : chosen) {
      const Details& d = *details[p];
      const Labels labels = {{"pid", p->pid}, {"name", p->stat.comm}, {"user", d.user}};
      if (p->cpu_ratio) sink.Add("scout_process_cpu_usage_ratio", labels, *p->cpu_ratio);
      sink.Add("scout_process_resident_memory_bytes", labels, static_cast<double>(d.rss_bytes));
      sink.Add("scout_process_threads", labels, static_cast<double>(p->stat.num_threads));
      if (d.open_fds) sink.Add("scout_process_open_fds", labels, static_cast<double>(*d.open_fds));
    }
  }

  std::optional<Details> ReadDetails(const Proc& p) {
    const absl::StatusOr<std::string> status = host_.ReadProc(p.pid + "/status");
    if (!Usable(p.pid, status)) return std::nullopt;
    const absl::StatusOr<PidStatus> parsed = ParsePidStatus(*status);
    if (!parsed.ok()) {
      Fail(p.pid, parsed.status());
      return std::nullopt;
    }
    Details d;
    d.user = UserName(parsed->effective_uid);
    d.rss_bytes = parsed->rss_bytes;
    // NotFound (just exited) or PermissionDenied (not our process) only
    // cost this one sample; the rest of the process is still worth showing.
    if (absl::StatusOr<size_t> fds = host_.CountProcDir(p.pid + "/fd"); fds.ok()) {
      d.open_fds = *fds;
    }
    return d;
  }

  // passwd is read at most once per cycle and only when something is
  // emitted; an unreadable file just means numeric users.
  std::string UserName(uint32_t uid) {
    if (!users_) {
      const absl::StatusOr<std::string> passwd = host_.ReadRoot("etc/passwd");
      users_ = passwd.ok() ? ParsePasswd(*passwd) : std::unordered_map<uint32_t, std::string>();
    }
    const auto it = users_->find(uid);
    return it != users_->end() ? it->second : std::to_string(uid);
  }

  const HostFs& host_;
  const size_t top_n_;
  const double ticks_per_second_;
  const size_t page_size_;
  const std::vector<CompiledGroup> groups_;

  std::optional<int64_t> prev_ms_;
  std::unordered_map<std::string, PrevCpu> prev_cpu_;
  std::unordered_map<std::string, CachedCmdline> cmdline_cache_;
  // Per-cycle scratch.
  ErrorTally errors_;
  std::optional<std::unordered_map<uint32_t, std::string>> users_;
};

absl::StatusOr<std::unique_ptr<RE2>> Compile(const std::string& group, const char* field,
                                             const std::string& pattern) {
  if (pattern.empty()) return std::unique_ptr<RE2>();
  RE2::Options options;
  options.set_log_errors(false);  // the error goes into the Status instead
  auto re = std::make_unique<RE2>(pattern, options);
  if (!re->ok()) {
    return absl::InvalidArgumentError(absl::StrCat("process group \"", group, "\": bad ", field,
                                                   " \"", pattern, "\": ", re->error()));
  }
  return re;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Plugin>> NewProcessPlugin(const HostFs& host,
                                                                     ProcessOptions options) {
  if (options.top_n < 0) {
    return absl::InvalidArgumentError(absl::StrCat("processes: top_n ", options.top_n, " < 0"));
  }
  if (options.clock_ticks_per_second <= 0 || options.page_size == 0) {
    return absl::InvalidArgumentError(
        "processes: clock_ticks_per_second and page_size must be > 0");
  }
  std::vector<CompiledGroup> groups;
  std::set<std::string> names;
  for (const ProcessGroup& g : options.groups) {
    if (g.name.empty()) return absl::InvalidArgumentError("process group with an empty name");
    if (!names.insert(g.name).second) {
      return absl::InvalidArgumentError(absl::StrCat("process group \"", g.name, "\": duplicate"));
    }
    if (g.comm_regex.empty() && g.cmdline_regex.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("process group \"", g.name, "\": needs comm_regex or cmdline_regex"));
    }
    CompiledGroup compiled;
    compiled.name = g.name;
    SCOUT_ASSIGN_OR_RETURN(compiled.comm, Compile(g.name, "comm_regex", g.comm_regex));
    SCOUT_ASSIGN_OR_RETURN(compiled.cmdline, Compile(g.name, "cmdline_regex", g.cmdline_regex));
    groups.push_back(std::move(compiled));
  }
  return std::make_unique<ProcessPlugin>(host, options, std::move(groups));
}

namespace {

// One `groups` entry: both regexes compile, the name is set and unique.
absl::Status ReadProcessGroup(ConfigMap& g, const std::vector<ProcessGroup>& earlier,
                              ProcessGroup* group) {
  SCOUT_RETURN_IF_ERROR(g.Read("name", &group->name));
  SCOUT_RETURN_IF_ERROR(g.Read("comm", &group->comm_regex));
  SCOUT_RETURN_IF_ERROR(g.Read("cmdline", &group->cmdline_regex));
  SCOUT_RETURN_IF_ERROR(g.CheckNoUnknownKeys());
  if (group->name.empty()) return g.ErrorAt("name", "every group needs a name");
  for (const ProcessGroup& e : earlier) {
    if (e.name == group->name) {
      return g.ErrorAt("name", "duplicate group name \"" + group->name + "\"");
    }
  }
  if (group->comm_regex.empty() && group->cmdline_regex.empty()) {
    return g.ErrorAt("name", "group \"" + group->name + "\" needs comm or cmdline");
  }
  for (const auto& [key, regex] : {std::pair<const char*, std::string>{"comm", group->comm_regex},
                                  {"cmdline", group->cmdline_regex}}) {
    if (regex.empty()) continue;
    RE2::Options options;
    options.set_log_errors(false);
    RE2 compiled(regex, options);
    if (!compiled.ok()) return g.ErrorAt(key, "bad regex: " + compiled.error());
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ReadProcessOptions(ConfigMap& section, ProcessOptions* options) {
  int64_t top_n = options->top_n;
  SCOUT_RETURN_IF_ERROR(section.Read("top_n", &top_n));
  if (top_n < 0 || top_n > 1000) return section.ErrorAt("top_n", "must be between 0 and 1000");
  options->top_n = static_cast<int>(top_n);
  SCOUT_ASSIGN_OR_RETURN(auto groups, section.ChildList("groups"));
  for (ConfigMap& g : groups) {
    ProcessGroup group;
    SCOUT_RETURN_IF_ERROR(ReadProcessGroup(g, options->groups, &group));
    options->groups.push_back(std::move(group));
  }
  return section.CheckNoUnknownKeys();
}

}  // namespace scout::agent
