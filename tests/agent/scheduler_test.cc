#include "agent/scheduler.h"

#include <gtest/gtest.h>

#include "agent/plugin_registry.h"
#include "tests/common/test_dir.h"

#include <condition_variable>
#include <mutex>

namespace scout::agent {
namespace {

class FakePlugin final : public Plugin {
 public:
  explicit FakePlugin(bool* fail) : fail_(fail) {}
  std::string_view name() const override { return "fake"; }
  absl::Status Collect(int64_t, SampleSink& sink) override {
    sink.Add("fake_value", {{"zone", "a"}}, 1.5);
    if (*fail_) return absl::UnavailableError("broken");
    sink.Add("fake_other", {}, 2.5);
    return absl::OkStatus();
  }

 private:
  bool* fail_;
};

TEST(Scheduler, StampsCycleTimeAndHostLabelAndKeepsPartialResults) {
  bool fail = false;
  std::vector<std::unique_ptr<Plugin>> plugins;
  plugins.push_back(std::make_unique<FakePlugin>(&fail));
  ManualClock clock(1'764'200'000'000);
  AgentCounters counters;
  Scheduler scheduler(std::move(plugins), "web-1", clock, counters);

  auto samples = scheduler.RunCycle(1'764'200'000'000);
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].key.metric, "fake_value");
  EXPECT_EQ(samples[0].key.labels, MakeLabels({{"host", "web-1"}, {"zone", "a"}}));
  EXPECT_EQ(samples[0].point.timestamp_ms, 1'764'200'000'000);

  fail = true;
  clock.Advance(std::chrono::seconds(10));
  samples = scheduler.RunCycle(1'764'200'010'000);
  ASSERT_EQ(samples.size(), 1u);  // what came before the error is kept
  EXPECT_EQ(samples[0].point.timestamp_ms, 1'764'200'010'000);
}

// Blocks in Collect() until released, counting calls.
class HangingPlugin final : public Plugin {
 public:
  std::string_view name() const override { return "hang"; }
  absl::Status Collect(int64_t, SampleSink& sink) override {
    std::unique_lock<std::mutex> lock(mu);
    ++calls;
    cv.wait(lock, [this] { return released; });
    sink.Add("hang_value", {}, 1);
    return absl::OkStatus();
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu);
    released = true;
    cv.notify_all();
  }
  int Calls() {
    std::lock_guard<std::mutex> lock(mu);
    return calls;
  }
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  int calls = 0;
};

TEST(Scheduler, HungPluginIsSkippedAndNeverStartedTwice) {
  bool fail = false;
  auto hanging = std::make_unique<HangingPlugin>();
  HangingPlugin* hang = hanging.get();
  std::vector<std::unique_ptr<Plugin>> plugins;
  plugins.push_back(std::move(hanging));
  plugins.push_back(std::make_unique<FakePlugin>(&fail));
  ManualClock clock(1'764'200'000'000);
  AgentCounters counters;
  Scheduler scheduler(std::move(plugins), "web-1", clock, counters, std::chrono::milliseconds(200));

  const auto start = std::chrono::steady_clock::now();
  auto samples = scheduler.RunCycle(1'764'200'000'000);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  ASSERT_EQ(samples.size(), 2u);  // the healthy plugin's two samples
  EXPECT_EQ(samples[0].key.metric, "fake_value");

  samples = scheduler.RunCycle(1'764'200'010'000);
  EXPECT_EQ(samples.size(), 2u);
  EXPECT_EQ(hang->Calls(), 1);  // not started again while stuck

  hang->Release();
  // Once it has returned it runs again and its result counts.
  for (int i = 0; i < 50 && hang->Calls() < 2; ++i) {
    samples = scheduler.RunCycle(1'764'200'020'000 + i);
  }
  EXPECT_EQ(hang->Calls(), 2);
  bool saw_hang = false;
  for (const Sample& s : samples) saw_hang |= s.key.metric == "hang_value";
  EXPECT_TRUE(saw_hang);
}

// The agent's --alive-file hangs off after_cycle: it must run every cycle,
// and only once that cycle's batches are in the spool.
TEST(Scheduler, AfterCycleRunsOnceTheCycleIsInTheSpool) {
  bool fail = false;
  std::vector<std::unique_ptr<Plugin>> plugins;
  plugins.push_back(std::make_unique<FakePlugin>(&fail));
  SystemClock clock;  // the loop sleeps on the real clock
  AgentCounters counters;
  scout::testing::TestDir dir("scout-scheduler");
  SpoolOptions options;
  options.dir = dir / "spool";
  options.fsync = false;
  auto spool = Spool::Open(options, clock);
  ASSERT_TRUE(spool.ok()) << spool.status();
  Scheduler scheduler(std::move(plugins), "web-1", clock, counters,
                      std::chrono::milliseconds(40));

  std::mutex mu;
  std::condition_variable cv;
  std::vector<uint64_t> last_seq_seen;
  scheduler.Start(std::chrono::milliseconds(50), 1 << 20, **spool, [&] {
    std::lock_guard<std::mutex> lock(mu);
    last_seq_seen.push_back((*spool)->last_seq());
    cv.notify_all();
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(5),
                            [&] { return last_seq_seen.size() >= 3; }));
  }
  scheduler.Stop();
  // One small batch per cycle, appended before the callback ran.
  for (size_t i = 0; i < last_seq_seen.size(); ++i) EXPECT_EQ(last_seq_seen[i], i + 1);
}

TEST(MakeBatches, OneSeriesPerKey) {
  std::vector<Sample> samples = {
      {{"m", MakeLabels({{"host", "a"}})}, {1, 1.0}},
      {{"m", MakeLabels({{"host", "b"}})}, {1, 2.0}},
      {{"m", MakeLabels({{"host", "a"}})}, {2, 3.0}},
  };
  auto batches = MakeBatches(samples, 1 << 20);
  ASSERT_EQ(batches.size(), 1u);
  const v1::Batch& b = batches[0];
  ASSERT_EQ(b.series_size(), 2);
  EXPECT_EQ(b.series(0).points_size(), 2);
  EXPECT_EQ(b.series(0).points(1).value(), 3.0);
}

TEST(MakeBatches, SplitsBelowTheByteLimitWithoutLosingSamples) {
  std::vector<Sample> samples;
  for (int i = 0; i < 1000; ++i) {
    samples.push_back({{"metric_with_a_long_name", MakeLabels({{"series", std::to_string(i)}})},
                       {1'764'200'000'000, static_cast<double>(i)}});
  }
  auto batches = MakeBatches(samples, 4096);
  ASSERT_GT(batches.size(), 5u);
  size_t series = 0;
  for (const auto& b : batches) {
    EXPECT_LE(b.ByteSizeLong(), 4096u);
    series += static_cast<size_t>(b.series_size());
  }
  EXPECT_EQ(series, 1000u);
}

TEST(PluginRegistry, UnknownNameListsKnownOnes) {
  PluginRegistry registry;
  RegisterBuiltinPlugins(registry);
  HostFs host(HostRoots{});
  ManualClock clock(0);
  AgentConfig config;
  AgentCounters counters;
  auto plugins = registry.Create({"cpu", "gpu"}, {host, clock, config, counters, nullptr});
  ASSERT_FALSE(plugins.ok());
  EXPECT_NE(plugins.status().message().find("unknown collector 'gpu' (known: agent, cpu, diskio, filesystem, load, memory, network, postgres, pressure, probes, processes, synthetic)"),
            std::string::npos)
      << plugins.status().message();
  EXPECT_TRUE(registry.Create(DefaultPluginNames(), {host, clock, config, counters, nullptr}).ok());
}

}  // namespace
}  // namespace scout::agent
