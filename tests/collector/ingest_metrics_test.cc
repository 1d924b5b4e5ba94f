// Issue 17's ingestion metrics: the commit histograms and the store's size
// on disk. The histogram on literal input; the write queue's observations
// with a clock the storage advances inside Write() (so durations are
// exact); SqliteStorage's disk size against the files; then a real
// collector over loopback HTTP: /metrics has the new series non-empty
// (promtool check metrics accepts the histograms) and the stored
// self-series answer the dashboard's histogram_quantile.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "collector/collector_server.h"
#include "collector/histogram.h"
#include "collector/storage/sqlite_storage.h"
#include "collector/write_queue.h"
#include "shared/clock.h"
#include "shared/metric_catalog.h"
#include "shared/prom_text.h"
#include "tests/common/loopback_collector_config.h"
#include "tests/common/test_dir.h"
#include "tests/common/test_storage.h"
#include "tests/http/http_client.h"

namespace scout::collector {
namespace {

namespace fs = std::filesystem;

double ValueOf(const std::vector<SeriesPoints>& series, const std::string& metric,
               const std::string& le = "") {
  for (const SeriesPoints& s : series) {
    if (s.key.metric == metric && LabelValue(s.key.labels, "le") == le) return s.points.back().value;
  }
  ADD_FAILURE() << "no " << metric << " le=" << le;
  return NAN;
}

TEST(HistogramTest, CumulativeBucketsInclusiveBoundsSumAndCount) {
  Histogram h({1, 2, 5});
  for (double v : {0.5, 1.0, 1.5, 7.0, std::nan("")}) h.Observe(v);  // NaN ignored
  const auto series = HistogramSeries("x_seconds", h, {{"host", "c"}}, 1000);
  ASSERT_EQ(series.size(), 6u);  // 3 bounds + Inf + sum + count
  EXPECT_EQ(ValueOf(series, "x_seconds_bucket", "1"), 2);  // 1.0 is in le=1
  EXPECT_EQ(ValueOf(series, "x_seconds_bucket", "2"), 3);
  EXPECT_EQ(ValueOf(series, "x_seconds_bucket", "5"), 3);
  EXPECT_EQ(ValueOf(series, "x_seconds_bucket", "+Inf"), 4);
  EXPECT_EQ(ValueOf(series, "x_seconds_sum"), 10);
  EXPECT_EQ(ValueOf(series, "x_seconds_count"), 4);
  for (const SeriesPoints& s : series) {
    EXPECT_EQ(LabelValue(s.key.labels, "host"), "c");
    EXPECT_EQ(s.points.at(0).timestamp_ms, 1000);
  }
}

TEST(HistogramTest, LeLabelsAsPrometheusWritesThem) {
  const auto seconds = HistogramSeries("d", Histogram(CommitSecondsBounds()), {}, 0);
  EXPECT_EQ(LabelValue(seconds.front().key.labels, "le"), "0.0005");
  EXPECT_EQ(LabelValue(seconds[seconds.size() - 4].key.labels, "le"), "10");  // before +Inf, sum, count
  const auto samples = HistogramSeries("s", Histogram(CommitSamplesBounds()), {}, 0);
  EXPECT_EQ(LabelValue(samples[samples.size() - 4].key.labels, "le"), "1000000");
  const auto batches = HistogramSeries("b", Histogram(CommitBatchesBounds()), {}, 0);
  EXPECT_EQ(LabelValue(batches[batches.size() - 4].key.labels, "le"), "1024");
}

TEST(HistogramTest, ExpositionGroupsTheFamilyUnderOneTypeLine) {
  for (const char* name : {"scout_storage_commit_duration_seconds",
                           "scout_storage_commit_duration_seconds_bucket",
                           "scout_storage_commit_batches", "scout_storage_commit_samples_count"}) {
    const MetricInfo* info = FindMetric(name);  // docs/metrics.md says so
    ASSERT_NE(info, nullptr) << name;
    EXPECT_EQ(info->type, "histogram") << name;
  }
  EXPECT_EQ(FindMetric("scout_storage_commit_duration_seconds")->unit, "seconds");
  EXPECT_EQ(FindMetric("scout_storage_size_bytes")->type, "gauge");
  Histogram h(CommitSecondsBounds());
  h.Observe(0.003);
  std::vector<PromSample> samples;
  for (const SeriesPoints& s : HistogramSeries("scout_storage_commit_duration_seconds", h, {}, 0)) {
    samples.push_back({s.key.metric, s.key.labels, s.points.back().value});
  }
  const std::string text = WritePromText(std::move(samples));
  EXPECT_NE(text.find("# TYPE scout_storage_commit_duration_seconds histogram\n"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("# TYPE scout_storage_commit_duration_seconds_bucket"), std::string::npos) << text;
  EXPECT_NE(text.find("scout_storage_commit_duration_seconds_bucket{le=\"0.005\"} 1\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("scout_storage_commit_duration_seconds_count 1\n"), std::string::npos);
}

// Delegates to a real storage; every Write() takes `write_time` of `clock`.
class SlowWrites final : public Storage {
 public:
  SlowWrites(Storage& inner, ManualClock& clock, std::chrono::milliseconds write_time)
      : inner_(inner), clock_(clock), write_time_(write_time) {}
  absl::Status Write(const std::vector<const WriteBatch*>& batches) override {
    clock_.Advance(write_time_);
    return inner_.Write(batches);
  }
  absl::Status UpsertAgent(const AgentRecord& a) override { return inner_.UpsertAgent(a); }
  absl::Status Maintain() override { return inner_.Maintain(); }
  absl::StatusOr<std::vector<AgentRecord>> ListAgents() const override { return inner_.ListAgents(); }
  absl::StatusOr<Limited<SeriesKey>> ListSeries(const CompiledSelector& s, size_t limit) const override {
    return inner_.ListSeries(s, limit);
  }
  absl::Status VisitRange(const CompiledSelector& s, int64_t start, int64_t end, size_t limit,
                          ReadBudget& budget, const SeriesVisitor& visit, bool* truncated) const override {
    return inner_.VisitRange(s, start, end, limit, budget, visit, truncated);
  }
  absl::StatusOr<Limited<SeriesPoints>> Latest(const CompiledSelector& s, size_t limit) const override {
    return inner_.Latest(s, limit);
  }
  absl::Status VisitRollups(const CompiledSelector& s, RollupTier tier, int64_t start, int64_t end,
                            size_t limit, ReadBudget& budget, const RollupVisitor& visit,
                            bool* truncated) const override {
    return inner_.VisitRollups(s, tier, start, end, limit, budget, visit, truncated);
  }
  TierCoverage Coverage() const override { return inner_.Coverage(); }
  absl::StatusOr<StorageStats> Stats() const override { return inner_.Stats(); }
  StorageGauges Gauges() const override { return inner_.Gauges(); }
  bool HasSeries(const SeriesKey& key) const override { return inner_.HasSeries(key); }

 private:
  Storage& inner_;
  ManualClock& clock_;
  const std::chrono::milliseconds write_time_;
};

WriteBatch Batch(const std::string& agent, int series) {
  WriteBatch b;
  b.agent_id = agent;
  for (int k = 0; k < series; ++k) {
    b.series.push_back({{"m", MakeLabels({{"i", std::to_string(k)}})}, {{1'700'000'000'000, 1.0}}});
  }
  return b;
}

TEST(WriteQueueMetricsTest, OneObservationPerGroupCommit) {
  scout::testing::TestDir dir("scout-ingest-metrics");
  ManualClock clock(1'700'000'000'000);
  auto storage = scout::testing::OpenTestStorage(dir.path(), clock);
  ASSERT_NE(storage, nullptr);
  SlowWrites slow(*storage, clock, std::chrono::milliseconds(3));
  WriteQueue queue(slow, WriteQueueOptions{}, clock);
  // Queued before the writer starts: one group commit of 3 batches, 30 samples.
  for (const char* agent : {"a", "b", "c"}) queue.Submit(Batch(agent, 10), [](const absl::Status&) {});
  queue.Start();
  queue.Stop();
  const WriteStats w = queue.stats();
  ASSERT_EQ(w.commits, 1u);
  const auto at = [](const Histogram& h, double le) {  // cumulative count at `le`
    uint64_t n = 0;
    for (size_t i = 0; i < h.bounds().size() && h.bounds()[i] <= le; ++i) n += h.counts()[i];
    return n;
  };
  EXPECT_EQ(w.commit_seconds.count(), 1u);
  EXPECT_NEAR(w.commit_seconds.sum(), 0.003, 1e-9);
  EXPECT_EQ(at(w.commit_seconds, 0.0025), 0u);
  EXPECT_EQ(at(w.commit_seconds, 0.005), 1u);
  EXPECT_EQ(w.commit_batches.count(), 1u);
  EXPECT_EQ(w.commit_batches.sum(), 3);
  EXPECT_EQ(at(w.commit_batches, 2), 0u);
  EXPECT_EQ(at(w.commit_batches, 4), 1u);
  EXPECT_EQ(w.commit_samples.sum(), 30);
  EXPECT_EQ(at(w.commit_samples, 10), 0u);
  EXPECT_EQ(at(w.commit_samples, 100), 1u);
}

TEST(WriteQueueMetricsTest, AgentRecordsAloneAreNotACommit) {
  scout::testing::TestDir dir("scout-ingest-metrics");
  ManualClock clock(1'700'000'000'000);
  auto storage = scout::testing::OpenTestStorage(dir.path(), clock);
  ASSERT_NE(storage, nullptr);
  WriteQueue queue(*storage, WriteQueueOptions{}, clock);
  AgentRecord agent;
  agent.agent_id = "a";
  queue.SubmitAgent(agent, [](const absl::Status&) {});
  queue.Start();
  queue.Stop();
  EXPECT_EQ(queue.stats().commit_seconds.count(), 0u);
}

int64_t FilesBytes(const fs::path& db) {
  int64_t total = 0;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    const auto size = fs::file_size(db.string() + suffix, ec);
    if (!ec) total += static_cast<int64_t>(size);
  }
  return total;
}

TEST(StorageSizeTest, DiskBytesIsTheFilesAndFollowsMaintain) {
  scout::testing::TestDir dir("scout-storage-size");
  ManualClock clock(1'700'000'000'000);
  SqliteOptions options;
  options.path = dir / "scout.db";
  options.disk_size_interval = std::chrono::seconds(5);
  auto storage = SqliteStorage::Open(options, clock);
  ASSERT_TRUE(storage.ok()) << storage.status();
  const int64_t at_open = (*storage)->Gauges().disk_bytes;
  EXPECT_GT(at_open, 0);  // measured at open: the schema is there
  EXPECT_EQ(at_open, FilesBytes(options.path));

  const WriteBatch big = Batch("a", 5000);
  ASSERT_TRUE((*storage)->Write({&big}).ok());
  ASSERT_GT(FilesBytes(options.path), at_open);  // the WAL grew
  // Not measured on the reader's call: unchanged until Maintain() is due.
  EXPECT_EQ((*storage)->Gauges().disk_bytes, at_open);
  ASSERT_TRUE((*storage)->Maintain().ok());  // due: first call after open
  const int64_t measured = (*storage)->Gauges().disk_bytes;
  EXPECT_GT(measured, at_open);

  const WriteBatch more = Batch("b", 5000);
  ASSERT_TRUE((*storage)->Write({&more}).ok());
  ASSERT_TRUE((*storage)->Maintain().ok());  // within the interval: not re-measured
  EXPECT_EQ((*storage)->Gauges().disk_bytes, measured);
  clock.Advance(std::chrono::seconds(5));
  ASSERT_TRUE((*storage)->Maintain().ok());
  (*storage)->RefreshDiskBytes();  // whatever Maintain() changed since
  EXPECT_EQ((*storage)->Gauges().disk_bytes, FilesBytes(options.path));
  EXPECT_GT((*storage)->Gauges().disk_bytes, measured);
}

// The first sample value of `name{...}` lines in exposition `text` (any labels).
double Scraped(const std::string& text, const std::string& prefix) {
  const size_t at = text.find("\n" + prefix);
  if (at == std::string::npos) return NAN;
  const size_t end = text.find('\n', at + 1);
  const std::string line = text.substr(at + 1, end - at - 1);
  return std::stod(line.substr(line.rfind(' ') + 1));
}

TEST(IngestMetricsLoopbackTest, MetricsAndStoredSeriesAfterCommits) {
  scout::testing::TestDir dir("scout-ingest-metrics-http");
  CollectorConfig config = scout::testing::LoopbackCollectorConfig(dir);
  config.self_interval = std::chrono::milliseconds(200);  // self-metrics: one commit each
  SystemClock clock;
  auto server = CollectorServer::Start(config, clock);
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string base = "http://127.0.0.1:" + std::to_string((*server)->http_port());
  auto get = [&](const std::string& path) {
    scout::testing::HttpCall call;
    call.url = base + path;
    return scout::testing::Fetch(call);
  };

  // Wait for a few self-metrics commits (and a Maintain() after them).
  std::string text;
  for (int i = 0; i < 100; ++i) {
    auto r = get("/metrics");
    ASSERT_EQ(r.code, 200);
    text = r.body;
    if (Scraped(text, "scout_storage_commit_duration_seconds_count") >= 8) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(Scraped(text, "scout_storage_commit_duration_seconds_count"), 8) << text;
  EXPECT_GT(Scraped(text, "scout_storage_commit_duration_seconds_sum"), 0);
  EXPECT_GE(Scraped(text, "scout_storage_commit_batches_count"), 8);
  EXPECT_GT(Scraped(text, "scout_storage_commit_samples_sum"), 8 * 30);  // ~40 self series each
  EXPECT_GT(Scraped(text, "scout_storage_size_bytes"), 4096);
  EXPECT_NE(text.find("# TYPE scout_storage_commit_duration_seconds histogram"), std::string::npos);
  EXPECT_NE(text.find("# TYPE scout_storage_size_bytes gauge"), std::string::npos);

  // promtool's linter accepts the histograms (le order, +Inf, _sum/_count).
  std::ofstream(dir / "metrics.txt") << text;
  const std::string cmd = "promtool check metrics < '" + (dir / "metrics.txt") + "' > '" +
                          (dir / "promtool.out") + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream said(dir / "promtool.out");
  EXPECT_EQ(WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, 0) << std::string(std::istreambuf_iterator<char>(said), {});

  // Stored like the other self-series: the dashboard's queries answer.
  for (const std::string& q :
       {std::string("histogram_quantile(0.99,sum by (le)(rate(scout_storage_commit_duration_seconds_bucket[1m])))"),
        std::string("scout_storage_size_bytes")}) {
    char* escaped = curl_easy_escape(nullptr, q.c_str(), 0);
    const std::string query(escaped);
    curl_free(escaped);
    auto r = get("/api/v1/query?query=" + query);
    ASSERT_EQ(r.code, 200) << r.body;
    const auto json = nlohmann::json::parse(r.body);
    ASSERT_EQ(json["status"], "success") << r.body;
    ASSERT_EQ(json["data"]["result"].size(), 1u) << q << ": " << r.body;
    const double v = std::stod(json["data"]["result"][0]["value"][1].get<std::string>());
    EXPECT_GT(v, 0) << q;
    std::printf("%s = %g\n", q.c_str(), v);
  }
  (*server)->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
}

}  // namespace
}  // namespace scout::collector
