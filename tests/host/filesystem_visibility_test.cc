// The filesystem collector behind a rootfs prefix (/host): host mounts
// that did not propagate into the agent's mount namespace are detected by
// device numbers and reported as failing instead of with the figures of
// the filesystem underneath.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "agent/host/filesystem_plugin.h"
#include "agent/host/proc_parsers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_host_fs.h"
#include "tests/common/log_capture.h"
#include "tests/common/test_dir.h"

namespace scout::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::FixtureDir;
using testing::FixtureHostFs;
using testing::HasSeries;
using testing::ValueOf;

FsUsage Usage(uint64_t size, uint64_t free) {
  FsUsage u;
  u.size_bytes = size;
  u.free_bytes = free;
  u.avail_bytes = free;
  u.files = 10;
  u.files_free = 5;
  return u;
}

Labels Fs(const std::string& mountpoint, const std::string& device, const std::string& fstype) {
  return {{"mountpoint", mountpoint}, {"device", device}, {"fstype", fstype}};
}

int Occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos;
       pos = text.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

const HostRoots kPodRoots{"/host/proc", "/host/sys", "/host"};
const FsUsage kRootFigures = Usage(1000, 300);

// mountinfo_hidden/1/{mounts,mountinfo}: the host's tables. The figures
// and devices are what the agent reaches under /host when /mnt/new disk
// (and the bind mount below it), /run/media/usb and /gone were mounted
// on the host after the pod started and did not propagate: statvfs
// answers with the filesystem underneath, and /gone's directory lives in
// a filesystem the pod does not see at all.
void SetPodView(FixtureHostFs& host) {
  host.SetStatFs("/", kRootFigures);
  host.SetDevice("/", DeviceId{259, 1});
  host.SetStatFs("/data", Usage(5000, 4000));
  host.SetDevice("/data", DeviceId{259, 2});
  // A bind mount of a root filesystem directory: the root's device and
  // figures are right for it.
  host.SetStatFs("/srv/www", kRootFigures);
  host.SetDevice("/srv/www", DeviceId{259, 1});
  // btrfs: st_dev is the subvolume's anonymous device, neither the
  // superblock's 0:40 of mountinfo nor anything else's.
  host.SetStatFs("/var/lib/pool", Usage(8000, 2000));
  host.SetDevice("/var/lib/pool", DeviceId{0, 52});
  host.SetStatFs("/var/lib/pool/snap", Usage(8000, 2000));
  host.SetDevice("/var/lib/pool/snap", DeviceId{0, 53});
  // Not propagated: the root filesystem's device and figures.
  host.SetStatFs("/mnt/new disk", kRootFigures);
  host.SetDevice("/mnt/new disk", DeviceId{259, 1});
  host.SetStatFs("/mnt/new disk/bind", kRootFigures);
  host.SetDevice("/mnt/new disk/bind", DeviceId{259, 1});
  // Not propagated below a visible (excluded) tmpfs: /run's figures.
  host.SetDevice("/run", DeviceId{0, 25});
  host.SetStatFs("/run/media/usb", Usage(3000, 2900));
  host.SetDevice("/run/media/usb", DeviceId{0, 25});
  host.SetDevice("/gone", absl::NotFoundError("stat /host/gone: No such file or directory"));
  host.SetStatFs("/gone", absl::UnavailableError("statvfs /host/gone: No such file or directory"));
}

class FilesystemVisibilityTest : public ::testing::Test {
 protected:
  FilesystemVisibilityTest() : host_("mountinfo_hidden", kPodRoots) { SetPodView(host_); }

  FixtureHostFs host_;
};

TEST_F(FilesystemVisibilityTest, MountsThatDidNotPropagateAreFailuresNotRootFigures) {
  scout::testing::LogCapture log;
  auto fs = NewFilesystemPlugin(host_);
  VectorSink sink(1);
  const absl::Status status = fs->Collect(1, sink);
  const std::vector<Sample>& s = sink.samples();

  // Reported, each with its own figures: the btrfs subvolumes although
  // their st_dev differs from mountinfo's, the bind mount although it
  // shows the root's device.
  EXPECT_EQ(ValueOf(s, "node_filesystem_size_bytes", Fs("/", "/dev/nvme0n1p1", "ext4")), 1000.0);
  EXPECT_EQ(ValueOf(s, "node_filesystem_size_bytes", Fs("/data", "/dev/nvme1n1", "xfs")), 5000.0);
  EXPECT_EQ(ValueOf(s, "node_filesystem_size_bytes", Fs("/srv/www", "/dev/nvme0n1p1", "ext4")),
            1000.0);
  EXPECT_EQ(ValueOf(s, "node_filesystem_size_bytes", Fs("/var/lib/pool", "/dev/sdb", "btrfs")),
            8000.0);
  EXPECT_EQ(
      ValueOf(s, "node_filesystem_size_bytes", Fs("/var/lib/pool/snap", "/dev/sdb", "btrfs")),
      8000.0);
  EXPECT_EQ(ValueOf(s, "node_filesystem_device_error", Fs("/data", "/dev/nvme1n1", "xfs")), 0.0);

  // Not visible: failing, and no figures at all rather than wrong ones.
  for (const Labels& hidden :
       {Fs("/mnt/new disk", "/dev/sdc1", "ext4"), Fs("/mnt/new disk/bind", "/dev/sdc1", "ext4"),
        Fs("/run/media/usb", "/dev/sdd1", "vfat"), Fs("/gone", "/dev/sde1", "ext4")}) {
    EXPECT_EQ(ValueOf(s, "node_filesystem_device_error", hidden), 1.0);
    EXPECT_FALSE(HasSeries(s, "node_filesystem_size_bytes", hidden));
    EXPECT_FALSE(HasSeries(s, "node_filesystem_used_ratio", hidden));
  }

  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  const std::string message(status.message());
  EXPECT_THAT(message,
              HasSubstr("/mnt/new disk: not visible under /host: /host/mnt/new disk is on the "
                        "same device (259:1) as /host, but the host mounts /dev/sdc1 (ext4, "
                        "device 8:33) there; the host root must be mounted with "
                        "mountPropagation: HostToContainer"));
  EXPECT_THAT(message, HasSubstr("/mnt/new disk/bind: not visible under /host"));
  EXPECT_THAT(message, HasSubstr("/run/media/usb: not visible under /host: /host/run/media/usb "
                                 "is on the same device (0:25) as /host/run,"));
  EXPECT_THAT(message, HasSubstr("/gone: not visible under /host: /host/gone does not exist"));
  EXPECT_THAT(message, Not(HasSubstr("/var/lib/pool")));

  // One stat() per mount plus /run (excluded, but the mount above the
  // usb stick); "/" is stat()ed once for all the mounts below it.
  EXPECT_THAT(host_.device_calls(),
              ElementsAre("/", "/data", "/srv/www", "/var/lib/pool", "/var/lib/pool/snap",
                          "/mnt/new disk", "/mnt/new disk/bind", "/run/media/usb", "/run",
                          "/gone"));
  // Read again after the stat() calls, to confirm the suspects.
  EXPECT_EQ(host_.reads("1/mountinfo"), 2);
  EXPECT_EQ(host_.reads("self/mountinfo"), 0);

  const std::string first = log.text();
  EXPECT_EQ(Occurrences(first, "not visible under the host root /host"), 4) << first;
  EXPECT_THAT(first, HasSubstr("filesystem /mnt/new disk: not visible under the host root /host: "
                               "/host/mnt/new disk is on the same device (259:1) as /host"));
  EXPECT_THAT(first, HasSubstr("the host root must be mounted with mountPropagation: "
                               "HostToContainer"));
  EXPECT_THAT(first, HasSubstr("[warning]"));

  // Still hidden next cycle: reported again, logged not again.
  VectorSink second(2);
  EXPECT_EQ(fs->Collect(2, second).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ValueOf(second.samples(), "node_filesystem_device_error",
                    Fs("/mnt/new disk", "/dev/sdc1", "ext4")),
            1.0);
  EXPECT_EQ(log.text(), first);
}

TEST_F(FilesystemVisibilityTest, RecoversOnceTheMountIsVisibleAndLogsThatOnce) {
  scout::testing::LogCapture log;
  auto fs = NewFilesystemPlugin(host_);
  VectorSink first(1);
  (void)fs->Collect(1, first);
  const Labels disk = Fs("/mnt/new disk", "/dev/sdc1", "ext4");
  const Labels bind = Fs("/mnt/new disk/bind", "/dev/sdc1", "ext4");
  EXPECT_EQ(ValueOf(first.samples(), "node_filesystem_device_error", disk), 1.0);

  // The pod now sees the disk (restarted with HostToContainer): st_dev of
  // the mount itself, and its own figures.
  host_.SetDevice("/mnt/new disk", DeviceId{8, 33});
  host_.SetStatFs("/mnt/new disk", Usage(2000, 1500));
  host_.SetDevice("/mnt/new disk/bind", DeviceId{8, 33});
  host_.SetStatFs("/mnt/new disk/bind", Usage(2000, 1500));
  const std::string before = log.text();
  VectorSink second(2);
  const absl::Status status = fs->Collect(2, second);
  EXPECT_EQ(ValueOf(second.samples(), "node_filesystem_device_error", disk), 0.0);
  EXPECT_EQ(ValueOf(second.samples(), "node_filesystem_size_bytes", disk), 2000.0);
  EXPECT_EQ(ValueOf(second.samples(), "node_filesystem_size_bytes", bind), 2000.0);
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("/mnt/new disk")));
  EXPECT_THAT(std::string(status.message()), HasSubstr("/gone"));  // still missing

  const std::string recovered = log.text().substr(before.size());
  EXPECT_EQ(Occurrences(recovered, "visible under the host root /host again"), 2) << recovered;
  EXPECT_THAT(recovered, HasSubstr("filesystem /mnt/new disk: visible under the host root /host "
                                   "again; reporting it"));
  EXPECT_THAT(recovered, Not(HasSubstr("/gone")));

  VectorSink third(3);
  (void)fs->Collect(3, third);
  EXPECT_EQ(ValueOf(third.samples(), "node_filesystem_size_bytes", disk), 2000.0);
  EXPECT_EQ(log.text().size(), before.size() + recovered.size());

  // Lost again (the pod was recreated without propagation): warned again.
  host_.SetDevice("/mnt/new disk", DeviceId{259, 1});
  VectorSink fourth(4);
  (void)fs->Collect(4, fourth);
  EXPECT_EQ(ValueOf(fourth.samples(), "node_filesystem_device_error", disk), 1.0);
  EXPECT_EQ(Occurrences(log.text(), "filesystem /mnt/new disk: not visible under"), 2);
}

TEST(FilesystemVisibility, RootfsSlashKeepsTheOldBehaviourWithoutExtraCalls) {
  // A plain host agent: the same tables, nothing read or stat()ed beyond
  // what the collector always did.
  FixtureHostFs host("mountinfo_hidden");
  SetPodView(host);
  auto fs = NewFilesystemPlugin(host);
  VectorSink sink(1);
  const absl::Status status = fs->Collect(1, sink);
  EXPECT_TRUE(host.device_calls().empty());
  EXPECT_EQ(host.reads("1/mountinfo"), 0);
  EXPECT_EQ(host.reads("self/mountinfo"), 0);
  // Without the check the figures go out as StatFs gives them.
  EXPECT_EQ(ValueOf(sink.samples(), "node_filesystem_size_bytes",
                    Fs("/mnt/new disk", "/dev/sdc1", "ext4")),
            1000.0);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;  // only /gone
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("not visible")));
}

TEST(FilesystemVisibility, WithoutMountinfoNothingIsChecked) {
  // The k8s host_root_test tree: 1/mounts but no 1/mountinfo (and no
  // self/mountinfo to mix in from another namespace).
  scout::testing::LogCapture log;
  FixtureHostFs host("mounts_escapes", kPodRoots);
  host.SetStatFs("/", kRootFigures);
  host.SetStatFs("/data", Usage(5000, 4000));
  host.SetDevice("/data", DeviceId{259, 1});  // would be "hidden", were it checked
  auto fs = NewFilesystemPlugin(host);
  VectorSink sink(1);
  (void)fs->Collect(1, sink);
  VectorSink second(2);
  (void)fs->Collect(2, second);
  EXPECT_TRUE(host.device_calls().empty());
  EXPECT_EQ(host.reads("1/mountinfo"), 2);
  EXPECT_EQ(host.reads("self/mountinfo"), 0);
  const Labels data = Fs("/data", "/dev/sdd1", "xfs");
  EXPECT_EQ(ValueOf(second.samples(), "node_filesystem_size_bytes", data), 5000.0);
  EXPECT_EQ(Occurrences(log.text(), "cannot be detected"), 1) << log.text();
}

TEST(FilesystemVisibility, MountinfoComesFromTheMountTablesNamespace) {
  // No 1/mounts: the table is "mounts" (self), so mountinfo is self's too.
  FixtureHostFs host("mountinfo_fallback", kPodRoots);
  host.SetStatFs("/", kRootFigures);
  host.SetDevice("/", DeviceId{254, 1});
  host.SetStatFs("/srv", kRootFigures);
  host.SetDevice("/srv", DeviceId{254, 1});  // mountinfo: 254:17
  auto fs = NewFilesystemPlugin(host);
  VectorSink sink(1);
  const absl::Status status = fs->Collect(1, sink);
  EXPECT_EQ(host.reads("1/mountinfo"), 0);
  EXPECT_EQ(host.reads("self/mountinfo"), 2);  // the check, then the confirmation
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  const Labels srv = Fs("/srv", "/dev/vdb1", "ext4");
  EXPECT_EQ(ValueOf(sink.samples(), "node_filesystem_device_error", srv), 1.0);
}

TEST(FilesystemVisibility, MalformedMountinfoLeavesTheFiguresUnchecked) {
  FixtureHostFs host("mountinfo_malformed", kPodRoots);
  host.SetStatFs("/", kRootFigures);
  host.SetStatFs("/srv", Usage(4000, 1000));
  auto fs = NewFilesystemPlugin(host);
  VectorSink sink(1);
  const absl::Status status = fs->Collect(1, sink);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("mountinfo line 2: bad major:minor"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("visibility under /host not checked"));
  EXPECT_TRUE(host.device_calls().empty());
  EXPECT_EQ(ValueOf(sink.samples(), "node_filesystem_size_bytes", Fs("/srv", "/dev/vdb1", "ext4")),
            4000.0);
}

// Serves 1/mounts and successive versions of 1/mountinfo (the last one
// repeats), and fixed devices and figures.
class RacingHostFs final : public HostFs {
 public:
  RacingHostFs(std::string mounts, std::vector<std::string> mountinfos)
      : HostFs(kPodRoots), mounts_(std::move(mounts)), mountinfos_(std::move(mountinfos)) {}

  absl::StatusOr<std::string> ReadProc(const std::string& relative) const override {
    if (relative == "1/mounts") return mounts_;
    if (relative != "1/mountinfo") return absl::NotFoundError(relative);
    const size_t n = std::min(mountinfo_reads_++, mountinfos_.size() - 1);
    return mountinfos_[n];
  }
  absl::StatusOr<FsUsage> StatFs(const std::string& mount_point) const override {
    return mount_point == "/b" ? Usage(7000, 100) : kRootFigures;
  }
  absl::StatusOr<DeviceId> DeviceOf(const std::string& /*mount_point*/) const override {
    return DeviceId{259, 1};  // everything shows the root filesystem
  }

 private:
  const std::string mounts_;
  const std::vector<std::string> mountinfos_;
  mutable size_t mountinfo_reads_ = 0;
};

TEST(FilesystemVisibility, AMountUnmountedWhileWeLookedIsNeitherReportedNorWarnedAbout) {
  scout::testing::LogCapture log;
  // /a (a pod's volume) is unmounted between the table reads and the
  // stat() calls; /b really did not propagate; /c was unmounted and
  // something else mounted there (a new mount id).
  RacingHostFs host(
      "/dev/vda1 / ext4 rw 0 0\n/dev/vdb1 /a ext4 rw 0 0\n/dev/vdc1 /b ext4 rw 0 0\n"
      "/dev/vdd1 /c ext4 rw 0 0\n",
      {"21 1 259:1 / / rw shared:1 - ext4 /dev/vda1 rw\n"
       "40 21 259:16 / /a rw shared:2 - ext4 /dev/vdb1 rw\n"
       "41 21 259:32 / /b rw shared:3 - ext4 /dev/vdc1 rw\n"
       "42 21 259:48 / /c rw shared:4 - ext4 /dev/vdd1 rw\n",
       "21 1 259:1 / / rw shared:1 - ext4 /dev/vda1 rw\n"
       "41 21 259:32 / /b rw shared:3 - ext4 /dev/vdc1 rw\n"
       "43 21 259:64 / /c rw shared:5 - ext4 /dev/vde1 rw\n"});
  auto fs = NewFilesystemPlugin(host);
  VectorSink sink(1);
  const absl::Status status = fs->Collect(1, sink);
  const std::vector<Sample>& s = sink.samples();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("/b: not visible"));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("/a:")));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("/c:")));
  EXPECT_EQ(ValueOf(s, "node_filesystem_device_error", Fs("/b", "/dev/vdc1", "ext4")), 1.0);
  for (const Labels& gone : {Fs("/a", "/dev/vdb1", "ext4"), Fs("/c", "/dev/vdd1", "ext4")}) {
    EXPECT_FALSE(HasSeries(s, "node_filesystem_device_error", gone));
    EXPECT_FALSE(HasSeries(s, "node_filesystem_size_bytes", gone));  // the root's figures
  }
  EXPECT_EQ(Occurrences(log.text(), "not visible under the host root"), 1) << log.text();
}

// ---- the real kernel -----------------------------------------------------

TEST(FilesystemVisibility, RealDevicesOfThisMachineMatchItsMountinfo) {
  HostFs host(HostRoots{});
  absl::StatusOr<std::string> text = ReadWholeFile("/proc/self/mountinfo");
  ASSERT_TRUE(text.ok()) << text.status();
  absl::StatusOr<std::vector<MountInfoEntry>> mounts = ParseMountInfo(*text);
  ASSERT_TRUE(mounts.ok()) << mounts.status();
  const MountInfoEntry* proc = nullptr;
  for (const MountInfoEntry& m : *mounts) {
    if (m.mount_point == "/proc") proc = &m;  // the last one is what stat() reaches
  }
  ASSERT_NE(proc, nullptr) << *text;
  const absl::StatusOr<DeviceId> root = host.DeviceOf("/");
  const absl::StatusOr<DeviceId> seen = host.DeviceOf("/proc");
  ASSERT_TRUE(root.ok()) << root.status();
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(*seen, (DeviceId{proc->major, proc->minor})) << seen->ToString();
  EXPECT_NE(*seen, *root) << root->ToString();
  EXPECT_EQ(host.DeviceOf("/no/such/mount").status().code(), absl::StatusCode::kNotFound);
}

TEST(FilesystemVisibility, RealTreeOnOneFilesystemShowsTheMissingMount) {
  // A fake /host on one real filesystem, as tests/k8s/host_root_test.sh
  // builds it, but with the host's mountinfo present: /data is a plain
  // directory (the mount did not propagate), /disk a symlink to a real
  // other filesystem (stat and statvfs follow it, as into a real mount).
  const std::filesystem::path shm = "/dev/shm";
  scout::testing::TestDir dir("scout-fs-visibility");
  std::filesystem::create_directories(dir.path() / "data");
  HostFs production(HostRoots{});
  const absl::StatusOr<DeviceId> tmp_dev = production.DeviceOf(dir.path().string());
  const absl::StatusOr<DeviceId> shm_dev = production.DeviceOf(shm.string());
  if (!tmp_dev.ok() || !shm_dev.ok() || *tmp_dev == *shm_dev) {
    GTEST_SKIP() << "needs /dev/shm on another filesystem than " << dir.path();
  }
  std::filesystem::create_directory_symlink(shm, dir.path() / "disk");

  HostFs host(HostRoots{FixtureDir("mountinfo_tree"), "/nonexistent-sys", dir.path().string()});
  auto fs = NewFilesystemPlugin(host);
  VectorSink sink(1);
  const absl::Status status = fs->Collect(1, sink);
  const std::vector<Sample>& s = sink.samples();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("/data: not visible under " + dir.path().string()));
  EXPECT_GT(ValueOf(s, "node_filesystem_size_bytes", Fs("/", "/dev/sda1", "ext4")), 0.0);
  EXPECT_GT(ValueOf(s, "node_filesystem_size_bytes", Fs("/disk", "/dev/sdc1", "ext4")), 0.0);
  EXPECT_EQ(ValueOf(s, "node_filesystem_device_error", Fs("/data", "/dev/sdb1", "xfs")), 1.0);
  EXPECT_FALSE(HasSeries(s, "node_filesystem_size_bytes", Fs("/data", "/dev/sdb1", "xfs")));
}

}  // namespace
}  // namespace scout::agent
