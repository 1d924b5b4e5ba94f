// FilesystemOptions (include/exclude regexes, StatFs deadline) and the
// hung-mount protection of the filesystem collector.
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/host/filesystem_plugin.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_host_fs.h"

namespace scout::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::CountMetric;
using testing::FixtureDir;
using testing::FixtureHostFs;
using testing::HasSeries;
using testing::ValueOf;
using std::chrono::milliseconds;

FsUsage Usage(uint64_t size, uint64_t free, uint64_t avail) {
  FsUsage u;
  u.size_bytes = size;
  u.free_bytes = free;
  u.avail_bytes = avail;
  u.files = 10;
  u.files_free = 5;
  return u;
}

Labels Fs(const std::string& mountpoint, const std::string& device, const std::string& fstype) {
  return {{"mountpoint", mountpoint}, {"device", device}, {"fstype", fstype}};
}

// fs_options/mounts: / ext4, /proc proc, /run tmpfs, /mnt/nfs nfs4, /data
// xfs, /snap/core/17200 squashfs, /var/lib/docker/volumes ext4.
class FilesystemOptionsTest : public ::testing::Test {
 protected:
  FilesystemOptionsTest() : host_("fs_options") {
    for (const char* mp : {"/", "/proc", "/run", "/data", "/snap/core/17200",
                           "/var/lib/docker/volumes"}) {
      host_.SetStatFs(mp, Usage(1000, 500, 400));
    }
    // "/mnt/nfs" has no figures: its StatFs fails.
  }
  std::vector<std::string> StatFsCallsWith(FilesystemOptions options) {
    auto fs = NewFilesystemPlugin(host_, std::move(options));
    VectorSink sink(1);
    (void)fs->Collect(1, sink);
    return host_.statfs_calls();
  }

  FixtureHostFs host_;
};

TEST_F(FilesystemOptionsTest, DefaultsSkipTheSamePseudoFilesystemsAsBefore) {
  EXPECT_TRUE(ValidateFilesystemOptions(FilesystemOptions{}).ok());
  EXPECT_THAT(StatFsCallsWith(FilesystemOptions{}),
              ElementsAre("/", "/mnt/nfs", "/data", "/var/lib/docker/volumes"));
}

TEST_F(FilesystemOptionsTest, CustomRegexesArePartialMatches) {
  FilesystemOptions options;
  options.exclude_mountpoints_regex = "^/(mnt|var/lib/docker)/";
  options.exclude_fstypes_regex = "^(proc|squashfs)$";  // tmpfs is now wanted
  EXPECT_THAT(StatFsCallsWith(options), ElementsAre("/", "/run", "/data"));
}

TEST_F(FilesystemOptionsTest, EmptyRegexesExcludeNothing) {
  FilesystemOptions options;
  options.exclude_fstypes_regex.clear();
  EXPECT_EQ(StatFsCallsWith(options).size(), 7u);
}

TEST_F(FilesystemOptionsTest, InvalidOptionsAreReportedAndNothingIsRead) {
  FilesystemOptions options;
  options.exclude_mountpoints_regex = "^/(mnt";
  const absl::Status invalid = ValidateFilesystemOptions(options);
  EXPECT_EQ(invalid.code(), absl::StatusCode::kInvalidArgument) << invalid;
  EXPECT_THAT(std::string(invalid.message()), HasSubstr("exclude_mountpoints_regex"));

  auto fs = NewFilesystemPlugin(host_, options);
  VectorSink sink(1);
  EXPECT_EQ(fs->Collect(1, sink), invalid);
  EXPECT_TRUE(sink.samples().empty());
  EXPECT_TRUE(host_.statfs_calls().empty());
  EXPECT_EQ(host_.reads("mounts"), 0);

  FilesystemOptions zero;
  zero.statfs_timeout = milliseconds(0);
  EXPECT_THAT(std::string(ValidateFilesystemOptions(zero).message()),
              HasSubstr("statfs_timeout"));
  FilesystemOptions bad_fstype;
  bad_fstype.exclude_fstypes_regex = "(";
  EXPECT_THAT(std::string(ValidateFilesystemOptions(bad_fstype).message()),
              HasSubstr("exclude_fstypes_regex"));
}

TEST_F(FilesystemOptionsTest, DeviceErrorIsZeroWhenStatFsAnswersAndOneWhenItFails) {
  auto fs = NewFilesystemPlugin(host_);
  VectorSink sink(1);
  const absl::Status status = fs->Collect(1, sink);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  const std::vector<Sample>& s = sink.samples();
  EXPECT_EQ(ValueOf(s, "node_filesystem_device_error", Fs("/", "/dev/vda1", "ext4")), 0.0);
  EXPECT_EQ(ValueOf(s, "node_filesystem_device_error", Fs("/mnt/nfs", "server:/export", "nfs4")),
            1.0);
  EXPECT_FALSE(
      HasSeries(s, "node_filesystem_size_bytes", Fs("/mnt/nfs", "server:/export", "nfs4")));
  EXPECT_EQ(CountMetric(s, "node_filesystem_device_error"), 4);
}

// StatFs blocks for one mount until Release(); counts calls per mount.
class HungHostFs final : public HostFs {
 public:
  HungHostFs(const std::string& scenario, std::string hung)
      : HostFs(HostRoots{}), proc_(FixtureDir(scenario)), hung_(std::move(hung)) {}
  // A detached StatFs may still be inside this object: let it out first.
  ~HungHostFs() override {
    Release();
    EXPECT_TRUE(WaitUntilNoneBlocked(milliseconds(5000)));
  }

  absl::StatusOr<std::string> ReadProc(const std::string& relative) const override {
    return ReadWholeFile(proc_ + "/" + relative);
  }
  absl::StatusOr<FsUsage> StatFs(const std::string& mount_point) const override {
    std::unique_lock<std::mutex> lock(mu_);
    ++calls_[mount_point];
    if (mount_point == hung_) {
      ++blocked_;
      cv_.wait(lock, [&] { return released_; });
      --blocked_;
      cv_.notify_all();
      return Usage(8000, 2000, 2000);
    }
    return Usage(1000, 500, 400);
  }

  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  bool WaitUntilNoneBlocked(milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return blocked_ == 0; });
  }
  int calls(const std::string& mount_point) const {
    std::lock_guard<std::mutex> lock(mu_);
    const auto it = calls_.find(mount_point);
    return it == calls_.end() ? 0 : it->second;
  }
  int blocked() const {
    std::lock_guard<std::mutex> lock(mu_);
    return blocked_;
  }

 private:
  const std::string proc_;
  const std::string hung_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  mutable std::map<std::string, int> calls_;
  mutable int blocked_ = 0;
  bool released_ = false;
};

TEST(FilesystemHungMount, CollectReturnsByTheDeadlineAndNeverStacksCalls) {
  HungHostFs host("fs_options", "/mnt/nfs");
  FilesystemOptions options;
  options.statfs_timeout = milliseconds(300);
  auto fs = NewFilesystemPlugin(host, options);
  const Labels nfs = Fs("/mnt/nfs", "server:/export", "nfs4");
  const Labels data = Fs("/data", "/dev/vdb1", "xfs");  // after /mnt/nfs in the table

  auto start = std::chrono::steady_clock::now();
  VectorSink first(1);
  absl::Status status = fs->Collect(1, first);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, milliseconds(300));
  EXPECT_LT(elapsed, milliseconds(300 + 1500));  // deadline plus scheduling slack
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("/mnt/nfs: statfs did not answer within 300 ms"));
  EXPECT_EQ(ValueOf(first.samples(), "node_filesystem_device_error", nfs), 1.0);
  EXPECT_FALSE(HasSeries(first.samples(), "node_filesystem_size_bytes", nfs));
  EXPECT_EQ(ValueOf(first.samples(), "node_filesystem_device_error", data), 0.0);
  EXPECT_EQ(ValueOf(first.samples(), "node_filesystem_size_bytes", data), 1000.0);
  EXPECT_EQ(CountMetric(first.samples(), "node_filesystem_size_bytes"), 3);  // /, /data, docker
  EXPECT_EQ(host.blocked(), 1);

  // Still stale: reported at once, and no second call piles up behind it.
  start = std::chrono::steady_clock::now();
  VectorSink second(2);
  status = fs->Collect(2, second);
  elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, milliseconds(300));
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_EQ(ValueOf(second.samples(), "node_filesystem_device_error", nfs), 1.0);
  EXPECT_EQ(ValueOf(second.samples(), "node_filesystem_size_bytes", data), 1000.0);
  EXPECT_EQ(host.calls("/mnt/nfs"), 1);
  EXPECT_EQ(host.calls("/data"), 2);
  EXPECT_EQ(host.blocked(), 1);

  // The stuck call returns; once the collector has seen that, the mount is
  // asked again, exactly once more.
  host.Release();
  ASSERT_TRUE(host.WaitUntilNoneBlocked(milliseconds(5000)));
  std::vector<Sample> recovered;
  for (int attempt = 0; attempt < 100; ++attempt) {
    VectorSink sink(3 + attempt);
    status = fs->Collect(3 + attempt, sink);
    if (status.ok()) {
      recovered = std::move(sink.samples());
      break;
    }
    std::this_thread::sleep_for(milliseconds(10));  // worker still setting `done`
  }
  ASSERT_FALSE(recovered.empty()) << status;
  EXPECT_EQ(host.calls("/mnt/nfs"), 2);
  EXPECT_EQ(ValueOf(recovered, "node_filesystem_device_error", nfs), 0.0);
  EXPECT_EQ(ValueOf(recovered, "node_filesystem_size_bytes", nfs), 8000.0);
}

TEST(FilesystemHungMount, DestroyingTheCollectorDoesNotWaitForAHungCall) {
  HungHostFs host("fs_options", "/");
  FilesystemOptions options;
  options.statfs_timeout = milliseconds(100);
  {
    auto fs = NewFilesystemPlugin(host, options);
    VectorSink sink(1);
    EXPECT_EQ(fs->Collect(1, sink).code(), absl::StatusCode::kDeadlineExceeded);
    EXPECT_EQ(ValueOf(sink.samples(), "node_filesystem_device_error", Fs("/", "/dev/vda1", "ext4")),
              1.0);
  }  // collector gone while StatFs("/") is still blocked
  EXPECT_EQ(host.blocked(), 1);
  host.Release();
  EXPECT_TRUE(host.WaitUntilNoneBlocked(milliseconds(5000)));
}

}  // namespace
}  // namespace scout::agent
