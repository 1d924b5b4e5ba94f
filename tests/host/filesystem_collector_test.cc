#include "agent/host/filesystem_plugin.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_host_fs.h"

namespace scout::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::CountMetric;
using testing::FixtureHostFs;
using testing::HasSeries;
using testing::ValueOf;

constexpr double kEps = 1e-9;

FsUsage Usage(uint64_t size, uint64_t free, uint64_t avail, uint64_t files, uint64_t files_free) {
  FsUsage u;
  u.size_bytes = size;
  u.free_bytes = free;
  u.avail_bytes = avail;
  u.files = files;
  u.files_free = files_free;
  return u;
}

Labels Fs(const std::string& mountpoint, const std::string& device, const std::string& fstype) {
  return {{"mountpoint", mountpoint}, {"device", device}, {"fstype", fstype}};
}

class FilesystemCollectorTest : public ::testing::Test {
 protected:
  FilesystemCollectorTest() : host_("mounts_escapes") {
    host_.SetStatFs("/", Usage(1000, 300, 250, 100, 40));
    host_.SetStatFs("/mnt/My Disk", Usage(2000, 2000, 2000, 0, 0));
    host_.SetStatFs("/data", Usage(1000, 50, 0, 10, 10));
    host_.SetStatFs("/var/lib/docker/overlay2/abc/merged", Usage(4000, 1000, 1000, 8, 2));
    host_.SetStatFs("/back\\slash\ttab", Usage(10, 5, 5, 4, 3));
    host_.SetStatFs("/hidden", Usage(100, 90, 90, 10, 9));
    host_.SetStatFs("/empty", Usage(0, 0, 0, 0, 0));
    // "/broken" has no figures: StatFs fails for it.
  }

  FixtureHostFs host_;
};

TEST_F(FilesystemCollectorTest, SkipsPseudoDedupsAndStatsEachVisibleMountOnce) {
  auto fs = NewFilesystemPlugin(host_);
  EXPECT_EQ(fs->name(), "filesystem");
  VectorSink sink(1);
  const absl::Status status = fs->Collect(1, sink);

  // proc, sysfs, tmpfs, squashfs, cgroup2 skipped; /data over-mounted by
  // xfs; /hidden: ext4 over tmpfs is kept; /shadowed: tmpfs over ext4 is
  // what is visible, so it is skipped. The container's own "mounts" file
  // is not consulted when 1/mounts exists.
  EXPECT_THAT(host_.statfs_calls(),
              ElementsAre("/", "/mnt/My Disk", "/data", "/var/lib/docker/overlay2/abc/merged",
                          "/back\\slash\ttab", "/hidden", "/empty", "/broken"));
  EXPECT_EQ(host_.reads("mounts"), 0);

  // One failed mount is reported after the others were emitted.
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("/broken"));
  EXPECT_EQ(CountMetric(sink.samples(), "node_filesystem_size_bytes"), 6);  // not /empty
}

TEST_F(FilesystemCollectorTest, ValuesAndDfStyleRatios) {
  auto fs = NewFilesystemPlugin(host_);
  VectorSink sink(1);
  (void)fs->Collect(1, sink);
  const std::vector<Sample>& s = sink.samples();

  const Labels root = Fs("/", "/dev/sda1", "ext4");
  EXPECT_EQ(ValueOf(s, "node_filesystem_size_bytes", root), 1000.0);
  EXPECT_EQ(ValueOf(s, "node_filesystem_free_bytes", root), 300.0);
  EXPECT_EQ(ValueOf(s, "node_filesystem_avail_bytes", root), 250.0);
  EXPECT_EQ(ValueOf(s, "node_filesystem_used_bytes", root), 700.0);
  EXPECT_EQ(ValueOf(s, "node_filesystem_files", root), 100.0);
  EXPECT_EQ(ValueOf(s, "node_filesystem_files_free", root), 40.0);
  // used = 1000-300 = 700; df: 700 / (700 + 250), not 700 / 1000.
  EXPECT_NEAR(ValueOf(s, "node_filesystem_used_ratio", root), 700.0 / 950.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_filesystem_inodes_used_ratio", root), 0.6, kEps);

  // Only root-reserved blocks left: full for ordinary users.
  const Labels data = Fs("/data", "/dev/sdd1", "xfs");
  EXPECT_NEAR(ValueOf(s, "node_filesystem_used_ratio", data), 1.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_filesystem_inodes_used_ratio", data), 0.0, kEps);
  EXPECT_FALSE(HasSeries(s, "node_filesystem_size_bytes", Fs("/data", "/dev/sdc1", "ext4")));

  // Escaped names are decoded in labels; no inodes -> no inode ratio.
  const Labels disk = Fs("/mnt/My Disk", "/dev/sdb1", "xfs");
  EXPECT_NEAR(ValueOf(s, "node_filesystem_used_ratio", disk), 0.0, kEps);
  EXPECT_FALSE(HasSeries(s, "node_filesystem_inodes_used_ratio", disk));
  EXPECT_EQ(ValueOf(s, "node_filesystem_size_bytes", Fs("/back\\slash\ttab", "/dev/sde1", "ext4")),
            10.0);

  const Labels overlay = Fs("/var/lib/docker/overlay2/abc/merged", "overlay", "overlay");
  EXPECT_NEAR(ValueOf(s, "node_filesystem_used_ratio", overlay), 3000.0 / 4000.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_filesystem_inodes_used_ratio", overlay), 0.75, kEps);
  EXPECT_EQ(ValueOf(s, "node_filesystem_size_bytes", Fs("/hidden", "/dev/sdf1", "ext4")), 100.0);

  for (const Sample& sample : s) {
    EXPECT_NE(LabelValue(sample.key.labels, "mountpoint"), "/empty");
    EXPECT_NE(LabelValue(sample.key.labels, "mountpoint"), "/shadowed");
  }
}

TEST(FilesystemCollector, FallsBackToMountsWithout1Mounts) {
  FixtureHostFs host("mounts_fallback");
  host.SetStatFs("/srv", Usage(500, 100, 100, 0, 0));
  auto fs = NewFilesystemPlugin(host);
  VectorSink sink(1);
  ASSERT_TRUE(fs->Collect(1, sink).ok());
  EXPECT_EQ(host.reads("1/mounts"), 1);
  EXPECT_EQ(host.reads("mounts"), 1);
  EXPECT_THAT(host.statfs_calls(), ElementsAre("/srv"));
  EXPECT_NEAR(ValueOf(sink.samples(), "node_filesystem_used_ratio",
                      Fs("/srv", "/dev/vdb1", "ext4")),
              0.8, kEps);
}

TEST(FilesystemCollector, RealMountTableKeepsOnlyTheRootDisk) {
  FixtureHostFs host("real");
  host.SetStatFs("/", Usage(100, 25, 20, 10, 5));
  auto fs = NewFilesystemPlugin(host);
  VectorSink sink(1);
  ASSERT_TRUE(fs->Collect(1, sink).ok());
  EXPECT_THAT(host.statfs_calls(), ElementsAre("/"));
  EXPECT_EQ(sink.samples().size(), 9u);  // 8 figures + node_filesystem_device_error
  EXPECT_NEAR(ValueOf(sink.samples(), "node_filesystem_used_ratio", Fs("/", "/dev/vda", "ext4")),
              75.0 / 95.0, kEps);
}

TEST(FilesystemCollector, RealStatvfsOfThisMachinesRoot) {
  HostFs host(HostRoots{testing::FixtureDir("real"), "/nonexistent-sys", "/"});
  auto fs = NewFilesystemPlugin(host);
  VectorSink sink(1);
  const absl::Status status = fs->Collect(1, sink);
  ASSERT_TRUE(status.ok()) << status;
  const Labels root = Fs("/", "/dev/vda", "ext4");
  EXPECT_GT(ValueOf(sink.samples(), "node_filesystem_size_bytes", root), 0.0);
  const double ratio = ValueOf(sink.samples(), "node_filesystem_used_ratio", root);
  EXPECT_GE(ratio, 0.0);
  EXPECT_LE(ratio, 1.0);
}

TEST(FilesystemCollector, MissingMountTableIsNotFound) {
  FixtureHostFs host("does_not_exist");
  auto fs = NewFilesystemPlugin(host);
  VectorSink sink(1);
  EXPECT_EQ(fs->Collect(1, sink).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(sink.samples().empty());
  EXPECT_TRUE(host.statfs_calls().empty());
}

TEST(FilesystemCollector, MalformedMountTableIsInvalidArgument) {
  FixtureHostFs host("mounts_malformed");
  host.SetStatFs("/", Usage(100, 25, 20, 10, 5));
  auto fs = NewFilesystemPlugin(host);
  VectorSink sink(1);
  const absl::Status status = fs->Collect(1, sink);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("line 2"));
  EXPECT_TRUE(sink.samples().empty());
}

}  // namespace
}  // namespace scout::agent
