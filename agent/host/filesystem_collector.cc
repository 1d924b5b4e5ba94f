#include "agent/host/filesystem_collector.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/host/proc_parsers.h"
#include "re2/re2.h"
#include "shared/status_macros.h"

namespace scout::agent {
namespace {

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

// State shared by Collect() and one StatFs thread. Both hold it by
// shared_ptr, so whichever lets go last frees it: an abandoned call may
// return after the collector is gone.
struct StatFsCall {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;  // guarded by mu, as is result
  absl::StatusOr<FsUsage> result = absl::UnknownError("statfs still running");
};

// Runs host.StatFs(mount_point) on a new thread and waits up to `timeout`.
// In time: the thread is joined and `done` is set. Overrun: the thread is
// detached and sets `done` whenever the call finally returns.
std::shared_ptr<StatFsCall> RunStatFs(const HostFs& host, const std::string& mount_point,
                                      std::chrono::milliseconds timeout) {
  auto call = std::make_shared<StatFsCall>();
  std::thread worker;
  try {
    worker = std::thread([&host, call, mount_point] {
      absl::StatusOr<FsUsage> result = host.StatFs(mount_point);
      std::lock_guard<std::mutex> lock(call->mu);
      call->result = std::move(result);
      call->done = true;
      call->cv.notify_all();
    });
  } catch (const std::system_error& e) {
    // Out of threads (RLIMIT_NPROC, memory): fail this mount, not the agent.
    std::lock_guard<std::mutex> lock(call->mu);
    call->result = absl::ResourceExhaustedError(absl::StrCat("cannot start statfs thread: ",
                                                             e.what()));
    call->done = true;
    return call;
  }
  bool finished = false;
  {
    std::unique_lock<std::mutex> lock(call->mu);
    finished = call->cv.wait_for(lock, timeout, [&] { return call->done; });
  }
  if (finished) {
    worker.join();  // it only has to unlock and exit: the join is immediate
  } else {
    worker.detach();
  }
  return call;
}

double Ratio(uint64_t part, uint64_t whole) {
  return static_cast<double>(part) / static_cast<double>(whole);
}

class FilesystemCollector final : public CollectorPlugin {
 public:
  FilesystemCollector(const HostFs& host, FilesystemOptions options)
      : host_(host),
        options_(std::move(options)),
        options_status_(ValidateFilesystemOptions(options_)) {
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
    absl::StatusOr<std::string> text = host_.ReadProc("1/mounts");
    if (!text.ok()) text = host_.ReadProc("mounts");
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

    ForgetReturnedCalls();
    std::string failures;
    absl::StatusCode failure_code = absl::StatusCode::kOk;
    for (const MountEntry* m : visible) {
      absl::StatusOr<FsUsage> usage = StatFsWithDeadline(m->mount_point);
      if (!usage.ok()) {
        sink.Add("node_filesystem_device_error", MountLabels(*m), 1.0);
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
  bool Excluded(const MountEntry& m) const {
    return Matches(exclude_mountpoints_, m.mount_point) || Matches(exclude_fstypes_, m.fstype);
  }

  // A stale mount whose abandoned call has finally returned may be asked
  // again; its late result is dropped (it describes some earlier moment).
  void ForgetReturnedCalls() {
    for (auto it = stuck_.begin(); it != stuck_.end();) {
      bool done = false;
      {
        std::lock_guard<std::mutex> lock(it->second->mu);
        done = it->second->done;
      }  // unlock before erase: erasing may destroy the mutex with the call
      it = done ? stuck_.erase(it) : std::next(it);
    }
  }

  absl::StatusOr<FsUsage> StatFsWithDeadline(const std::string& mount_point) {
    const absl::Status timed_out = absl::DeadlineExceededError(absl::StrCat(
        "statfs did not answer within ", options_.statfs_timeout.count(), " ms"));
    if (stuck_.count(mount_point) > 0) return timed_out;  // never two calls on one mount
    std::shared_ptr<StatFsCall> call = RunStatFs(host_, mount_point, options_.statfs_timeout);
    std::lock_guard<std::mutex> lock(call->mu);
    if (call->done) return call->result;
    stuck_.emplace(mount_point, std::move(call));
    return timed_out;
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
  // Mount point -> its abandoned StatFs call, until that call returns.
  std::map<std::string, std::shared_ptr<StatFsCall>> stuck_;
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

std::unique_ptr<CollectorPlugin> NewFilesystemCollector(const HostFs& host,
                                                        FilesystemOptions options) {
  return std::make_unique<FilesystemCollector>(host, std::move(options));
}

std::unique_ptr<CollectorPlugin> NewFilesystemCollector(const HostFs& host) {
  return NewFilesystemCollector(host, FilesystemOptions{});
}

}  // namespace scout::agent
