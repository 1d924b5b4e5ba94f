// Invalid UTF-8 in labels, end to end on the agent: a process name cut
// inside a character and a mount path with a stray byte (fixture
// tests/fixtures/proc/utf8_labels) are repaired with U+FFFD, counted, and
// the whole cycle is spooled and reads back.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "agent/agent_counters.h"
#include "agent/host/filesystem_plugin.h"
#include "agent/host/process_plugin.h"
#include "agent/scheduler.h"
#include "shared/spool.h"
#include "shared/clock.h"
#include "shared/utf8.h"
#include "tests/common/test_dir.h"
#include "tests/host/test_host_fs.h"

namespace scout::agent {
namespace {

using testing::FixtureHostFs;

const std::string kFffd = "\xEF\xBF\xBD";
const std::string kBadMount = "/mnt/\xFF" "disk";

FsUsage Usage() {
  FsUsage u;
  u.size_bytes = 1000;
  u.free_bytes = 500;
  u.avail_bytes = 400;
  u.files = 10;
  u.files_free = 5;
  return u;
}

// Label `name` of every sample of `metric`.
std::vector<std::string> ValuesOf(const std::vector<Sample>& samples, const std::string& metric,
                                  const std::string& name) {
  std::vector<std::string> out;
  for (const Sample& s : samples) {
    if (s.key.metric == metric) out.push_back(LabelValue(s.key.labels, name));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::unique_ptr<Plugin>> Plugins(const FixtureHostFs& host, bool processes,
                                             bool filesystem) {
  std::vector<std::unique_ptr<Plugin>> plugins;
  if (processes) {
    auto p = NewProcessPlugin(host, ProcessOptions{});
    EXPECT_TRUE(p.ok()) << p.status();
    plugins.push_back(*std::move(p));
  }
  if (filesystem) plugins.push_back(NewFilesystemPlugin(host));
  return plugins;
}

class Utf8LabelsTest : public ::testing::Test {
 protected:
  Utf8LabelsTest() : host_("utf8_labels") {
    host_.SetStatFs("/", Usage());
    host_.SetStatFs(kBadMount, Usage());
  }
  FixtureHostFs host_;
  ManualClock clock_{1'764'200'000'000};
  AgentCounters counters_;
};

TEST_F(Utf8LabelsTest, ProcessNameCutInsideACharacterIsRepairedAndCountedOnce) {
  Scheduler scheduler(Plugins(host_, true, false), "host-a", clock_, counters_);
  const std::vector<Sample> samples = scheduler.RunCycle(1'764'200'010'000);
  // pid 100 is on several series (memory, threads, ...): one bad string.
  EXPECT_EQ(counters_.labels_sanitized.load(), 1u);
  const auto names = ValuesOf(samples, "scout_process_resident_memory_bytes", "name");
  EXPECT_EQ(names, (std::vector<std::string>{"node" + kFffd, "systemd"}));
  for (const Sample& s : samples) {
    for (const auto& [n, v] : s.key.labels) EXPECT_TRUE(IsValidUtf8(v)) << s.key.metric;
    EXPECT_TRUE(std::is_sorted(s.key.labels.begin(), s.key.labels.end()));
  }
  // A second cycle with the same process counts it again: the counter says
  // how many bad strings per cycle, so a steady rate means a steady source.
  scheduler.RunCycle(1'764'200'020'000);
  EXPECT_EQ(counters_.labels_sanitized.load(), 2u);
}

TEST_F(Utf8LabelsTest, MountPathWithAStrayByteIsRepairedAndCountedOnce) {
  Scheduler scheduler(Plugins(host_, false, true), "host-a", clock_, counters_);
  const std::vector<Sample> samples = scheduler.RunCycle(1'764'200'010'000);
  EXPECT_EQ(counters_.labels_sanitized.load(), 1u);
  EXPECT_EQ(ValuesOf(samples, "node_filesystem_size_bytes", "mountpoint"),
            (std::vector<std::string>{"/", "/mnt/" + kFffd + "disk"}));
}

// The whole cycle of both plugins goes into the spool and every batch reads
// back (before the fix, protobuf refused to parse the batch holding the bad
// label, and the cycle's samples in it were never sent).
TEST_F(Utf8LabelsTest, WholeCycleIsSpooledAndReadsBack) {
  Scheduler scheduler(Plugins(host_, true, true), "host-a", clock_, counters_);
  const std::vector<Sample> samples = scheduler.RunCycle(1'764'200'010'000);
  EXPECT_EQ(counters_.labels_sanitized.load(), 2u);

  scout::testing::TestDir dir{"scout-utf8-spool"};
  SpoolOptions options;
  options.dir = dir / "spool";
  options.fsync = false;
  auto spool = Spool::Open(options, clock_);
  ASSERT_TRUE(spool.ok()) << spool.status();
  // Small batches, so the bad labels and the good ones land in several.
  const std::vector<v1::Batch> batches = MakeBatches(samples, 512);
  ASSERT_GT(batches.size(), 2u);
  for (const v1::Batch& b : batches) ASSERT_TRUE((*spool)->Append(b).ok());

  size_t points = 0;
  std::vector<std::string> seen;
  for (uint64_t seq : (*spool)->Pending()) {
    auto batch = (*spool)->Read(seq);
    ASSERT_TRUE(batch.has_value()) << "batch " << seq << " does not read back";
    for (const v1::Series& series : batch->series()) {
      points += series.points_size();
      for (const v1::Label& l : series.labels()) {
        if (l.value() == "node" + kFffd || l.value() == "/mnt/" + kFffd + "disk") {
          seen.push_back(l.value());
        }
      }
    }
  }
  EXPECT_EQ(points, samples.size());
  EXPECT_NE(std::find(seen.begin(), seen.end(), "node" + kFffd), seen.end());
  EXPECT_NE(std::find(seen.begin(), seen.end(), "/mnt/" + kFffd + "disk"), seen.end());
  EXPECT_EQ((*spool)->stats().dropped_batches, 0u);
}

TEST(SanitizeSamples, RepairsNamesAndValuesAndKeepsLabelsSorted) {
  std::vector<Sample> samples = {
      {SeriesKey{"m\xC3", MakeLabels({{"b\xFF", "x"}, {"a", "v\xE2\x82"}})}, Point{1, 1}},
      {SeriesKey{"m", MakeLabels({{"a", "v\xE2\x82"}})}, Point{1, 2}},
      {SeriesKey{"ok", MakeLabels({{"a", "fine \xC3\xA9"}})}, Point{1, 3}},
  };
  // Distinct bad strings: "m\xC3", "b\xFF", "v\xE2\x82" (twice) -> 3.
  EXPECT_EQ(SanitizeSamples(samples), 3u);
  EXPECT_EQ(samples[0].key.metric, "m" + kFffd);
  EXPECT_EQ(samples[0].key.labels,
            (Labels{{"a", "v" + kFffd}, {"b" + kFffd, "x"}}));
  EXPECT_EQ(samples[1].key.labels, (Labels{{"a", "v" + kFffd}}));
  EXPECT_EQ(samples[2].key.labels, (Labels{{"a", "fine \xC3\xA9"}}));
}

}  // namespace
}  // namespace scout::agent
