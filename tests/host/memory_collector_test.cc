#include "agent/host/memory_plugin.h"

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
using testing::HasSeries;
using testing::ValueOf;

constexpr double kKiB = 1024.0;

TEST(MemoryCollector, HandMadeMeminfo) {
  FixtureHostFs host("mem_basic");
  auto mem = NewMemoryPlugin(host);
  EXPECT_EQ(mem->name(), "memory");
  VectorSink sink(5000);
  ASSERT_TRUE(mem->Collect(5000, sink).ok());
  const std::vector<Sample>& s = sink.samples();

  EXPECT_EQ(ValueOf(s, "node_memory_MemTotal_bytes"), 8000000 * kKiB);
  EXPECT_EQ(ValueOf(s, "node_memory_MemAvailable_bytes"), 2000000 * kKiB);
  EXPECT_EQ(ValueOf(s, "node_memory_MemFree_bytes"), 1000000 * kKiB);
  EXPECT_EQ(ValueOf(s, "node_memory_Buffers_bytes"), 100000 * kKiB);
  EXPECT_EQ(ValueOf(s, "node_memory_Cached_bytes"), 1500000 * kKiB);
  EXPECT_EQ(ValueOf(s, "node_memory_SwapTotal_bytes"), 4000000 * kKiB);
  EXPECT_EQ(ValueOf(s, "node_memory_SwapFree_bytes"), 3000000 * kKiB);
  EXPECT_EQ(ValueOf(s, "node_memory_swap_used_bytes"), 1000000 * kKiB);
  EXPECT_NEAR(ValueOf(s, "node_memory_used_ratio"), 0.75, 1e-9);
  // Only the documented fields, not every meminfo line.
  EXPECT_EQ(s.size(), 10u);  // + node_vmstat_pgmajfault from mem_basic/vmstat
  EXPECT_FALSE(HasSeries(s, "node_memory_HugePages_Total_bytes"));
}

TEST(MemoryCollector, RealSnapshotThroughProductionHostFs) {
  HostFs host(HostRoots{testing::FixtureDir("real"), "/nonexistent-sys", "/"});
  auto mem = NewMemoryPlugin(host);
  VectorSink sink(1);
  ASSERT_TRUE(mem->Collect(1, sink).ok());
  const std::vector<Sample>& s = sink.samples();
  EXPECT_EQ(ValueOf(s, "node_memory_MemTotal_bytes"), 24684092 * kKiB);
  EXPECT_EQ(ValueOf(s, "node_memory_swap_used_bytes"), 0.0);  // no swap on that VM
  EXPECT_NEAR(ValueOf(s, "node_memory_used_ratio"), 1.0 - 24434344.0 / 24684092.0, 1e-9);
}

TEST(MemoryCollector, MissingMemAvailableIsAnErrorNamingTheField) {
  FixtureHostFs host("mem_no_available");
  auto mem = NewMemoryPlugin(host);
  VectorSink sink(1);
  const absl::Status status = mem->Collect(1, sink);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("MemAvailable"));
  // Raw fields that were present are still sent; the ratio is not guessed.
  EXPECT_EQ(ValueOf(sink.samples(), "node_memory_MemTotal_bytes"), 2048000 * kKiB);
  EXPECT_EQ(CountMetric(sink.samples(), "node_memory_used_ratio"), 0);
}

TEST(MemoryCollector, MissingFileIsNotFound) {
  FixtureHostFs host("does_not_exist");
  auto mem = NewMemoryPlugin(host);
  VectorSink sink(1);
  const absl::Status status = mem->Collect(1, sink);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("meminfo"));
  EXPECT_TRUE(sink.samples().empty());
}

TEST(MemoryCollector, MalformedFileIsInvalidArgument) {
  FixtureHostFs host("mem_malformed");
  auto mem = NewMemoryPlugin(host);
  VectorSink sink(1);
  EXPECT_EQ(mem->Collect(1, sink).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(sink.samples().empty());
}

}  // namespace
}  // namespace scout::agent
