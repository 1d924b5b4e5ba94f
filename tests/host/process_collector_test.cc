#include "agent/host/process_plugin.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "test_host_fs.h"

namespace scout::agent {
namespace {

using testing::CollectOk;
using testing::CountMetric;
using testing::FixtureDir;
using testing::FixtureHostFs;
using testing::HasSeries;
using testing::ValueOf;

constexpr double kEps = 1e-9;
constexpr char kNodeCmdline[] = R"((\S*/)?node .*\.js( .*)?)";

// processes_basic/<snapshot> (t0, t1) with the scenario's etc/passwd.
FixtureHostFs BasicHost() {
  FixtureHostFs host("processes_basic/t0");
  host.SetRootfs("processes_basic/rootfs");
  return host;
}
void SetSnapshot(FixtureHostFs& host, const std::string& snapshot) {
  host.SetScenario("processes_basic/" + snapshot);
}

std::unique_ptr<Plugin> MakeCollector(const HostFs& host, ProcessOptions options) {
  absl::StatusOr<std::unique_ptr<Plugin>> plugin =
      NewProcessPlugin(host, std::move(options));
  EXPECT_TRUE(plugin.ok()) << plugin.status();
  return plugin.ok() ? std::move(*plugin) : nullptr;
}

ProcessOptions BasicOptions(int top_n = 10) {
  ProcessOptions o;
  o.top_n = top_n;
  o.groups = {{"node", "", kNodeCmdline},
              {"systemd", "systemd", ""},
              {"java", "java", ""},
              {"weird-or-node", "evil.*", "node .*"}};
  return o;
}


// Pids that have any per-process series.
std::set<std::string> EmittedPids(const std::vector<Sample>& samples) {
  std::set<std::string> pids;
  for (const Sample& s : samples) {
    if (s.key.metric.rfind("scout_process_", 0) == 0 &&
        s.key.metric.find("_group_") == std::string::npos) {
      pids.insert(LabelValue(s.key.labels, "pid"));
    }
  }
  return pids;
}

Labels Proc(const std::string& pid, const std::string& name, const std::string& user) {
  return {{"pid", pid}, {"name", name}, {"user", user}};
}

TEST(ProcessCollector, FirstCycleHasCountsMemoryAndGroupsButNoCpu) {
  FixtureHostFs host = BasicHost();
  auto plugin = MakeCollector(host, BasicOptions());
  ASSERT_NE(plugin, nullptr);
  EXPECT_EQ(plugin->name(), "processes");
  const std::vector<Sample> s = CollectOk(*plugin, 100000);

  EXPECT_EQ(ValueOf(s, "node_processes"), 8.0);
  const std::pair<const char*, double> states[] = {{"R", 1}, {"S", 4}, {"D", 1}, {"T", 0}, {"t", 0},
                                                   {"X", 0}, {"Z", 1}, {"P", 0}, {"I", 1}};
  for (const auto& [state, n] : states) {
    EXPECT_EQ(ValueOf(s, "node_processes_state", {{"state", state}}), n) << state;
  }
  EXPECT_EQ(CountMetric(s, "node_processes_state"), 9);
  EXPECT_EQ(CountMetric(s, "scout_process_cpu_usage_ratio"), 0);
  EXPECT_EQ(CountMetric(s, "scout_process_group_cpu_usage_ratio"), 0);
  EXPECT_EQ(ValueOf(s, "scout_process_group_processes", {{"group", "node"}}), 2.0);
  EXPECT_EQ(ValueOf(s, "scout_process_group_processes", {{"group", "java"}}), 0.0);

  // Effective uid 1000 -> "app"; 1001 is not in passwd; comm kept verbatim.
  EXPECT_EQ(ValueOf(s, "scout_process_resident_memory_bytes", Proc("100", "node", "app")),
            50000.0 * 4096);
  EXPECT_EQ(ValueOf(s, "scout_process_threads", Proc("200", "evil) R 9 9 (x", "1001")), 2.0);
  EXPECT_EQ(ValueOf(s, "scout_process_open_fds", Proc("1", "systemd", "root")), 3.0);
  EXPECT_EQ(ValueOf(s, "scout_process_resident_memory_bytes", Proc("300", "old-job", "root")),
            100.0 * 4096);
  EXPECT_EQ(EmittedPids(s).size(), 8u);
}

// t0 -> t1 is 2 s at 100 ticks/s = 200 ticks per core (see the fixtures):
//   1 systemd +40 ticks = 0.2    100 node +400 = 2.0 (two cores)
//   101 node +100 = 0.5          200 evil +30 = 0.15   400 zombie +0 = 0
//   50 kworker +3 = 0.015        300 reused (starttime 7000 -> 9000): none
//   500 new (and its status vanishes), 600 statm gone, 800 empty stat.
TEST(ProcessCollector, HandComputedRatiosAndGroupSums) {
  FixtureHostFs host = BasicHost();
  auto plugin = MakeCollector(host, BasicOptions());
  ASSERT_NE(plugin, nullptr);
  CollectOk(*plugin, 100000);
  SetSnapshot(host, "t1");
  const std::vector<Sample> s = CollectOk(*plugin, 102000);

  const std::string cpu = "scout_process_cpu_usage_ratio";
  EXPECT_NEAR(ValueOf(s, cpu, Proc("1", "systemd", "root")), 0.2, kEps);
  EXPECT_NEAR(ValueOf(s, cpu, Proc("100", "node", "app")), 2.0, kEps);
  EXPECT_NEAR(ValueOf(s, cpu, Proc("101", "node", "app")), 0.5, kEps);
  EXPECT_NEAR(ValueOf(s, cpu, Proc("200", "evil) R 9 9 (x", "1001")), 0.15, kEps);
  EXPECT_NEAR(ValueOf(s, cpu, Proc("400", "defunct", "app")), 0.0, kEps);
  EXPECT_NEAR(ValueOf(s, cpu, Proc("50", "kworker/0:1-events", "root")), 0.015, kEps);
  EXPECT_NEAR(ValueOf(s, cpu, Proc("2", "kthreadd", "root")), 0.0, kEps);
  // Pid reuse: memory yes, CPU no (+200 ticks would have read as 1.0).
  EXPECT_FALSE(HasSeries(s, cpu, Proc("300", "new-job", "root")));
  EXPECT_EQ(ValueOf(s, "scout_process_resident_memory_bytes", Proc("300", "new-job", "root")),
            200.0 * 4096);
  EXPECT_EQ(CountMetric(s, cpu), 7);
  EXPECT_EQ(EmittedPids(s),
            (std::set<std::string>{"1", "100", "101", "2", "200", "300", "400", "50"}));
  EXPECT_FALSE(
      HasSeries(s, "scout_process_open_fds", Proc("300", "new-job", "root")));  // no fd dir

  // 500 was scanned (stat+statm) and counts; 600 and 800 vanished first.
  EXPECT_EQ(ValueOf(s, "node_processes"), 9.0);
  EXPECT_EQ(ValueOf(s, "node_processes_state", {{"state", "S"}}), 4.0);
  EXPECT_EQ(ValueOf(s, "node_processes_state", {{"state", "R"}}), 2.0);

  const auto group = [&](const std::string& metric, const std::string& name) {
    return ValueOf(s, "scout_process_group_" + metric, {{"group", name}});
  };
  EXPECT_EQ(group("processes", "node"), 2.0);
  EXPECT_EQ(group("resident_memory_bytes", "node"), 70000.0 * 4096);
  EXPECT_EQ(group("threads", "node"), 18.0);
  EXPECT_NEAR(group("cpu_usage_ratio", "node"), 2.5, kEps);
  EXPECT_EQ(group("processes", "systemd"), 1.0);
  EXPECT_NEAR(group("cpu_usage_ratio", "systemd"), 0.2, kEps);
  // Zero-member groups are emitted as 0, not left out.
  for (const char* metric : {"processes", "resident_memory_bytes", "threads", "cpu_usage_ratio"}) {
    EXPECT_EQ(group(metric, "java"), 0.0) << metric;
  }
  // 200 by comm, 100 by cmdline ("node .*" does not fully match 101's
  // "/usr/bin/node ..."); 100 is in two groups.
  EXPECT_EQ(group("processes", "weird-or-node"), 2.0);
  EXPECT_EQ(group("resident_memory_bytes", "weird-or-node"), 51000.0 * 4096);
  EXPECT_EQ(group("threads", "weird-or-node"), 13.0);
  EXPECT_NEAR(group("cpu_usage_ratio", "weird-or-node"), 2.15, kEps);
}

// top_n = 2 at t1: CPU picks 100 and 101; RSS ranks 500 first but its
// status is gone, so it is replaced by 1 (after 100). Only those three
// pids get series, and only they have status read.
TEST(ProcessCollector, TopNUnionIsBoundedAndBackfillsVanishedProcesses) {
  FixtureHostFs host = BasicHost();
  auto plugin = MakeCollector(host, BasicOptions(2));
  ASSERT_NE(plugin, nullptr);
  CollectOk(*plugin, 100000);
  SetSnapshot(host, "t1");
  host.ResetReads();
  const std::vector<Sample> s = CollectOk(*plugin, 102000);

  EXPECT_EQ(EmittedPids(s), (std::set<std::string>{"1", "100", "101"}));
  for (const char* m : {"cpu_usage_ratio", "resident_memory_bytes", "threads", "open_fds"}) {
    EXPECT_EQ(CountMetric(s, std::string("scout_process_") + m), 3) << m;
  }
  EXPECT_EQ(ValueOf(s, "scout_process_open_fds", Proc("101", "node", "app")), 4.0);
  EXPECT_EQ(ValueOf(s, "scout_process_resident_memory_bytes", Proc("1", "systemd", "root")),
            30000.0 * 4096);
  EXPECT_EQ(host.reads("500/status"), 1);
  EXPECT_EQ(host.reads_ending("/status"), 4);  // 100, 101, 500, 1
  EXPECT_EQ(host.reads("200/status"), 0);
  // statm (exact RSS) only for group members: 1 100 101 200, and 600,
  // which vanished right there. 1 was ranked by stat's 29990 pages but
  // reports status's exact 30000 (above).
  EXPECT_EQ(host.reads_ending("/statm"), 5);
  EXPECT_EQ(host.reads("300/statm"), 0);

  auto quiet = MakeCollector(host, BasicOptions(0));
  ASSERT_NE(quiet, nullptr);
  const std::vector<Sample> q = CollectOk(*quiet, 102000);
  EXPECT_TRUE(EmittedPids(q).empty());
  EXPECT_EQ(ValueOf(q, "node_processes"), 9.0);
}

TEST(ProcessCollector, CmdlineIsReadOnlyWhenNeededAndCachedPerProcess) {
  FixtureHostFs host = BasicHost();
  ProcessOptions comm_only;
  comm_only.groups = {{"systemd", "systemd", ""}};
  auto plugin = MakeCollector(host, comm_only);
  ASSERT_NE(plugin, nullptr);
  CollectOk(*plugin, 100000);
  EXPECT_EQ(host.reads_ending("/cmdline"), 0);

  // Kernel threads (2, 50) have no cmdline file in the fixture: reading it
  // would make them vanish from node_processes.
  auto grouped = MakeCollector(host, BasicOptions());
  ASSERT_NE(grouped, nullptr);
  host.ResetReads();
  EXPECT_EQ(ValueOf(CollectOk(*grouped, 100000), "node_processes"), 8.0);
  EXPECT_EQ(host.reads_ending("/cmdline"), 6);
  EXPECT_EQ(host.reads("100/cmdline"), 1);
  EXPECT_EQ(host.reads("2/cmdline"), 0);

  // Same (pid, starttime, comm): cached. 300 was reused (new starttime) and
  // 500, 600 are new.
  SetSnapshot(host, "t1");
  host.ResetReads();
  CollectOk(*grouped, 102000);
  EXPECT_EQ(host.reads("100/cmdline"), 0);
  EXPECT_EQ(host.reads("300/cmdline"), 1);
  EXPECT_EQ(host.reads("500/cmdline"), 1);
  EXPECT_EQ(host.reads("600/cmdline"), 1);
  EXPECT_EQ(host.reads_ending("/cmdline"), 3);

  // Entries are re-read after 5 to 10 minutes so setproctitle() is seen.
  host.ResetReads();
  CollectOk(*grouped, 100000 + 299000);
  // 600 never completes a scan (no statm), so it is never remembered.
  EXPECT_EQ(host.reads_ending("/cmdline"), 1);
  EXPECT_EQ(host.reads("600/cmdline"), 1);
  host.ResetReads();
  CollectOk(*grouped, 100000 + 605000);
  EXPECT_EQ(host.reads("100/cmdline"), 1);
  EXPECT_EQ(host.reads_ending("/cmdline"), 8);  // 1 100 101 200 300 400 500 600
  EXPECT_EQ(host.reads("2/statm"), 0);          // kernel thread: RSS is 0
}

TEST(ProcessCollector, MalformedFilesSkipOnlyThatProcessAndAreReported) {
  FixtureHostFs host("processes_malformed");
  host.SetRootfs("processes_basic/rootfs");
  ProcessOptions all;  // group members get statm read, so 8's bad statm counts
  all.groups = {{"all", ".*", ""}};
  auto plugin = MakeCollector(host, all);
  ASSERT_NE(plugin, nullptr);
  VectorSink sink(1000);
  const absl::Status status = plugin->Collect(1000, sink);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(status.message().find("2 process(es)"), std::string_view::npos) << status;
  EXPECT_NE(status.message().find("pid "), std::string_view::npos) << status;
  EXPECT_EQ(ValueOf(sink.samples(), "node_processes"), 1.0);
  EXPECT_EQ(EmittedPids(sink.samples()), (std::set<std::string>{"1"}));
}

TEST(ProcessCollector, FailedListingKeepsHistoryAndAStalledClockGivesNoRatios) {
  FixtureHostFs host = BasicHost();
  auto plugin = MakeCollector(host, BasicOptions());
  ASSERT_NE(plugin, nullptr);
  CollectOk(*plugin, 100000);
  host.SetScenario("does_not_exist");
  VectorSink sink(101000);
  EXPECT_EQ(plugin->Collect(101000, sink).code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(sink.samples().empty());
  SetSnapshot(host, "t1");  // diffed against t0 over 2 s
  const std::string cpu = "scout_process_cpu_usage_ratio";
  EXPECT_NEAR(ValueOf(CollectOk(*plugin, 102000), cpu, Proc("100", "node", "app")), 2.0, kEps);

  // A clock that does not move forward yields no ratios at all.
  const std::vector<Sample> s = CollectOk(*plugin, 102000);
  EXPECT_EQ(CountMetric(s, cpu), 0);
  EXPECT_EQ(CountMetric(s, "scout_process_group_cpu_usage_ratio"), 0);
  EXPECT_EQ(ValueOf(s, "node_processes"), 9.0);
}

TEST(ProcessCollector, FactoryRejectsBadOptionsNamingTheGroup) {
  HostFs host(HostRoots{});
  const auto error = [&](ProcessOptions o) {
    absl::StatusOr<std::unique_ptr<Plugin>> p = NewProcessPlugin(host, std::move(o));
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(p.status().message());
  };
  ProcessOptions o;
  o.groups = {{"ok", "node", ""}, {"broken", "", "node ("}};
  const std::string message = error(o);
  EXPECT_NE(message.find("\"broken\""), std::string::npos) << message;
  EXPECT_NE(message.find("cmdline_regex"), std::string::npos) << message;
  o.groups = {{"bad-comm", "[", ""}};
  EXPECT_NE(error(o).find("\"bad-comm\": bad comm_regex"), std::string::npos);
  o.groups = {{"none", "", ""}};
  EXPECT_NE(error(o).find("\"none\""), std::string::npos);
  o.groups = {{"a", "x", ""}, {"a", "y", ""}};
  EXPECT_NE(error(o).find("duplicate"), std::string::npos);
  o.groups = {{"", "x", ""}};
  error(o);
  o = ProcessOptions();
  o.top_n = -1;
  error(o);
  o.top_n = 10;
  o.clock_ticks_per_second = 0;
  error(o);
}

// Files copied from this Debian 12 VM (see the fixtures README).
TEST(ProcessCollector, RealSnapshot) {
  HostFs host(HostRoots{FixtureDir("processes_real/proc"), "/nonexistent-sys",
                        FixtureDir("processes_real/rootfs")});
  ProcessOptions o;
  o.groups = {{"sleepers", "", R"(sleep \d+)"}, {"kworkers", "kworker/.*", ""}};
  auto plugin = MakeCollector(host, o);
  ASSERT_NE(plugin, nullptr);
  std::vector<Sample> s = CollectOk(*plugin, 1000);
  EXPECT_EQ(ValueOf(s, "node_processes"), 5.0);
  EXPECT_EQ(ValueOf(s, "node_processes_state", {{"state", "S"}}), 4.0);
  EXPECT_EQ(ValueOf(s, "node_processes_state", {{"state", "I"}}), 1.0);
  EXPECT_EQ(ValueOf(s, "scout_process_resident_memory_bytes", Proc("1", "process_api", "root")),
            2914.0 * 4096);
  EXPECT_EQ(ValueOf(s, "scout_process_threads", Proc("1", "process_api", "root")), 13.0);
  EXPECT_EQ(ValueOf(s, "scout_process_open_fds", Proc("29598", "bash", "root")), 9.0);
  // VmRSS 4008 kB, where stat's per-CPU estimate said 943 pages.
  EXPECT_EQ(ValueOf(s, "scout_process_resident_memory_bytes", Proc("29598", "bash", "root")),
            4008.0 * 1024);
  EXPECT_EQ(ValueOf(s, "scout_process_open_fds", Proc("1613", "sleep", "root")), 5.0);
  EXPECT_EQ(ValueOf(s, "scout_process_group_processes", {{"group", "sleepers"}}), 1.0);
  EXPECT_EQ(ValueOf(s, "scout_process_group_resident_memory_bytes", {{"group", "sleepers"}}),
            439.0 * 4096);
  EXPECT_EQ(ValueOf(s, "scout_process_group_processes", {{"group", "kworkers"}}), 1.0);
  s = CollectOk(*plugin, 11000);  // same files: every ratio is 0
  EXPECT_EQ(CountMetric(s, "scout_process_cpu_usage_ratio"), 5);
  for (const Sample& sample : s) {
    if (sample.key.metric == "scout_process_cpu_usage_ratio") {
      EXPECT_EQ(sample.point.value, 0.0);
    }
  }
}

// Process CPU time (user + system) in ms; glibc's clock() has 1 us resolution.
double CpuMs() { return 1000.0 * static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

// The production HostFs against this machine's /proc: proves ListProc and
// CountProcDir on the real thing and prints what a cycle costs here.
TEST(ProcessCollector, LiveProcSmoke) {
  HostFs host(HostRoots{});
  const absl::StatusOr<std::vector<std::string>> pids = host.ListProc();
  ASSERT_TRUE(pids.ok()) << pids.status();
  const std::string self = std::to_string(getpid());
  EXPECT_NE(std::find(pids->begin(), pids->end(), self), pids->end());
  const absl::StatusOr<size_t> before = host.CountProcDir(self + "/fd");
  ASSERT_TRUE(before.ok()) << before.status();
  const int fd = open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(*host.CountProcDir(self + "/fd"), *before + 1);
  close(fd);
  EXPECT_EQ(host.CountProcDir("no-such-pid/fd").status().code(), absl::StatusCode::kNotFound);

  ProcessOptions o;
  o.groups = {{"node", "", kNodeCmdline}};
  auto plugin = MakeCollector(host, o);
  ASSERT_NE(plugin, nullptr);
  CollectOk(*plugin, 1000);
  const double start = CpuMs();
  const std::vector<Sample> s = CollectOk(*plugin, 11000);
  const double cost = CpuMs() - start;
  const double n = ValueOf(s, "node_processes");
  EXPECT_GE(n, 1.0);
  std::printf("[ live /proc ] %.0f processes: %.3f ms CPU per cycle (%.1f us/process)\n", n, cost,
              cost * 1000 / n);
}

// 500 generated processes, 3 groups (one by cmdline), default top_n.
TEST(ProcessCollector, FiveHundredProcessCycleIsCheap) {
  namespace fs = std::filesystem;
  const fs::path root =
      fs::path(::testing::TempDir()) / ("scout-procs-" + std::to_string(getpid()));
  fs::remove_all(root);
  const auto write = [](const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  };
  fs::create_directories(root / "rootfs/etc");
  write(root / "rootfs/etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/:/bin/sh\n");
  for (int pid = 1000; pid < 1500; ++pid) {
    using namespace std::string_literals;
    const std::string id = std::to_string(pid);
    const std::string comm = pid % 50 == 0 ? "node" : "worker-" + std::to_string(pid % 7);
    const fs::path dir = root / "proc" / id;
    fs::create_directories(dir / "fd");
    // utime = pid ticks, 4 threads, starttime = pid; RSS = pid pages.
    write(dir / "stat", id + " (" + comm + ") S 1 1 1 0 -1 4194560 10 0 0 0 " + id +
                            " 17 0 0 20 0 4 0 " + id + " 5251072 " + id +
                            " 18446744073709551615\n");
    write(dir / "statm", "9000 " + id + " 300 200 0 800 0\n");
    write(dir / "status", "Name:\t" + comm + "\nUid:\t1000\t1000\t1000\t1000\nThreads:\t4\n");
    write(dir / "cmdline", comm + "\0/srv/app/job.js\0--id\0"s + id + '\0');
    for (const char* fd : {"0", "1", "2", "3", "4", "5"}) write(dir / "fd" / fd, "");
  }
  HostFs host(HostRoots{(root / "proc").string(), "/nonexistent-sys", (root / "rootfs").string()});
  ProcessOptions o;
  o.groups = {{"node", "", kNodeCmdline}, {"worker-3", "worker-3", ""}, {"java", "java", ""}};
  auto plugin = MakeCollector(host, o);
  ASSERT_NE(plugin, nullptr);

  double start = CpuMs();
  std::vector<Sample> s = CollectOk(*plugin, 1000);
  const double cold = CpuMs() - start;
  constexpr int kWarm = 10;
  start = CpuMs();
  for (int i = 1; i <= kWarm; ++i) s = CollectOk(*plugin, 1000 + i * 10000);
  const double warm = (CpuMs() - start) / kWarm;
  std::printf("[ 500 processes ] first cycle %.3f ms CPU, then %.3f ms CPU per cycle\n", cold,
              warm);

  EXPECT_EQ(ValueOf(s, "node_processes"), 500.0);
  EXPECT_EQ(ValueOf(s, "scout_process_group_processes", {{"group", "node"}}), 10.0);
  EXPECT_EQ(ValueOf(s, "scout_process_group_processes", {{"group", "worker-3"}}), 70.0);
  EXPECT_EQ(EmittedPids(s).size(), 20u);  // ties at ratio 0: pids 1000-1009, 1490-1499
  EXPECT_LT(cold, 100.0);
  EXPECT_LT(warm, 100.0);
  fs::remove_all(root);
}

}  // namespace
}  // namespace scout::agent
