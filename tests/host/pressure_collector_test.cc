#include "agent/host/pressure_plugin.h"

#include <string>
#include <vector>

#include "agent/host/proc_parsers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_host_fs.h"

namespace scout::agent {
namespace {

using ::testing::HasSubstr;
using testing::CountMetric;
using testing::FixtureDir;
using testing::FixtureHostFs;
using testing::ValueOf;

constexpr double kEps = 1e-9;

TEST(PressureCollector, TotalsInSecondsAndAvg10AsRatio) {
  FixtureHostFs host("pressure_basic");
  auto psi = NewPressurePlugin(host);
  EXPECT_EQ(psi->name(), "pressure");
  VectorSink sink(1);
  ASSERT_TRUE(psi->Collect(1, sink).ok());
  const std::vector<Sample>& s = sink.samples();

  EXPECT_NEAR(ValueOf(s, "node_pressure_cpu_waiting_seconds_total"), 12.345678, kEps);
  EXPECT_NEAR(ValueOf(s, "node_pressure_memory_waiting_seconds_total"), 2.5, kEps);
  EXPECT_NEAR(ValueOf(s, "node_pressure_memory_stalled_seconds_total"), 1.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_pressure_io_waiting_seconds_total"), 60.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_pressure_io_stalled_seconds_total"), 30.000001, kEps);
  EXPECT_NEAR(ValueOf(s, "node_pressure_cpu_some_avg10_ratio"), 0.015, kEps);
  EXPECT_NEAR(ValueOf(s, "node_pressure_memory_some_avg10_ratio"), 0.25, kEps);
  EXPECT_NEAR(ValueOf(s, "node_pressure_io_some_avg10_ratio"), 1.0, kEps);
  // cpu's "full" line is not part of the contract.
  EXPECT_EQ(CountMetric(s, "node_pressure_cpu_stalled_seconds_total"), 0);
  EXPECT_EQ(s.size(), 8u);
}

TEST(PressureCollector, KernelWithoutPsiIsSilentlyEmpty) {
  FixtureHostFs host("psi_missing");
  auto psi = NewPressurePlugin(host);
  VectorSink sink(1);
  const absl::Status status = psi->Collect(1, sink);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_TRUE(sink.samples().empty());
  EXPECT_EQ(host.reads("pressure/cpu"), 1);
  EXPECT_EQ(host.reads("pressure/io"), 1);
}

TEST(PressureCollector, CpuWithoutFullLineBefore513) {
  FixtureHostFs host("pressure_old_kernel");
  auto psi = NewPressurePlugin(host);
  VectorSink sink(1);
  ASSERT_TRUE(psi->Collect(1, sink).ok());
  EXPECT_NEAR(ValueOf(sink.samples(), "node_pressure_cpu_waiting_seconds_total"), 4.0, kEps);
  EXPECT_NEAR(ValueOf(sink.samples(), "node_pressure_cpu_some_avg10_ratio"), 0.02, kEps);
  EXPECT_EQ(sink.samples().size(), 8u);
}

TEST(PressureCollector, MalformedFileSkipsOnlyThatResource) {
  FixtureHostFs host("pressure_malformed");
  auto psi = NewPressurePlugin(host);
  VectorSink sink(1);
  const absl::Status status = psi->Collect(1, sink);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("pressure/memory line 1: bad avg10"));
  EXPECT_EQ(CountMetric(sink.samples(), "node_pressure_memory_waiting_seconds_total"), 0);
  EXPECT_NEAR(ValueOf(sink.samples(), "node_pressure_io_stalled_seconds_total"), 30.000001, kEps);
  EXPECT_NEAR(ValueOf(sink.samples(), "node_pressure_cpu_waiting_seconds_total"), 12.345678,
              kEps);
}

TEST(PressureCollector, RealSnapshotThroughProductionHostFs) {
  HostFs host(HostRoots{FixtureDir("real2"), "/nonexistent-sys", "/"});
  auto psi = NewPressurePlugin(host);
  VectorSink sink(1);
  ASSERT_TRUE(psi->Collect(1, sink).ok());
  const std::vector<Sample>& s = sink.samples();
  EXPECT_NEAR(ValueOf(s, "node_pressure_cpu_waiting_seconds_total"), 206.014131, kEps);
  EXPECT_NEAR(ValueOf(s, "node_pressure_cpu_some_avg10_ratio"), 0.0015, kEps);
  EXPECT_NEAR(ValueOf(s, "node_pressure_io_stalled_seconds_total"), 10.325565, kEps);
  EXPECT_EQ(ValueOf(s, "node_pressure_memory_waiting_seconds_total"), 0.0);
}

// ---- ParsePressure -------------------------------------------------------

TEST(ParsePressure, FieldsAndOptionalFullLine) {
  absl::StatusOr<Pressure> p = ParsePressure(
      "some avg10=0.59 avg60=0.76 avg300=9.39 total=199904850\n"
      "full avg10=1.25 avg60=0.50 avg300=0.10 total=42\n",
      "pressure/io");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_DOUBLE_EQ(p->some.avg10, 0.59);
  EXPECT_DOUBLE_EQ(p->some.avg60, 0.76);
  EXPECT_DOUBLE_EQ(p->some.avg300, 9.39);
  EXPECT_EQ(p->some.total_us, 199904850u);
  ASSERT_TRUE(p->full.has_value());
  EXPECT_DOUBLE_EQ(p->full->avg10, 1.25);
  EXPECT_EQ(p->full->total_us, 42u);

  // Future keys and line kinds are ignored; "full" is optional.
  p = ParsePressure("some avg10=1 avg60=2 avg300=3 total=4 avg900=5\nnew x=1\n", "pressure/cpu");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->some.total_us, 4u);
  EXPECT_FALSE(p->full.has_value());
}

TEST(ParsePressure, Errors) {
  auto expect_invalid = [](const char* text, const char* needle) {
    const absl::Status status = ParsePressure(text, "pressure/io").status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr(needle));
  };
  expect_invalid("", "pressure/io: no \"some\" line");
  expect_invalid("full avg10=0 avg60=0 avg300=0 total=0\n", "no \"some\" line");
  expect_invalid("some avg10=0 avg60=0 avg300=0\n", "line 1: no total");
  expect_invalid("some avg10=0 avg60=0 avg300=0 total=-1\n", "bad total");
  expect_invalid("some avg10=0 avg10=0 avg300=0 total=1\n", "duplicate key");
  expect_invalid("some avg10 avg60=0 avg300=0 total=1\n", "expected key=value");
  expect_invalid("some avg10=0 avg60=0 avg300=0 total=1\nsome avg10=0 avg60=0 avg300=0 total=1\n",
                 "line 2: duplicate line");
}

}  // namespace
}  // namespace scout::agent
