#include "agent/host/diskio_plugin.h"

#include <string>
#include <vector>

#include "agent/host/proc_parsers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_host_fs.h"

namespace scout::agent {
namespace {

using ::testing::HasSubstr;
using testing::CollectOk;
using testing::CountMetric;
using testing::FixtureDir;
using testing::HasSeries;
using testing::ValueOf;

constexpr double kEps = 1e-9;

// A HostFs with a switchable proc root (t0 -> t1 snapshots) and a fixed
// sysfs root, both fixture trees.
class DiskHostFs final : public HostFs {
 public:
  DiskHostFs(const std::string& proc, const std::string& sys)
      : HostFs(HostRoots{}), proc_(FixtureDir(proc)), sys_(FixtureDir(sys)) {}
  void SetProc(const std::string& proc) { proc_ = FixtureDir(proc); }

  absl::StatusOr<std::string> ReadProc(const std::string& relative) const override {
    return ReadWholeFile(proc_ + "/" + relative);
  }
  absl::StatusOr<std::string> ReadSys(const std::string& relative) const override {
    return ReadWholeFile(sys_ + "/" + relative);
  }

 private:
  std::string proc_;
  std::string sys_;
};


Labels Dev(const std::string& device) { return {{"device", device}}; }

constexpr const char* kRateMetrics[] = {
    "node_disk_read_bytes_per_second",      "node_disk_written_bytes_per_second",
    "node_disk_reads_completed_per_second", "node_disk_writes_completed_per_second",
    "node_disk_io_utilization_ratio",       "node_disk_read_await_seconds",
    "node_disk_write_await_seconds"};

int RateSamples(const std::vector<Sample>& s, const std::string& device) {
  int n = 0;
  for (const char* metric : kRateMetrics) n += HasSeries(s, metric, Dev(device)) ? 1 : 0;
  return n;
}

TEST(DiskIoCollector, FirstCallEmitsRawCountersOfWholeDisksOnly) {
  DiskHostFs host("diskio_basic/t0", "diskio_basic/sysfs");
  auto disk = NewDiskIoPlugin(host);
  EXPECT_EQ(disk->name(), "diskio");
  const std::vector<Sample> s = CollectOk(*disk, 1000);

  // sda1 is a partition (no sysfs/block/sda1); loop0 is skipped by name
  // although sysfs lists it; sr0 by name; cciss/c0d0 is found as cciss!c0d0.
  EXPECT_EQ(CountMetric(s, "node_disk_read_bytes_total"), 4);
  EXPECT_EQ(CountMetric(s, "node_disk_written_bytes_total"), 4);
  EXPECT_EQ(s.size(), 8u);  // no rates on the first call
  EXPECT_EQ(ValueOf(s, "node_disk_read_bytes_total", Dev("sda")), 80000.0 * 512);
  EXPECT_EQ(ValueOf(s, "node_disk_written_bytes_total", Dev("sda")), 40000.0 * 512);
  EXPECT_EQ(ValueOf(s, "node_disk_read_bytes_total", Dev("cciss/c0d0")), 80.0 * 512);
  for (const char* absent : {"sda1", "loop0", "sr0"}) {
    EXPECT_FALSE(HasSeries(s, "node_disk_read_bytes_total", Dev(absent))) << absent;
  }
}

// t0 -> t1, 10 s apart (see the fixtures):
//   sda: reads +250, sectors read +20480, read ms +500, writes +100,
//        sectors written +8192, write ms +1000, io ms +2500
//   nvme0n1: no change; dm-0: every counter smaller (reset);
//   cciss/c0d0: 1 read of 8 sectors in 3 ms, io ms +10500 (> 10 s);
//   sdb: new in t1.
TEST(DiskIoCollector, RatesFromHandComputedDeltas) {
  DiskHostFs host("diskio_basic/t0", "diskio_basic/sysfs");
  auto disk = NewDiskIoPlugin(host);
  CollectOk(*disk, 1000);
  host.SetProc("diskio_basic/t1");
  const std::vector<Sample> s = CollectOk(*disk, 11000);

  const Labels sda = Dev("sda");
  EXPECT_NEAR(ValueOf(s, "node_disk_read_bytes_per_second", sda), 1048576.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_disk_written_bytes_per_second", sda), 419430.4, 1e-6);
  EXPECT_NEAR(ValueOf(s, "node_disk_reads_completed_per_second", sda), 25.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_disk_writes_completed_per_second", sda), 10.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_disk_io_utilization_ratio", sda), 0.25, kEps);
  EXPECT_NEAR(ValueOf(s, "node_disk_read_await_seconds", sda), 0.002, kEps);
  EXPECT_NEAR(ValueOf(s, "node_disk_write_await_seconds", sda), 0.010, kEps);
  EXPECT_EQ(ValueOf(s, "node_disk_read_bytes_total", sda), 100480.0 * 512);
  EXPECT_EQ(ValueOf(s, "node_disk_written_bytes_total", sda), 48192.0 * 512);

  // Idle disk: zero rates, but no await (0 ms / 0 requests is undefined).
  const Labels nvme = Dev("nvme0n1");
  EXPECT_EQ(ValueOf(s, "node_disk_read_bytes_per_second", nvme), 0.0);
  EXPECT_EQ(ValueOf(s, "node_disk_io_utilization_ratio", nvme), 0.0);
  EXPECT_FALSE(HasSeries(s, "node_disk_read_await_seconds", nvme));
  EXPECT_FALSE(HasSeries(s, "node_disk_write_await_seconds", nvme));

  // io ms grew by 10.5 s in 10 s: clamped to 1. Writes: none -> no await.
  const Labels cciss = Dev("cciss/c0d0");
  EXPECT_EQ(ValueOf(s, "node_disk_io_utilization_ratio", cciss), 1.0);
  EXPECT_NEAR(ValueOf(s, "node_disk_read_bytes_per_second", cciss), 409.6, kEps);
  EXPECT_NEAR(ValueOf(s, "node_disk_reads_completed_per_second", cciss), 0.1, kEps);
  EXPECT_NEAR(ValueOf(s, "node_disk_read_await_seconds", cciss), 0.003, kEps);
  EXPECT_FALSE(HasSeries(s, "node_disk_write_await_seconds", cciss));

  // Reset and new device: raw counters only.
  EXPECT_EQ(RateSamples(s, "dm-0"), 0);
  EXPECT_EQ(ValueOf(s, "node_disk_read_bytes_total", Dev("dm-0")), 8000.0 * 512);
  EXPECT_EQ(RateSamples(s, "sdb"), 0);
  EXPECT_EQ(ValueOf(s, "node_disk_read_bytes_total", Dev("sdb")), 616.0 * 512);
  for (const Sample& sample : s) {
    EXPECT_GE(sample.point.value, 0.0) << SeriesKeyString(sample.key);
    EXPECT_NE(LabelValue(sample.key.labels, "device"), "sda1");
    EXPECT_NE(LabelValue(sample.key.labels, "device"), "loop0");
  }
}

// t1 -> t2, 5 s: dm-0 and sdb are diffed against t1 (not t0).
//   dm-0: reads +10, sectors read +80, read ms +20, writes +20,
//         sectors written +1600, write ms +100, io ms +1000
//   sdb:  reads +100, sectors read +800, read ms +200, io ms +500
TEST(DiskIoCollector, ResetDeviceAndNewDeviceGetRatesNextCycle) {
  DiskHostFs host("diskio_basic/t0", "diskio_basic/sysfs");
  auto disk = NewDiskIoPlugin(host);
  CollectOk(*disk, 1000);
  host.SetProc("diskio_basic/t1");
  CollectOk(*disk, 11000);
  host.SetProc("diskio_basic/t2");
  const std::vector<Sample> s = CollectOk(*disk, 16000);

  const Labels dm = Dev("dm-0");
  EXPECT_NEAR(ValueOf(s, "node_disk_reads_completed_per_second", dm), 2.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_disk_read_bytes_per_second", dm), 8192.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_disk_writes_completed_per_second", dm), 4.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_disk_written_bytes_per_second", dm), 163840.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_disk_read_await_seconds", dm), 0.002, kEps);
  EXPECT_NEAR(ValueOf(s, "node_disk_write_await_seconds", dm), 0.005, kEps);
  EXPECT_NEAR(ValueOf(s, "node_disk_io_utilization_ratio", dm), 0.2, kEps);

  const Labels sdb = Dev("sdb");
  EXPECT_NEAR(ValueOf(s, "node_disk_reads_completed_per_second", sdb), 20.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_disk_read_bytes_per_second", sdb), 81920.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_disk_read_await_seconds", sdb), 0.002, kEps);
  EXPECT_NEAR(ValueOf(s, "node_disk_io_utilization_ratio", sdb), 0.1, kEps);
  EXPECT_FALSE(HasSeries(s, "node_disk_write_await_seconds", sdb));

  EXPECT_EQ(ValueOf(s, "node_disk_reads_completed_per_second", Dev("sda")), 0.0);
}

TEST(DiskIoCollector, SameCycleTimeTwiceGivesNoRates) {
  DiskHostFs host("diskio_basic/t0", "diskio_basic/sysfs");
  auto disk = NewDiskIoPlugin(host);
  CollectOk(*disk, 5000);
  host.SetProc("diskio_basic/t1");
  const std::vector<Sample> s = CollectOk(*disk, 5000);
  EXPECT_EQ(RateSamples(s, "sda"), 0);
  EXPECT_EQ(CountMetric(s, "node_disk_read_bytes_total"), 5);
}

TEST(DiskIoCollector, NoSysfsIsNotFoundInsteadOfSilentlyNoDisks) {
  DiskHostFs host("diskio_basic/t0", "does_not_exist");
  auto disk = NewDiskIoPlugin(host);
  VectorSink sink(1);
  const absl::Status status = disk->Collect(1, sink);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("none of 5 devices"));
  EXPECT_TRUE(sink.samples().empty());
}

TEST(DiskIoCollector, MissingDiskstatsIsNotFound) {
  DiskHostFs host("does_not_exist", "diskio_basic/sysfs");
  auto disk = NewDiskIoPlugin(host);
  VectorSink sink(1);
  EXPECT_EQ(disk->Collect(1, sink).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(sink.samples().empty());
}

TEST(DiskIoCollector, RealSnapshotThroughProductionHostFs) {
  HostFs host(HostRoots{FixtureDir("real2"), FixtureDir("real2/sysfs"), "/"});
  auto disk = NewDiskIoPlugin(host);
  std::vector<Sample> s = CollectOk(*disk, 1000);
  // loop0..7 and zram0 skipped by name: only vda.
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(ValueOf(s, "node_disk_read_bytes_total", Dev("vda")), 7671034.0 * 512);
  EXPECT_EQ(ValueOf(s, "node_disk_written_bytes_total", Dev("vda")), 72552848.0 * 512);
  s = CollectOk(*disk, 2000);  // same file again: idle
  EXPECT_EQ(ValueOf(s, "node_disk_read_bytes_per_second", Dev("vda")), 0.0);
  EXPECT_EQ(ValueOf(s, "node_disk_io_utilization_ratio", Dev("vda")), 0.0);
}

// ---- ParseDiskstats ------------------------------------------------------

TEST(ParseDiskstats, RealSnapshotAllFieldsInOrder) {
  absl::StatusOr<std::string> text = ReadWholeFile(FixtureDir("real2/diskstats"));
  ASSERT_TRUE(text.ok()) << text.status();
  absl::StatusOr<std::vector<DiskStats>> disks = ParseDiskstats(*text);
  ASSERT_TRUE(disks.ok()) << disks.status();
  ASSERT_EQ(disks->size(), 10u);
  const DiskStats& vda = (*disks)[8];
  EXPECT_EQ(vda.name, "vda");
  EXPECT_EQ(vda.reads_completed, 109751u);
  EXPECT_EQ(vda.reads_merged, 12637u);
  EXPECT_EQ(vda.sectors_read, 7671034u);
  EXPECT_EQ(vda.read_time_ms, 114070u);
  EXPECT_EQ(vda.writes_completed, 359726u);
  EXPECT_EQ(vda.writes_merged, 25964u);
  EXPECT_EQ(vda.sectors_written, 72552848u);
  EXPECT_EQ(vda.write_time_ms, 391984u);
  EXPECT_EQ(vda.ios_in_progress, 0u);
  EXPECT_EQ(vda.io_time_ms, 37384u);
  EXPECT_EQ(vda.weighted_io_time_ms, 511560u);
  EXPECT_EQ((*disks)[9].name, "zram0");
}

TEST(ParseDiskstats, Errors) {
  auto expect_invalid = [](const char* text, const char* needle) {
    const absl::Status status = ParseDiskstats(text).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr(needle));
  };
  // Pre-2.6.25 partition lines had only 4 counters.
  expect_invalid("8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n8 1 sda1 1 2 3 4\n", "line 2");
  expect_invalid("8 0 sda 1 2 3 x 5 6 7 8 9 10 11\n", "invalid counter \"x\"");
  expect_invalid("8 0 sda 1 2 3 -4 5 6 7 8 9 10 11\n", "invalid counter");
  expect_invalid("8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n",
                 "duplicate device");
  EXPECT_TRUE(ParseDiskstats("").ok());
}

}  // namespace
}  // namespace scout::agent
