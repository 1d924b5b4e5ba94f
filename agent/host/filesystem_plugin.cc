#include "agent/host/filesystem_plugin.h"

#include <algorithm>
#include <functional>
#include <chrono>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/deadline_call.h"
#include "agent/host/proc_parsers.h"
#include "re2/re2.h"
#include "shared/logging.h"
#include "shared/status_macros.h"

namespace scout::agent {
namespace {

constexpr char kPropagationHint[] =
    "the host root must be mounted with mountPropagation: HostToContainer (docker: "
    "-v /:/host:ro,rslave) so host mounts reach the agent";

// Compiled quietly: RE2 would otherwise print bad patterns to stderr,
// and the error is reported through absl::Status instead.
std::unique_ptr<RE2> Compile(const std::string& pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  return std::make_unique<RE2>(pattern, options);
}

absl::Status CheckRegex(const char* option, const std::string& pattern) {
  if (pattern.empty()) return absl::OkStatus();
  const std::unique_ptr<RE2> re = Compile(pattern);
  if (re->ok()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("filesystem ", option, " \"", pattern, "\": ", re->error()));
}

// An empty pattern means "exclude nothing"; an empty RE2 would match all.
bool Matches(const std::unique_ptr<RE2>& re, const std::string& value) {
  return re != nullptr && RE2::PartialMatch(value, *re);
}

// What one worker call found out about one mount point. A part that was
// not asked for keeps its UnknownError.
struct Probe {
  absl::StatusOr<DeviceId> device = absl::UnknownError("device not asked");
  absl::StatusOr<FsUsage> usage = absl::UnknownError("statfs not asked");
};

// Runs host.DeviceOf and/or host.StatFs of `mount_point` as a
// DeadlineCall and waits up to `timeout`. Both go on the call because
// stat() can hang on a dead mount just like statvfs(). Returns the probe,
// or nullopt when the call overran: it is then still running on `call`.
std::optional<Probe> RunProbe(DeadlineCall& call, const HostFs& host,
                              const std::string& mount_point, bool want_device, bool want_usage,
                              std::chrono::milliseconds timeout) {
  auto probe = std::make_shared<Probe>();
  const absl::Status started = call.Start([&host, probe, mount_point, want_device, want_usage] {
    if (want_device) probe->device = host.DeviceOf(mount_point);
    if (want_usage) probe->usage = host.StatFs(mount_point);
  });
  if (!started.ok()) return Probe{started, started};
  if (!call.WaitUntil(std::chrono::steady_clock::now() + timeout)) return std::nullopt;
  return std::move(*probe);
}

// The host's mountinfo by mount point: the last entry of each, the one a
// path lookup reaches (as for mounts).
using MountInfoByPoint = std::map<std::string, MountInfoEntry>;

// DeviceOf results of one cycle by mount point, so a parent shared by many
// mounts (usually "/") is stat()ed once.
using DeviceCache = std::map<std::string, absl::StatusOr<DeviceId>>;

DeviceId HostDevice(const MountInfoEntry& e) { return DeviceId{e.major, e.minor}; }

// The closest mount above `mount_point` (by path: "/a/b" -> "/a" -> "/")
// that the host's table puts on another device than `device`; null when
// every mount above shares it.
const MountInfoEntry* AncestorOnOtherDevice(const std::string& mount_point, DeviceId device,
                                            const MountInfoByPoint& table) {
  std::string_view path = mount_point;
  while (path.size() > 1) {
    const size_t slash = path.rfind('/');
    if (slash == std::string_view::npos) return nullptr;  // not absolute
    path = path.substr(0, slash == 0 ? 1 : slash);
    const auto it = table.find(std::string(path));
    if (it != table.end() && HostDevice(it->second) != device) return &it->second;
  }
  return nullptr;
}

enum class Visibility { kVisible, kHidden, kUnknown };

double Ratio(uint64_t part, uint64_t whole) {
  return static_cast<double>(part) / static_cast<double>(whole);
}

class FilesystemPlugin final : public Plugin {
 public:
  FilesystemPlugin(const HostFs& host, FilesystemOptions options)
      : host_(host),
        options_(std::move(options)),
        options_status_(ValidateFilesystemOptions(options_)),
        through_rootfs_(host.roots().rootfs.find_first_not_of('/') != std::string::npos) {
    if (!options_status_.ok()) return;
    if (!options_.exclude_mountpoints_regex.empty()) {
      exclude_mountpoints_ = Compile(options_.exclude_mountpoints_regex);
    }
    if (!options_.exclude_fstypes_regex.empty()) {
      exclude_fstypes_ = Compile(options_.exclude_fstypes_regex);
    }
  }

  std::string_view name() const override { return "filesystem"; }

  absl::Status Collect(int64_t /*now_ms*/, SampleSink& sink) override {
    if (!options_status_.ok()) return options_status_;
    // mountinfo is read from the same process as the mount table: another
    // namespace's would describe other mounts.
    const char* mountinfo_file = "1/mountinfo";
    absl::StatusOr<std::string> text = host_.ReadProc("1/mounts");
    if (!text.ok()) {
      text = host_.ReadProc("mounts");
      mountinfo_file = "self/mountinfo";
    }
    if (!text.ok()) return text.status();
    SCOUT_ASSIGN_OR_RETURN(const std::vector<MountEntry> mounts, ParseMounts(*text));

    // Walk backwards so the visible (last) entry of each mount point wins,
    // then restore file order for stable output.
    std::set<std::string> seen;
    std::vector<const MountEntry*> visible;
    for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) {
      if (seen.insert(it->mount_point).second && !Excluded(*it)) visible.push_back(&*it);
    }
    std::reverse(visible.begin(), visible.end());

    absl::Status mountinfo_error;
    std::optional<MountInfoByPoint> host_table;
    if (through_rootfs_) host_table = LoadMountInfo(mountinfo_file, mountinfo_error);

    ForgetReturnedCalls();
    std::string failures;
    absl::StatusCode failure_code = absl::StatusCode::kOk;
    auto fail = [&](const MountEntry& m, const absl::Status& status) {
      sink.Add("node_filesystem_device_error", MountLabels(m), 1.0);
      if (failure_code == absl::StatusCode::kOk) failure_code = status.code();
      absl::StrAppend(&failures, failures.empty() ? "" : "; ", m.mount_point, ": ",
                      std::string(status.message()));
    };
    DeviceCache devices;
    std::set<std::string> listed;
    Suspects suspects;
    for (const MountEntry* m : visible) {
      listed.insert(m->mount_point);
      const bool want_device = host_table.has_value() && devices.count(m->mount_point) == 0;
      Probe probe = ProbeWithDeadline(m->mount_point, want_device, /*want_usage=*/true);
      if (want_device) devices.emplace(m->mount_point, probe.device);

      std::string reason;
      const Visibility visibility =
          host_table ? CheckVisible(*m, *host_table, devices, reason) : Visibility::kUnknown;
      if (visibility == Visibility::kHidden) {
        suspects.push_back({m, std::move(reason)});
        continue;
      }
      if (visibility == Visibility::kVisible && hidden_.erase(m->mount_point) > 0) {
        spdlog::info("filesystem {}: visible under the host root {} again; reporting it",
                     m->mount_point, host_.roots().rootfs);
      }
      if (!probe.usage.ok()) {
        fail(*m, probe.usage.status());
        continue;
      }
      Emit(*m, *probe.usage, sink);
    }
    if (!suspects.empty()) ConfirmHidden(suspects, mountinfo_file, *host_table, listed, fail);
    // Unmounted or now excluded: a later return is a new story.
    for (auto it = hidden_.begin(); it != hidden_.end();) {
      it = listed.count(*it) > 0 ? std::next(it) : hidden_.erase(it);
    }

    if (!mountinfo_error.ok()) {
      absl::StrAppend(&failures, failures.empty() ? "" : "; ", mountinfo_error.message(),
                      " (visibility under ", host_.roots().rootfs, " not checked)");
      if (failure_code == absl::StatusCode::kOk) failure_code = mountinfo_error.code();
    }
    if (failure_code != absl::StatusCode::kOk) {
      return absl::Status(failure_code, absl::StrCat("no figures for ", failures));
    }
    return absl::OkStatus();
  }

 private:
  using Suspects = std::vector<std::pair<const MountEntry*, std::string>>;  // not visible: why

  // The tables were read before the stat() calls, so a mount unmounted
  // in between (a pod's volume on a busy node) looks exactly like one
  // that never propagated. Only a mount still there, with the same id,
  // after the stat() calls is reported; one that went away gets nothing
  // (its figures would be the parent's) and leaves the table next cycle.
  // Each confirmed one fails (`fail`) and is logged once; `listed` loses
  // those that went away.
  void ConfirmHidden(const Suspects& suspects, const char* mountinfo_file,
                     const MountInfoByPoint& table, std::set<std::string>& listed,
                     const std::function<void(const MountEntry&, const absl::Status&)>& fail) {
    const std::set<uint64_t> still_mounted = MountIds(mountinfo_file);
    for (const auto& [m, reason] : suspects) {
      const uint64_t id = table.at(m->mount_point).mount_id;
      if (!still_mounted.empty() && still_mounted.count(id) == 0) {
        listed.erase(m->mount_point);
        continue;
      }
      fail(*m, absl::FailedPreconditionError(absl::StrCat(
                   "not visible under ", host_.roots().rootfs, ": ", reason, "; ",
                   kPropagationHint)));
      if (hidden_.insert(m->mount_point).second) {
        spdlog::warn(
            "filesystem {}: not visible under the host root {}: {}; its figures would be "
            "another filesystem's, so none are reported (node_filesystem_device_error 1) "
            "until it is; {}",
            m->mount_point, host_.roots().rootfs, reason, kPropagationHint);
      }
    }
  }

  bool Excluded(const MountEntry& m) const {
    return Matches(exclude_mountpoints_, m.mount_point) || Matches(exclude_fstypes_, m.fstype);
  }

  // A stale mount whose abandoned call has finally returned may be asked
  // again; its late result is dropped (it describes some earlier moment).
  void ForgetReturnedCalls() {
    for (auto it = stuck_.begin(); it != stuck_.end();) {
      it = it->second->Running() ? std::next(it) : stuck_.erase(it);
    }
  }

  Probe ProbeWithDeadline(const std::string& mount_point, bool want_device, bool want_usage) {
    const absl::Status timed_out = absl::DeadlineExceededError(absl::StrCat(
        "statfs did not answer within ", options_.statfs_timeout.count(), " ms"));
    // Never two calls on one mount.
    if (stuck_.count(mount_point) > 0) return Probe{timed_out, timed_out};
    auto call = std::make_unique<DeadlineCall>("scout-statfs");
    std::optional<Probe> probe = RunProbe(*call, host_, mount_point, want_device, want_usage,
                                          options_.statfs_timeout);
    if (probe) return *std::move(probe);
    stuck_.emplace(mount_point, std::move(call));
    return Probe{timed_out, timed_out};
  }

  // Null when there is no mountinfo to check against: then the figures go
  // out unchecked, as they did before the check existed. A parse error is
  // handed back for Collect() to return after emitting.
  std::optional<MountInfoByPoint> LoadMountInfo(const char* file, absl::Status& parse_error) {
    absl::StatusOr<std::string> text = host_.ReadProc(file);
    if (!text.ok()) {
      if (!mountinfo_unreadable_) {
        spdlog::info("filesystem: {}; host mounts missing under the host root {} cannot be "
                     "detected",
                     text.status().message(), host_.roots().rootfs);
      }
      mountinfo_unreadable_ = true;
      return std::nullopt;
    }
    mountinfo_unreadable_ = false;
    absl::StatusOr<std::vector<MountInfoEntry>> entries = ParseMountInfo(*text);
    if (!entries.ok()) {
      parse_error = entries.status();
      return std::nullopt;
    }
    MountInfoByPoint table;
    for (MountInfoEntry& e : *entries) table.insert_or_assign(e.mount_point, std::move(e));
    return table;
  }

  // Ids of the mounts in `file` now; empty when it cannot be read or
  // parsed (then nothing can be ruled out).
  std::set<uint64_t> MountIds(const char* file) const {
    std::set<uint64_t> ids;
    absl::StatusOr<std::string> text = host_.ReadProc(file);
    if (!text.ok()) return ids;
    absl::StatusOr<std::vector<MountInfoEntry>> entries = ParseMountInfo(*text);
    if (!entries.ok()) return ids;
    for (const MountInfoEntry& e : *entries) ids.insert(e.mount_id);
    return ids;
  }

  // The rule of the header comment. kHidden sets `reason`; kUnknown means
  // the check cannot tell, and the figures go out as without it.
  Visibility CheckVisible(const MountEntry& m, const MountInfoByPoint& table,
                          DeviceCache& devices, std::string& reason) {
    if (m.mount_point == "/") return Visibility::kVisible;  // rootfs is the host's "/" itself
    const auto entry = table.find(m.mount_point);
    // Missing or different: the host (un)mounted between our reads of the
    // two tables; the next cycle will tell.
    if (entry == table.end() || entry->second.fstype != m.fstype ||
        entry->second.source != m.device) {
      return Visibility::kUnknown;
    }
    const auto seen = devices.find(m.mount_point);
    if (seen == devices.end()) return Visibility::kUnknown;
    const std::string path = UnderRootfs(m.mount_point);
    // The host has a mount there, so the directory exists in its tree.
    if (absl::IsNotFound(seen->second.status())) {
      reason = absl::StrCat(path, " does not exist");
      return Visibility::kHidden;
    }
    if (!seen->second.ok()) return Visibility::kUnknown;
    const MountInfoEntry* ancestor =
        AncestorOnOtherDevice(m.mount_point, HostDevice(entry->second), table);
    // Every mount above is on M's device (bind mounts, btrfs subvolumes):
    // one superblock, so statvfs gives the same figures whichever we reach.
    if (ancestor == nullptr) return Visibility::kVisible;
    const absl::StatusOr<DeviceId> seen_ancestor = ObservedDevice(ancestor->mount_point, devices);
    if (!seen_ancestor.ok()) return Visibility::kUnknown;
    if (*seen->second != *seen_ancestor) return Visibility::kVisible;
    reason = absl::StrCat(path, " is on the same device (", seen->second->ToString(), ") as ",
                          UnderRootfs(ancestor->mount_point), ", but the host mounts ", m.device,
                          " (", m.fstype, ", device ", HostDevice(entry->second).ToString(),
                          ") there");
    return Visibility::kHidden;
  }

  absl::StatusOr<DeviceId> ObservedDevice(const std::string& mount_point, DeviceCache& devices) {
    const auto it = devices.find(mount_point);
    if (it != devices.end()) return it->second;
    absl::StatusOr<DeviceId> device =
        ProbeWithDeadline(mount_point, /*want_device=*/true, /*want_usage=*/false).device;
    devices.emplace(mount_point, device);
    return device;
  }

  // Where a host mount point is for us, for messages.
  std::string UnderRootfs(const std::string& mount_point) const {
    std::string root = host_.roots().rootfs;
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    return mount_point == "/" ? root : root + mount_point;
  }

  static Labels MountLabels(const MountEntry& m) {
    return {{"mountpoint", m.mount_point}, {"device", m.device}, {"fstype", m.fstype}};
  }

  static void Emit(const MountEntry& m, const FsUsage& u, SampleSink& sink) {
    if (u.size_bytes == 0) return;
    auto add = [&](const char* metric, double value) { sink.Add(metric, MountLabels(m), value); };
    add("node_filesystem_device_error", 0.0);
    add("node_filesystem_size_bytes", static_cast<double>(u.size_bytes));
    add("node_filesystem_free_bytes", static_cast<double>(u.free_bytes));
    add("node_filesystem_avail_bytes", static_cast<double>(u.avail_bytes));
    add("node_filesystem_files", static_cast<double>(u.files));
    add("node_filesystem_files_free", static_cast<double>(u.files_free));
    // df's Use%: root-reserved blocks count neither as used nor as
    // available, so a "full" disk reads 100% for ordinary users.
    const uint64_t used = u.size_bytes > u.free_bytes ? u.size_bytes - u.free_bytes : 0;
    add("node_filesystem_used_bytes", static_cast<double>(used));  // df's "Used"
    if (used + u.avail_bytes > 0) {
      add("node_filesystem_used_ratio", Ratio(used, used + u.avail_bytes));
    }
    // Some filesystems (btrfs, vfat) report 0 inodes: no ratio then.
    if (u.files > 0) {
      const uint64_t used_files = u.files > u.files_free ? u.files - u.files_free : 0;
      add("node_filesystem_inodes_used_ratio", Ratio(used_files, u.files));
    }
  }

  const HostFs& host_;
  const FilesystemOptions options_;
  const absl::Status options_status_;
  std::unique_ptr<RE2> exclude_mountpoints_;  // null: exclude none
  std::unique_ptr<RE2> exclude_fstypes_;
  // Reading the host's "/" through a prefix (/host): only then can a host
  // mount be missing from what we stat.
  const bool through_rootfs_;
  // Mount point -> its abandoned call, until that call returns.
  std::map<std::string, std::unique_ptr<DeadlineCall>> stuck_;
  // Mounts last found not visible under rootfs, and whether mountinfo was
  // unreadable: each logged once per change, not every cycle.
  std::set<std::string> hidden_;
  bool mountinfo_unreadable_ = false;
};

}  // namespace

absl::Status ValidateFilesystemOptions(const FilesystemOptions& options) {
  SCOUT_RETURN_IF_ERROR(
      CheckRegex("exclude_mountpoints_regex", options.exclude_mountpoints_regex));
  SCOUT_RETURN_IF_ERROR(CheckRegex("exclude_fstypes_regex", options.exclude_fstypes_regex));
  if (options.statfs_timeout.count() <= 0) {
    return absl::InvalidArgumentError("filesystem statfs_timeout must be positive");
  }
  return absl::OkStatus();
}

std::unique_ptr<Plugin> NewFilesystemPlugin(const HostFs& host,
                                                        FilesystemOptions options) {
  return std::make_unique<FilesystemPlugin>(host, std::move(options));
}

std::unique_ptr<Plugin> NewFilesystemPlugin(const HostFs& host) {
  return NewFilesystemPlugin(host, FilesystemOptions{});
}

absl::Status ReadFilesystemOptions(ConfigMap& section, FilesystemOptions* options) {
  SCOUT_RETURN_IF_ERROR(section.Read("exclude_mountpoints", &options->exclude_mountpoints_regex));
  SCOUT_RETURN_IF_ERROR(section.Read("exclude_fstypes", &options->exclude_fstypes_regex));
  SCOUT_RETURN_IF_ERROR(section.ReadDuration("statfs_timeout", &options->statfs_timeout));
  absl::Status valid = ValidateFilesystemOptions(*options);
  if (!valid.ok()) return section.ErrorAt("exclude_mountpoints", std::string(valid.message()));
  return section.CheckNoUnknownKeys();
}

}  // namespace scout::agent
