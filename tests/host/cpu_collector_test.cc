#include "agent/host/cpu_plugin.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "test_host_fs.h"

namespace scout::agent {
namespace {

using testing::CollectOk;
using testing::CountMetric;
using testing::FixtureHostFs;
using testing::HasSeries;
using testing::ValueOf;

constexpr double kEps = 1e-9;


int RatioSamples(const std::vector<Sample>& s) {
  return CountMetric(s, "node_cpu_usage_ratio") + CountMetric(s, "node_cpu_core_usage_ratio") +
         CountMetric(s, "node_cpu_mode_ratio");
}

TEST(CpuCollector, FirstCallEmitsOnlyCount) {
  FixtureHostFs host("cpu_basic/t0");
  auto cpu = NewCpuPlugin(host);
  EXPECT_EQ(cpu->name(), "cpu");
  const std::vector<Sample> s = CollectOk(*cpu, 1000);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(ValueOf(s, "node_cpu_count"), 2.0);
  EXPECT_EQ(s[0].point.timestamp_ms, 1000);
}

// Deltas t0 -> t1 (see the fixtures), guest ticks (20 on cpu0) are already
// inside user and must not inflate the total:
//   cpu0: user 30 sys 10 idle 50 iowait 10                    total 100
//   cpu1: user 10 nice 5 sys 5 idle 160 irq 5 softirq 5 steal 10 total 200
//   all : user 40 nice 5 sys 15 idle 210 iowait 10 irq 5 softirq 5 steal 10
//         total 300
TEST(CpuCollector, RatiosFromHandComputedDeltas) {
  FixtureHostFs host("cpu_basic/t0");
  auto cpu = NewCpuPlugin(host);
  CollectOk(*cpu, 1000);
  host.SetScenario("cpu_basic/t1");
  const std::vector<Sample> s = CollectOk(*cpu, 2000);

  EXPECT_EQ(ValueOf(s, "node_cpu_count"), 2.0);
  EXPECT_NEAR(ValueOf(s, "node_cpu_usage_ratio"), 1.0 - 220.0 / 300.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_cpu_core_usage_ratio", {{"cpu", "0"}}), 0.4, kEps);
  EXPECT_NEAR(ValueOf(s, "node_cpu_core_usage_ratio", {{"cpu", "1"}}), 0.2, kEps);

  const std::pair<const char*, double> modes[] = {
      {"user", 40},     {"nice", 5}, {"system", 15},  {"idle", 210},
      {"iowait", 10},   {"irq", 5},  {"softirq", 5},  {"steal", 10}};
  double sum = 0;
  for (const auto& [mode, ticks] : modes) {
    const double v = ValueOf(s, "node_cpu_mode_ratio", {{"mode", mode}});
    EXPECT_NEAR(v, ticks / 300.0, kEps) << mode;
    sum += v;
  }
  EXPECT_NEAR(sum, 1.0, kEps);
  EXPECT_EQ(CountMetric(s, "node_cpu_mode_ratio"), 8);  // no guest modes
  EXPECT_EQ(CountMetric(s, "node_cpu_core_usage_ratio"), 2);
  for (const Sample& sample : s) EXPECT_EQ(sample.point.timestamp_ms, 2000);
}

TEST(CpuCollector, UnchangedCountersEmitNoRatios) {
  FixtureHostFs host("cpu_basic/t0");
  auto cpu = NewCpuPlugin(host);
  CollectOk(*cpu, 1000);
  const std::vector<Sample> s = CollectOk(*cpu, 2000);
  EXPECT_EQ(RatioSamples(s), 0);
  EXPECT_EQ(ValueOf(s, "node_cpu_count"), 2.0);
}

TEST(CpuCollector, HotPluggedCpuGetsNoRatioUntilItHasHistory) {
  FixtureHostFs host("cpu_hotplug/t0");
  auto cpu = NewCpuPlugin(host);
  CollectOk(*cpu, 1000);
  host.SetScenario("cpu_hotplug/t1");
  const std::vector<Sample> s = CollectOk(*cpu, 2000);

  EXPECT_EQ(ValueOf(s, "node_cpu_count"), 3.0);
  EXPECT_NEAR(ValueOf(s, "node_cpu_core_usage_ratio", {{"cpu", "0"}}), 60.0 / 150.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_cpu_core_usage_ratio", {{"cpu", "1"}}), 50.0 / 100.0, kEps);
  EXPECT_FALSE(HasSeries(s, "node_cpu_core_usage_ratio", {{"cpu", "2"}}));
  EXPECT_NEAR(ValueOf(s, "node_cpu_usage_ratio"), 150.0 / 350.0, kEps);
}

TEST(CpuCollector, CounterGoingBackwardsSkipsThatCpuThenRecovers) {
  FixtureHostFs host("cpu_backwards/t0");
  auto cpu = NewCpuPlugin(host);
  CollectOk(*cpu, 1000);

  // t1: iowait of cpu1 and of the total went backwards (40 -> 35).
  host.SetScenario("cpu_backwards/t1");
  std::vector<Sample> s = CollectOk(*cpu, 2000);
  EXPECT_NEAR(ValueOf(s, "node_cpu_core_usage_ratio", {{"cpu", "0"}}), 75.0 / 175.0, kEps);
  EXPECT_FALSE(HasSeries(s, "node_cpu_core_usage_ratio", {{"cpu", "1"}}));
  EXPECT_EQ(CountMetric(s, "node_cpu_usage_ratio"), 0);
  EXPECT_EQ(CountMetric(s, "node_cpu_mode_ratio"), 0);
  for (const Sample& sample : s) {
    EXPECT_GE(sample.point.value, 0.0) << SeriesKeyString(sample.key);
  }

  // t2 is diffed against t1 (not t0): cpu1 +50 user +25 sys +100 idle
  // +10 iowait; total +100 user +50 sys +200 idle +10 iowait.
  host.SetScenario("cpu_backwards/t2");
  s = CollectOk(*cpu, 3000);
  EXPECT_NEAR(ValueOf(s, "node_cpu_core_usage_ratio", {{"cpu", "1"}}), 75.0 / 185.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_cpu_core_usage_ratio", {{"cpu", "0"}}), 75.0 / 175.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_cpu_usage_ratio"), 150.0 / 360.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_cpu_mode_ratio", {{"mode", "iowait"}}), 10.0 / 360.0, kEps);
}

TEST(CpuCollector, MissingFileIsNotFoundAndKeepsPreviousCounters) {
  FixtureHostFs host("cpu_basic/t0");
  auto cpu = NewCpuPlugin(host);
  CollectOk(*cpu, 1000);

  host.SetScenario("does_not_exist");
  VectorSink sink(2000);
  const absl::Status status = cpu->Collect(2000, sink);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_TRUE(sink.samples().empty());

  // The failed cycle did not erase t0, so t1 still yields ratios.
  host.SetScenario("cpu_basic/t1");
  const std::vector<Sample> s = CollectOk(*cpu, 3000);
  EXPECT_NEAR(ValueOf(s, "node_cpu_core_usage_ratio", {{"cpu", "0"}}), 0.4, kEps);
}

TEST(CpuCollector, MalformedStatIsInvalidArgumentWithNoSamples) {
  FixtureHostFs host("stat_malformed");
  auto cpu = NewCpuPlugin(host);
  VectorSink sink(1000);
  const absl::Status status = cpu->Collect(1000, sink);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(sink.samples().empty());
}

TEST(CpuCollector, RealSnapshotThroughProductionHostFs) {
  HostFs host(HostRoots{testing::FixtureDir("real"), "/nonexistent-sys", "/"});
  auto cpu = NewCpuPlugin(host);
  EXPECT_EQ(ValueOf(CollectOk(*cpu, 1000), "node_cpu_count"), 2.0);
  EXPECT_EQ(RatioSamples(CollectOk(*cpu, 2000)), 0);  // same file twice
}

}  // namespace
}  // namespace scout::agent
