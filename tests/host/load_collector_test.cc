#include "agent/host/load_plugin.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_host_fs.h"

namespace scout::agent {
namespace {

using ::testing::HasSubstr;
using testing::CountMetric;
using testing::FixtureHostFs;
using testing::ValueOf;

TEST(LoadCollector, HandMadeFiles) {
  FixtureHostFs host("load_basic");
  auto load = NewLoadPlugin(host);
  EXPECT_EQ(load->name(), "load");
  VectorSink sink(1);
  ASSERT_TRUE(load->Collect(1, sink).ok());
  const std::vector<Sample>& s = sink.samples();
  // 4 from loadavg (incl. node_threads), 5 from stat, the per-core ratio,
  // 3 from sys/fs/file-nr and 1 from uptime.
  EXPECT_EQ(s.size(), 14u);
  EXPECT_DOUBLE_EQ(ValueOf(s, "node_load1"), 1.5);
  EXPECT_DOUBLE_EQ(ValueOf(s, "node_load5"), 0.75);
  EXPECT_DOUBLE_EQ(ValueOf(s, "node_load15"), 0.25);
  // From stat, not from loadavg's "3/412" (which counts threads).
  EXPECT_EQ(ValueOf(s, "node_procs_running"), 3.0);
  EXPECT_EQ(ValueOf(s, "node_procs_blocked"), 2.0);
  EXPECT_EQ(ValueOf(s, "node_boot_time_seconds"), 1700000000.0);
  EXPECT_EQ(ValueOf(s, "node_context_switches_total"), 123456789.0);
  EXPECT_EQ(ValueOf(s, "node_forks_total"), 4242.0);
  EXPECT_EQ(ValueOf(s, "node_threads"), 412.0);
  EXPECT_DOUBLE_EQ(ValueOf(s, "node_load1_per_core_ratio"), 1.5);  // one cpuN line
  EXPECT_DOUBLE_EQ(ValueOf(s, "node_filefd_used_ratio"), 0.25);    // 1000 / 4000
  EXPECT_DOUBLE_EQ(ValueOf(s, "node_uptime_seconds"), 12345.67);
}

TEST(LoadCollector, RealSnapshotThroughProductionHostFs) {
  HostFs host(HostRoots{testing::FixtureDir("real"), "/nonexistent-sys", "/"});
  auto load = NewLoadPlugin(host);
  VectorSink sink(1);
  ASSERT_TRUE(load->Collect(1, sink).ok());
  EXPECT_DOUBLE_EQ(ValueOf(sink.samples(), "node_load5"), 0.08);
  EXPECT_EQ(ValueOf(sink.samples(), "node_boot_time_seconds"), 1795763740.0);
  EXPECT_EQ(ValueOf(sink.samples(), "node_forks_total"), 4665.0);
}

TEST(LoadCollector, MissingLoadavgStillEmitsStatAndReportsNotFound) {
  FixtureHostFs host("load_stat_only");
  auto load = NewLoadPlugin(host);
  VectorSink sink(1);
  const absl::Status status = load->Collect(1, sink);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("loadavg"));
  EXPECT_EQ(CountMetric(sink.samples(), "node_load1"), 0);
  EXPECT_EQ(ValueOf(sink.samples(), "node_procs_running"), 4.0);
  EXPECT_EQ(ValueOf(sink.samples(), "node_context_switches_total"), 777.0);
}

TEST(LoadCollector, StatWithoutSomeScalarLinesNamesThem) {
  FixtureHostFs host("load_no_scalars");
  auto load = NewLoadPlugin(host);
  VectorSink sink(1);
  const absl::Status status = load->Collect(1, sink);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("procs_running, procs_blocked, btime"));
  EXPECT_DOUBLE_EQ(ValueOf(sink.samples(), "node_load15"), 0.3);
  EXPECT_EQ(ValueOf(sink.samples(), "node_context_switches_total"), 10.0);
  EXPECT_EQ(ValueOf(sink.samples(), "node_forks_total"), 20.0);
  EXPECT_EQ(CountMetric(sink.samples(), "node_procs_running"), 0);
  EXPECT_EQ(CountMetric(sink.samples(), "node_boot_time_seconds"), 0);
  // 4 from loadavg, ctxt and processes, and load1 / 1 CPU.
  EXPECT_EQ(sink.samples().size(), 7u);
  EXPECT_DOUBLE_EQ(ValueOf(sink.samples(), "node_load1_per_core_ratio"), 0.5);
}

TEST(LoadCollector, MalformedStatIsInvalidArgumentAfterLoadavgSamples) {
  FixtureHostFs host("load_bad_stat");
  auto load = NewLoadPlugin(host);
  VectorSink sink(1);
  const absl::Status status = load->Collect(1, sink);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("procs_running"));
  EXPECT_EQ(sink.samples().size(), 4u);  // loadavg only, node_threads included
  EXPECT_DOUBLE_EQ(ValueOf(sink.samples(), "node_load1"), 2.0);
}

TEST(LoadCollector, BothFilesMissingIsNotFound) {
  FixtureHostFs host("does_not_exist");
  auto load = NewLoadPlugin(host);
  VectorSink sink(1);
  EXPECT_EQ(load->Collect(1, sink).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(sink.samples().empty());
}

}  // namespace
}  // namespace scout::agent
