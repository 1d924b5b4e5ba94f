#include "agent/host/proc_parsers.h"

#include <string>

#include "agent/host/host_fs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_host_fs.h"

namespace scout::agent {
namespace {

using testing::ExpectInvalid;
using testing::ReadFixture;

using ::testing::HasSubstr;
using testing::FixtureDir;



// ---- /proc/stat ----------------------------------------------------------

TEST(ParseProcStat, RealMachineSnapshot) {
  absl::StatusOr<ProcStat> stat = ParseProcStat(ReadFixture("real/stat"));
  ASSERT_TRUE(stat.ok()) << stat.status();
  EXPECT_EQ(stat->total.user, 4994u);
  EXPECT_EQ(stat->total.system, 2143u);
  EXPECT_EQ(stat->total.idle, 253719u);
  EXPECT_EQ(stat->total.steal, 17u);
  ASSERT_EQ(stat->cpus.size(), 2u);
  EXPECT_EQ(stat->cpus.at(0).idle, 127510u);
  EXPECT_EQ(stat->cpus.at(1).iowait, 259u);
  EXPECT_EQ(stat->cpus.at(1).softirq, 21u);
  EXPECT_EQ(stat->context_switches, 280171u);
  EXPECT_EQ(stat->boot_time_seconds, 1795763740u);
  EXPECT_EQ(stat->forks, 4665u);
  EXPECT_EQ(stat->procs_running, 1u);
  EXPECT_EQ(stat->procs_blocked, 0u);
}

TEST(ParseProcStat, OldKernelFourFieldsAndFutureExtraFields) {
  absl::StatusOr<ProcStat> stat =
      ParseProcStat("cpu 1 2 3 4\ncpu0 1 2 3 4 5 6 7 8 9 10 11 12\n");
  ASSERT_TRUE(stat.ok()) << stat.status();
  EXPECT_EQ(stat->total.idle, 4u);
  EXPECT_EQ(stat->total.iowait, 0u);
  EXPECT_EQ(stat->cpus.at(0).guest_nice, 10u);
  EXPECT_FALSE(stat->context_switches.has_value());
  EXPECT_FALSE(stat->boot_time_seconds.has_value());
}

TEST(ParseProcStat, TotalExcludesGuestBecauseUserAlreadyContainsIt) {
  absl::StatusOr<ProcStat> stat = ParseProcStat("cpu 10 1 2 3 4 5 6 7 100 200\n");
  ASSERT_TRUE(stat.ok()) << stat.status();
  EXPECT_EQ(stat->total.Total(), 38u);
}

TEST(ParseProcStat, SkipsLinesItDoesNotNeed) {
  absl::StatusOr<ProcStat> stat =
      ParseProcStat("\ncpu 1 2 3 4\nintr 5 0 0 junk\nsome_new_line a b c\n\nctxt 9\n");
  ASSERT_TRUE(stat.ok()) << stat.status();
  EXPECT_EQ(stat->context_switches, 9u);
  EXPECT_TRUE(stat->cpus.empty());
}

TEST(ParseProcStat, MalformedFixtureNamesLineAndToken) {
  absl::StatusOr<ProcStat> stat = ParseProcStat(ReadFixture("stat_malformed/stat"));
  ExpectInvalid(stat.status(), "line 2");
  ExpectInvalid(stat.status(), "x25");
}

TEST(ParseProcStat, RejectsMalformedInput) {
  ExpectInvalid(ParseProcStat("").status(), "no \"cpu\" line");
  ExpectInvalid(ParseProcStat("cpu0 1 2 3 4\n").status(), "no \"cpu\" line");
  ExpectInvalid(ParseProcStat("cpu 1 2 3\n").status(), "fewer than 4");
  ExpectInvalid(ParseProcStat("cpu 1 2 -3 4\n").status(), "\"-3\"");
  ExpectInvalid(ParseProcStat("cpu 1 2 3 4\ncpu 1 2 3 4\n").status(), "duplicate");
  ExpectInvalid(ParseProcStat("cpu 1 2 3 4\ncpu0 1 2 3 4\ncpu0 1 2 3 4\n").status(), "line 3");
  ExpectInvalid(ParseProcStat("cpu 1 2 3 4\ncpuX 1 2 3 4\n").status(), "bad cpu name");
  ExpectInvalid(ParseProcStat("cpu 1 2 3 4\nctxt lots\n").status(), "bad ctxt");
  ExpectInvalid(ParseProcStat("cpu 1 2 3 4\nbtime 1 2\n").status(), "bad btime");
  ExpectInvalid(ParseProcStat("cpu 99999999999999999999 2 3 4\n").status(), "invalid cpu time");
}

// ---- /proc/meminfo -------------------------------------------------------

TEST(ParseMeminfo, RealMachineSnapshotConvertsKbToBytes) {
  auto info = ParseMeminfo(ReadFixture("real/meminfo"));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->size(), 54u);
  EXPECT_EQ(info->at("MemTotal"), 24684092ull * 1024);
  EXPECT_EQ(info->at("MemAvailable"), 24434344ull * 1024);
  EXPECT_EQ(info->at("Hugepagesize"), 2048ull * 1024);
  EXPECT_EQ(info->count("HugePages_Total"), 1u);
}

TEST(ParseMeminfo, UnitlessValuesAreCountsAndParenthesesAllowed) {
  auto info = ParseMeminfo(ReadFixture("mem_basic/meminfo"));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->at("HugePages_Total"), 7u);
  EXPECT_EQ(info->at("Active(anon)"), 123u * 1024);
}

TEST(ParseMeminfo, RejectsMalformedInput) {
  ExpectInvalid(ParseMeminfo(ReadFixture("mem_malformed/meminfo")).status(), "line 2");
  ExpectInvalid(ParseMeminfo("MemTotal: lots kB\n").status(), "line 1");
  ExpectInvalid(ParseMeminfo(": 5 kB\n").status(), "line 1");
  ExpectInvalid(ParseMeminfo("MemTotal:\n").status(), "line 1");
  ExpectInvalid(ParseMeminfo("MemTotal: 5 MB\n").status(), "unknown unit");
  ExpectInvalid(ParseMeminfo("MemTotal: 5 kB extra\n").status(), "line 1");
  ExpectInvalid(ParseMeminfo("MemTotal: 18446744073709551615 kB\n").status(), "overflow");
  ExpectInvalid(ParseMeminfo("A: 1 kB\nA: 2 kB\n").status(), "duplicate");
}

// ---- /proc/loadavg -------------------------------------------------------

TEST(ParseLoadavg, RealMachineSnapshot) {
  absl::StatusOr<LoadAvg> load = ParseLoadavg(ReadFixture("real/loadavg"));
  ASSERT_TRUE(load.ok()) << load.status();
  EXPECT_DOUBLE_EQ(load->load1, 0.01);
  EXPECT_DOUBLE_EQ(load->load5, 0.08);
  EXPECT_DOUBLE_EQ(load->load15, 0.04);
  EXPECT_EQ(load->running_threads, 1u);
  EXPECT_EQ(load->total_threads, 83u);
}

TEST(ParseLoadavg, RejectsMalformedInput) {
  ExpectInvalid(ParseLoadavg("").status(), "empty");
  ExpectInvalid(ParseLoadavg("1.5 0.7\n").status(), "expected 5 fields");
  ExpectInvalid(ParseLoadavg("a 0.7 0.2 1/2 3\n").status(), "bad load average");
  ExpectInvalid(ParseLoadavg("-1 0.7 0.2 1/2 3\n").status(), "bad load average");
  ExpectInvalid(ParseLoadavg("1 0.7 0.2 12 3\n").status(), "running/total");
  ExpectInvalid(ParseLoadavg("1 0.7 0.2 1/x 3\n").status(), "running/total");
  ExpectInvalid(ParseLoadavg("1 0.7 0.2 1/2 3\n1 2 3 1/2 3\n").status(), "line 2");
}

// ---- /proc/<pid>/mounts --------------------------------------------------

TEST(ParseMounts, RealMachineSnapshot) {
  auto mounts = ParseMounts(ReadFixture("real/1/mounts"));
  ASSERT_TRUE(mounts.ok()) << mounts.status();
  ASSERT_EQ(mounts->size(), 19u);
  EXPECT_EQ((*mounts)[0].fstype, "proc");
  EXPECT_EQ((*mounts)[5].device, "/dev/vda");
  EXPECT_EQ((*mounts)[5].mount_point, "/");
  EXPECT_EQ((*mounts)[5].fstype, "ext4");
  EXPECT_THAT((*mounts)[5].options, HasSubstr("relatime"));
}

TEST(ParseMounts, DecodesOctalEscapes) {
  auto mounts = ParseMounts(
      "/dev/sdb1 /mnt/My\\040Disk xfs rw 0 0\n"
      "/dev/sdc1 /a\\134b\\011c\\012d ext4 rw 0 0\n"
      "//srv/share\\040x /mnt/s cifs rw\n");
  ASSERT_TRUE(mounts.ok()) << mounts.status();
  ASSERT_EQ(mounts->size(), 3u);
  EXPECT_EQ((*mounts)[0].mount_point, "/mnt/My Disk");
  EXPECT_EQ((*mounts)[1].mount_point, "/a\\b\tc\nd");
  EXPECT_EQ((*mounts)[2].device, "//srv/share x");
  EXPECT_EQ((*mounts)[2].fstype, "cifs");
}

TEST(ParseMounts, RejectsMalformedInput) {
  ExpectInvalid(ParseMounts("/dev/sda1 / ext4\n").status(), "at least 4 fields");
  ExpectInvalid(ParseMounts("/dev/sda1 /a\\04 ext4 rw 0 0\n").status(), "octal escape");
  ExpectInvalid(ParseMounts("/dev/sda1 /a\\0 ext4 rw 0 0\n").status(), "truncated");
  ExpectInvalid(ParseMounts("/dev/sda1 /a\\09x ext4 rw 0 0\n").status(), "bad octal");
  ExpectInvalid(ParseMounts("/dev/sda1 /a\\400 ext4 rw 0 0\n").status(), "bad octal");
  ExpectInvalid(ParseMounts("/dev/sda1 / ext4 rw 0 0\nbroken\n").status(), "line 2");
}

// ---- /proc/<pid>/mountinfo -----------------------------------------------

TEST(ParseMountInfo, RealMachineSnapshot) {
  auto mounts = ParseMountInfo(ReadFixture("mountinfo_real/self/mountinfo"));
  ASSERT_TRUE(mounts.ok()) << mounts.status();
  ASSERT_EQ(mounts->size(), 19u);
  const MountInfoEntry& proc = (*mounts)[0];
  EXPECT_EQ(proc.mount_id, 22u);
  EXPECT_EQ(proc.parent_id, 27u);
  EXPECT_EQ(proc.major, 0u);
  EXPECT_EQ(proc.minor, 21u);
  EXPECT_EQ(proc.root, "/");
  EXPECT_EQ(proc.mount_point, "/proc");
  EXPECT_EQ(proc.fstype, "proc");
  EXPECT_EQ(proc.source, "proc");
  const MountInfoEntry& root = (*mounts)[5];
  EXPECT_EQ(root.mount_point, "/");
  EXPECT_EQ(root.parent_id, 1u);
  EXPECT_EQ(root.major, 254u);
  EXPECT_EQ(root.minor, 0u);
  EXPECT_EQ(root.fstype, "ext4");
  EXPECT_EQ(root.source, "/dev/vda");
}

TEST(ParseMountInfo, OptionalFieldsEscapesAndBindRoots) {
  auto mounts = ParseMountInfo(
      // No optional field, then one, then several.
      "21 1 259:1 / / rw,relatime - ext4 /dev/nvme0n1p1 rw,errors=remount-ro\n"
      "28 21 8:33 / /mnt/new\\040disk rw shared:50 - ext4 /dev/sdc1 rw\n"
      "29 28 8:33 /a\\134b /mnt/x\\011y rw shared:51 master:3 propagate_from:2 unbindable"
      " - fuse.sshfs me@host:/my\\040files rw,user_id=0\n"
      // The kernel prints an empty source as nothing between two spaces.
      "30 21 0:50 / /mnt/empty rw,relatime shared:60 - tmpfs  rw,size=4k\n"
      // A 4095:1048575 device (12-bit major, 20-bit minor) and an nsfs root.
      "31 21 4095:1048575 net:[4026531840] /run/netns/a rw - nsfs nsfs rw\n");
  ASSERT_TRUE(mounts.ok()) << mounts.status();
  ASSERT_EQ(mounts->size(), 5u);
  EXPECT_EQ((*mounts)[0].source, "/dev/nvme0n1p1");
  EXPECT_EQ((*mounts)[1].mount_point, "/mnt/new disk");
  EXPECT_EQ((*mounts)[1].fstype, "ext4");
  EXPECT_EQ((*mounts)[1].source, "/dev/sdc1");
  EXPECT_EQ((*mounts)[2].root, "/a\\b");
  EXPECT_EQ((*mounts)[2].mount_point, "/mnt/x\ty");
  EXPECT_EQ((*mounts)[2].fstype, "fuse.sshfs");
  EXPECT_EQ((*mounts)[2].source, "me@host:/my files");
  EXPECT_EQ((*mounts)[3].fstype, "tmpfs");
  EXPECT_EQ((*mounts)[3].source, "");
  EXPECT_EQ((*mounts)[4].major, 4095u);
  EXPECT_EQ((*mounts)[4].minor, 1048575u);
  EXPECT_EQ((*mounts)[4].root, "net:[4026531840]");
}

TEST(ParseMountInfo, RejectsMalformedInput) {
  ExpectInvalid(ParseMountInfo("21 1 259:1 / / rw ext4 /dev/sda1 rw\n").status(),
                "no \" - \" separator");
  ExpectInvalid(ParseMountInfo("21 1 259:1 / - ext4 /dev/sda1 rw\n").status(),
                "expected 6 fields before");
  ExpectInvalid(ParseMountInfo("21 x 259:1 / / rw - ext4 /dev/sda1 rw\n").status(),
                "bad mount id");
  for (const char* dev : {"259", "259:", ":1", "259:1x", "-1:1", "4294967296:0"}) {
    ExpectInvalid(
        ParseMountInfo(std::string("21 1 ") + dev + " / / rw - ext4 /dev/sda1 rw\n").status(),
        "bad major:minor");
  }
  ExpectInvalid(ParseMountInfo("21 1 259:1 / / rw -\n").status(), "expected fstype and source");
  ExpectInvalid(ParseMountInfo("21 1 259:1 / / rw - ext4\n").status(),
                "expected fstype and source");
  ExpectInvalid(ParseMountInfo("21 1 259:1 / /a\\04 rw - ext4 /dev/sda1 rw\n").status(),
                "truncated octal escape");
  ExpectInvalid(ParseMountInfo("21 1 259:1 / / rw - ext4 /dev/sda1 rw\nbroken\n").status(),
                "mountinfo line 2");
}

}  // namespace
}  // namespace scout::agent
