#include "agent/host/filesystem_collector.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/host/proc_parsers.h"
#include "shared/status_macros.h"

namespace scout::agent {
namespace {

// Kernel-internal or memory-backed filesystems: their "usage" says nothing
// about disk space, and container hosts have hundreds of them.
bool IsPseudoFs(const std::string& fstype) {
  static constexpr std::string_view kPseudo[] = {
      "autofs",   "binfmt_misc", "bpf",       "cgroup",   "cgroup2",  "configfs",
      "debugfs",  "devpts",      "devtmpfs",  "fusectl",  "hugetlbfs", "mqueue",
      "nsfs",     "proc",        "pstore",    "ramfs",    "rpc_pipefs", "securityfs",
      "selinuxfs", "squashfs",   "sysfs",     "tmpfs",    "tracefs"};
  return std::find(std::begin(kPseudo), std::end(kPseudo), fstype) != std::end(kPseudo);
}

double Ratio(uint64_t part, uint64_t whole) {
  return static_cast<double>(part) / static_cast<double>(whole);
}

class FilesystemCollector final : public CollectorPlugin {
 public:
  explicit FilesystemCollector(const HostFs& host) : host_(host) {}

  std::string_view name() const override { return "filesystem"; }

  absl::Status Collect(int64_t /*now_ms*/, SampleSink& sink) override {
    absl::StatusOr<std::string> text = host_.ReadProc("1/mounts");
    if (!text.ok()) text = host_.ReadProc("mounts");
    if (!text.ok()) return text.status();
    SCOUT_ASSIGN_OR_RETURN(const std::vector<MountEntry> mounts, ParseMounts(*text));

    // Walk backwards so the visible (last) entry of each mount point wins,
    // then restore file order for stable output.
    std::set<std::string> seen;
    std::vector<const MountEntry*> visible;
    for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) {
      if (seen.insert(it->mount_point).second && !IsPseudoFs(it->fstype)) {
        visible.push_back(&*it);
      }
    }
    std::reverse(visible.begin(), visible.end());

    std::string failures;
    absl::StatusCode failure_code = absl::StatusCode::kOk;
    for (const MountEntry* m : visible) {
      absl::StatusOr<FsUsage> usage = host_.StatFs(m->mount_point);
      if (!usage.ok()) {
        if (failure_code == absl::StatusCode::kOk) failure_code = usage.status().code();
        absl::StrAppend(&failures, failures.empty() ? "" : "; ", m->mount_point, ": ",
                        std::string(usage.status().message()));
        continue;
      }
      Emit(*m, *usage, sink);
    }
    if (failure_code != absl::StatusCode::kOk) {
      return absl::Status(failure_code, absl::StrCat("statfs failed for ", failures));
    }
    return absl::OkStatus();
  }

 private:
  static void Emit(const MountEntry& m, const FsUsage& u, SampleSink& sink) {
    if (u.size_bytes == 0) return;
    auto add = [&](const char* metric, double value) {
      sink.Add(metric, {{"mountpoint", m.mount_point}, {"device", m.device}, {"fstype", m.fstype}},
               value);
    };
    add("node_filesystem_size_bytes", static_cast<double>(u.size_bytes));
    add("node_filesystem_free_bytes", static_cast<double>(u.free_bytes));
    add("node_filesystem_avail_bytes", static_cast<double>(u.avail_bytes));
    add("node_filesystem_files", static_cast<double>(u.files));
    add("node_filesystem_files_free", static_cast<double>(u.files_free));
    // df's Use%: root-reserved blocks count neither as used nor as
    // available, so a "full" disk reads 100% for ordinary users.
    const uint64_t used = u.size_bytes > u.free_bytes ? u.size_bytes - u.free_bytes : 0;
    if (used + u.avail_bytes > 0) add("node_filesystem_used_ratio", Ratio(used, used + u.avail_bytes));
    // Some filesystems (btrfs, vfat) report 0 inodes: no ratio then.
    if (u.files > 0) {
      const uint64_t used_files = u.files > u.files_free ? u.files - u.files_free : 0;
      add("node_filesystem_inodes_used_ratio", Ratio(used_files, u.files));
    }
  }

  const HostFs& host_;
};

}  // namespace

std::unique_ptr<CollectorPlugin> NewFilesystemCollector(const HostFs& host) {
  return std::make_unique<FilesystemCollector>(host);
}

}  // namespace scout::agent
