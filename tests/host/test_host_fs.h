// Test helpers for the host collectors: a HostFs whose proc root can be
// switched between Collect() calls (t0 -> t1 snapshots) and whose StatFs
// returns fixed figures, plus lookups over collected samples.
#pragma once

#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/plugin.h"
#include "agent/host/host_fs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace scout::agent::testing {

inline std::string FixtureDir(const std::string& scenario) {
  return std::string(SCOUT_SOURCE_DIR) + "/tests/fixtures/proc/" + scenario;
}

class FixtureHostFs final : public HostFs {
 public:
  // `roots` only matters to collectors that look at roots() (the
  // filesystem collector checks visibility when rootfs is not "/"); every
  // read still comes from the fixture tree.
  explicit FixtureHostFs(const std::string& scenario, HostRoots roots = {})
      : HostFs(std::move(roots)), proc_root_(FixtureDir(scenario)) {}

  void SetScenario(const std::string& scenario) { proc_root_ = FixtureDir(scenario); }

  absl::StatusOr<std::string> ReadProc(const std::string& relative) const override {
    ++reads_[relative];
    return ReadWholeFile(proc_root_ + "/" + relative);
  }
  absl::StatusOr<std::string> ReadSys(const std::string& relative) const override {
    return absl::NotFoundError("no sysfs in tests: " + relative);
  }
  absl::StatusOr<FsUsage> StatFs(const std::string& mount_point) const override {
    statfs_calls_.push_back(mount_point);
    const auto it = statfs_.find(mount_point);
    if (it == statfs_.end()) return absl::UnavailableError("no figures for " + mount_point);
    return it->second;
  }

  absl::StatusOr<DeviceId> DeviceOf(const std::string& mount_point) const override {
    device_calls_.push_back(mount_point);
    const auto it = devices_.find(mount_point);
    if (it == devices_.end()) return absl::UnavailableError("no device for " + mount_point);
    return it->second;
  }

  // Directory listings and rootfs reads go through the production HostFs
  // over the same fixture tree; rootfs is unset (NotFound) until SetRootfs.
  absl::StatusOr<std::vector<std::string>> ListProc() const override {
    return Production().ListProc();
  }
  absl::StatusOr<size_t> CountProcDir(const std::string& relative) const override {
    return Production().CountProcDir(relative);
  }
  absl::StatusOr<std::string> ReadRoot(const std::string& relative) const override {
    if (rootfs_.empty()) return absl::NotFoundError("no rootfs in this test: " + relative);
    return Production().ReadRoot(relative);
  }
  void SetRootfs(const std::string& scenario) { rootfs_ = FixtureDir(scenario); }
  // ReadProc() calls whose path ends with `suffix` ("/cmdline"); ResetReads
  // starts counting afresh.
  int reads_ending(const std::string& suffix) const {
    int n = 0;
    for (const auto& [path, count] : reads_) {
      const bool match = path.size() >= suffix.size() &&
                         path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
      n += match ? count : 0;
    }
    return n;
  }
  void ResetReads() { reads_.clear(); }

  void SetStatFs(const std::string& mount_point, absl::StatusOr<FsUsage> usage) {
    statfs_.insert_or_assign(mount_point, std::move(usage));
  }
  const std::vector<std::string>& statfs_calls() const { return statfs_calls_; }
  void SetDevice(const std::string& mount_point, absl::StatusOr<DeviceId> device) {
    devices_.insert_or_assign(mount_point, std::move(device));
  }
  const std::vector<std::string>& device_calls() const { return device_calls_; }
  int reads(const std::string& relative) const {
    const auto it = reads_.find(relative);
    return it == reads_.end() ? 0 : it->second;
  }

 private:
  HostFs Production() const { return HostFs(HostRoots{proc_root_, "/nonexistent-sys", rootfs_}); }

  std::string proc_root_;
  std::string rootfs_;
  std::map<std::string, absl::StatusOr<FsUsage>> statfs_;
  std::map<std::string, absl::StatusOr<DeviceId>> devices_;
  mutable std::vector<std::string> statfs_calls_;
  mutable std::vector<std::string> device_calls_;
  mutable std::map<std::string, int> reads_;
};

inline int CountMetric(const std::vector<Sample>& samples, const std::string& metric) {
  int n = 0;
  for (const Sample& s : samples) n += s.key.metric == metric ? 1 : 0;
  return n;
}

// The value of the one sample with this metric and exactly these labels;
// records a failure (and returns NaN, which fails any EXPECT_NEAR) when
// there is none or more than one.
inline double ValueOf(const std::vector<Sample>& samples, const std::string& metric,
                      Labels labels = {}) {
  const SeriesKey want{metric, MakeLabels(std::move(labels))};
  const Sample* found = nullptr;
  for (const Sample& s : samples) {
    if (!(s.key == want)) continue;
    if (found != nullptr) {
      ADD_FAILURE() << "duplicate sample " << SeriesKeyString(want);
      return std::numeric_limits<double>::quiet_NaN();
    }
    found = &s;
  }
  if (found == nullptr) {
    ADD_FAILURE() << "no sample " << SeriesKeyString(want);
    return std::numeric_limits<double>::quiet_NaN();
  }
  return found->point.value;
}

inline bool HasSeries(const std::vector<Sample>& samples, const std::string& metric,
                      Labels labels = {}) {
  const SeriesKey want{metric, MakeLabels(std::move(labels))};
  for (const Sample& s : samples) {
    if (s.key == want) return true;
  }
  return false;
}

// One Collect() that must succeed; its samples.
inline std::vector<Sample> CollectOk(Plugin& plugin, int64_t now_ms) {
  VectorSink sink(now_ms);
  const absl::Status status = plugin.Collect(now_ms, sink);
  EXPECT_TRUE(status.ok()) << status;
  return std::move(sink.samples());
}

// The text of tests/fixtures/proc/<relative>.
inline std::string ReadFixture(const std::string& relative) {
  absl::StatusOr<std::string> text = ReadWholeFile(FixtureDir(relative));
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : std::string();
}

// A parser rejected its input, saying `needle`.
inline void ExpectInvalid(const absl::Status& status, const std::string& needle) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr(needle));
}

}  // namespace scout::agent::testing
