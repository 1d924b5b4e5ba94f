// Same answers as Prometheus, end to end over HTTP (issue 17):
//   1. a real Prometheus 2.42 (/usr/bin/prometheus) on a free loopback port,
//      its remote-write receiver on and an out-of-order window large enough
//      for three hours of history;
//   2. the real scout-collector binary, its HTTP port on another free port,
//      with a `remote_write:` target at Prometheus's /api/v1/write;
//   3. the dataset of compare_corpus.h (counter resets, gaps, irregular
//      scrapes, and here staleness markers too) is POSTed to Scout's
//      /api/v1/write (remote write in); Scout commits it and its remote
//      write out forwards every sample to Prometheus;
//   4. once Scout's queue is empty and Prometheus counts every sample, the
//      whole corpus runs against both HTTP APIs (instant at several times,
//      and range) and the answers are compared series by series with the
//      rules of compare_corpus.h (1e-9 relative; both sides refuse alike).
// Both processes are stopped by pid at the end, on failure too (and die
// with the test through PR_SET_PDEATHSIG).
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "collector/remote_write/remote_write_codec.h"
#include "tests/common/free_port.h"
#include "tests/promql/compare_corpus.h"

namespace scout::collector::promql::compare {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// The metrics of the dataset, for the sample count.
constexpr char kDatasetSelector[] =
    "{__name__=~\"http_requests_total|cpu_usage|memory_bytes|host_info|req_duration_seconds_bucket\"}";

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One keep-alive connection to one server.
class HttpClient {
 public:
  explicit HttpClient(std::string base) : base_(std::move(base)), curl_(curl_easy_init()) {}
  ~HttpClient() { curl_easy_cleanup(curl_); }
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // GET base + path; the body ("" on a transport error), *status the code.
  std::string Get(const std::string& path, long* status) {
    return Perform(path, nullptr, nullptr, status);
  }

  // POST of a remote-write body.
  std::string PostWrite(const std::string& path, const std::string& body, long* status) {
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Content-Encoding: snappy");
    headers = curl_slist_append(headers, "Content-Type: application/x-protobuf");
    headers = curl_slist_append(headers, "X-Prometheus-Remote-Write-Version: 0.1.0");
    std::string out = Perform(path, &body, headers, status);
    curl_slist_free_all(headers);
    return out;
  }

  std::string Escape(const std::string& s) {
    char* e = curl_easy_escape(curl_, s.c_str(), static_cast<int>(s.size()));
    std::string out(e);
    curl_free(e);
    return out;
  }

 private:
  std::string Perform(const std::string& path, const std::string* post, curl_slist* headers,
                      long* status) {
    curl_easy_reset(curl_);
    std::string out;
    const std::string url = base_ + path;
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, Collect);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 30L);
    if (post != nullptr) {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, post->data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(post->size()));
      curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
    }
    *status = 0;
    if (curl_easy_perform(curl_) == CURLE_OK) {
      curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, status);
    }
    return out;
  }

  const std::string base_;
  CURL* const curl_;
};

// A child process, stopped by pid (SIGTERM, then SIGKILL after 20 s).
class Child {
 public:
  ~Child() { Stop(); }

  // argv[0] is the binary; stdout and stderr go to `log`.
  void Start(const std::vector<std::string>& argv, const fs::path& log) {
    pid_ = fork();
    if (pid_ != 0) return;
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive a crashed test
    FILE* out = std::freopen(log.c_str(), "a", stdout);
    (void)out;
    dup2(fileno(stdout), fileno(stderr));
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }

  bool Running() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (waitpid(pid_, nullptr, WNOHANG) == 0) {
      if (Clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

// Polls `ready` every 200 ms until it is true or `seconds` pass.
bool WaitFor(int seconds, const std::function<bool()>& ready) {
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return ready();
}

// The value of `name{...,target="prom",...}` in a /metrics text (-1 when
// absent).
double MetricValue(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + "{", 0) != 0 || line.find("target=\"prom\"") == std::string::npos) {
      continue;
    }
    const size_t end = line.rfind("} ");
    if (end != std::string::npos) return std::strtod(line.c_str() + end + 2, nullptr);
  }
  return -1;
}

class HttpCompare : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists("/usr/bin/prometheus")) GTEST_SKIP() << "prometheus not installed";
    dir_ = fs::temp_directory_path() / ("scout-http-compare-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // Recent data: within the collector's default max_sample_age and raw
    // retention (15 d), so every query reads raw points as Prometheus does.
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    t0_ = now_ms / 1000 * 1000 - kSpan - 15 * kM;
    DatasetOptions options;
    options.t0_ms = t0_;
    options.staleness_markers = true;
    data_ = MakeDataset(options);
    StartPrometheus();
    StartScout();
  }

  void TearDown() override {
    scout_.Stop();
    prometheus_.Stop();
    if (!dir_.empty() && !HasFailure()) fs::remove_all(dir_);
    if (HasFailure()) std::printf("logs kept in %s\n", dir_.c_str());
  }

  void StartPrometheus() {
    const int port = scout::testing::FreeLoopbackPort();
    std::ofstream(dir_ / "prometheus.yml") << "global:\n  scrape_interval: 1m\n"
                                              "storage:\n  tsdb:\n"
                                              "    out_of_order_time_window: 1d\n";
    prometheus_.Start({"/usr/bin/prometheus", "--config.file=" + (dir_ / "prometheus.yml").string(),
                       "--storage.tsdb.path=" + (dir_ / "prom-data").string(),
                       "--web.listen-address=127.0.0.1:" + std::to_string(port),
                       "--web.enable-remote-write-receiver", "--query.lookback-delta=5m",
                       "--log.level=warn"},
                      dir_ / "prometheus.log");
    prom_url_ = "http://127.0.0.1:" + std::to_string(port);
    prom_ = std::make_unique<HttpClient>(prom_url_);
    long status = 0;
    ASSERT_TRUE(WaitFor(60, [&] {
      prom_->Get("/-/ready", &status);
      return status == 200;
    })) << "Prometheus not ready; see " << (dir_ / "prometheus.log");
  }

  void StartScout() {
    const int http_port = scout::testing::FreeLoopbackPort();
    std::ofstream(dir_ / "collector.yaml")
        << "http:\n  listen: 127.0.0.1:" << http_port << "\n"
        // ~1,500 queries as fast as they come from one address: not what
        // the per-caller rate limit is for.
        << "  rate_limit: {requests_per_second: 0}\n"
        << "storage:\n  synchronous: normal\n"
        << "remote_write:\n"
        << "  - name: prom\n"
        << "    url: " << prom_url_ << "/api/v1/write\n"
        << "    queue: {batch_send_deadline: 200ms, max_samples_per_send: 2000, shards: 2}\n";
    scout_.Start({SCOUT_COLLECTOR_BIN, "--config", (dir_ / "collector.yaml").string(), "--listen",
                  "127.0.0.1:0", "--db", (dir_ / "scout.db").string(), "--ready-file",
                  (dir_ / "ready").string()},
                 dir_ / "collector.log");
    scout_url_ = "http://127.0.0.1:" + std::to_string(http_port);
    scout_http_ = std::make_unique<HttpClient>(scout_url_);
    long status = 0;
    ASSERT_TRUE(WaitFor(60, [&] {
      scout_http_->Get("/-/ready", &status);
      return status == 200 || !scout_.Running();
    }) && status == 200)
        << "scout-collector not ready; see " << (dir_ / "collector.log");
  }

  // The dataset into Scout by remote write, in 20-minute slices of every
  // series (each series' samples in time order, as a scraper sends them).
  // Returns the number of samples that are not staleness markers.
  size_t Feed() {
    size_t samples = 0;
    for (int64_t from = t0_ - kM; from < t0_ + kSpan; from += 20 * kM) {
      std::vector<SeriesPoints> slice;
      for (const SeriesPoints& sp : data_.series()) {
        SeriesPoints part;
        part.key = sp.key;
        for (const Point& p : sp.points) {
          if (p.timestamp_ms < from || p.timestamp_ms >= from + 20 * kM) continue;
          part.points.push_back(p);
          if (!remote_write::IsStaleNaN(p.value)) ++samples;
        }
        if (!part.points.empty()) slice.push_back(std::move(part));
      }
      std::vector<const SeriesPoints*> ptrs;
      for (const SeriesPoints& sp : slice) ptrs.push_back(&sp);
      const std::string body =
          remote_write::EncodeWriteRequest(remote_write::ToWriteRequest(ptrs));
      long status = 0;
      std::string reply;
      for (int attempt = 0; attempt < 20; ++attempt) {  // 503: retry, as a sender does
        reply = scout_http_->PostWrite("/api/v1/write", body, &status);
        if (status != 503) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
      }
      EXPECT_EQ(status, 204) << reply;
    }
    return samples;
  }

  // sum(count_over_time(dataset)) over everything, from one server.
  double CountSamples(HttpClient& client) {
    const std::string q = std::string("sum(count_over_time(") + kDatasetSelector + "[4h]))";
    long status = 0;
    const json r = json::parse(client.Get("/api/v1/query?query=" + client.Escape(q) + "&time=" +
                                              ApiSeconds(t0_ + kSpan + 10 * kM),
                                          &status),
                               nullptr, false);
    if (status != 200 || !r.is_object() || r["data"]["result"].empty()) return -1;
    return std::strtod(r["data"]["result"][0]["value"][1].get<std::string>().c_str(), nullptr);
  }

  json Query(HttpClient& client, const std::string& path_and_params) {
    long status = 0;
    const std::string body = client.Get(path_and_params, &status);
    EXPECT_TRUE(status == 200 || status == 400 || status == 422)
        << status << " " << path_and_params << ": " << body;
    json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
    return parsed.is_object() ? parsed : json::object();
  }

  // One query against both APIs; differences appended to diffs_.
  void Check(const std::string& what, const std::string& path_and_params, int64_t t_ms) {
    const json want = Query(*prom_, path_and_params);
    const json got = Query(*scout_http_, path_and_params);
    const bool want_ok = want.value("status", "") == "success";
    const bool got_ok = got.value("status", "") == "success";
    if (!want_ok || !got_ok) {
      if (want_ok != got_ok) {
        diffs_.push_back(what + ": Prometheus " + want.dump() + ", Scout " + got.dump());
      } else {
        ++counts_.errors;
      }
      return;
    }
    if (want["data"].value("resultType", "") != got["data"].value("resultType", "")) {
      diffs_.push_back(what + ": result type " + want["data"].value("resultType", "") +
                       " vs Scout's " + got["data"].value("resultType", ""));
      return;
    }
    for (std::string& d : CompareSeries(what, FromApiData(want.at("data"), t_ms),
                                        FromApiData(got.at("data"), t_ms), &counts_)) {
      diffs_.push_back(std::move(d));
    }
  }

  // The staleness markers travelled (remote write in, storage, remote write
  // out): 30 s after each marker its series is gone from an instant query
  // on both sides although its last sample is inside the 5-minute lookback;
  // 30 s before, it is there. Returns how many markers were checked.
  size_t CheckStalenessArrived() {
    size_t markers = 0;
    for (const SeriesPoints& sp : data_.series()) {
      for (size_t i = 1; i < sp.points.size(); ++i) {
        if (!remote_write::IsStaleNaN(sp.points[i].value)) continue;
        ++markers;
        std::string selector = sp.key.metric + "{";
        for (const auto& [n, v] : sp.key.labels) selector += n + "=\"" + v + "\",";
        selector += "}";
        const int64_t at = sp.points[i].timestamp_ms;
        for (HttpClient* client : {prom_.get(), scout_http_.get()}) {
          const char* who = client == prom_.get() ? "Prometheus" : "Scout";
          const std::string q = "/api/v1/query?query=" + client->Escape(selector) + "&time=";
          const json before = Query(*client, q + ApiSeconds(at - 30 * kS));
          const json after = Query(*client, q + ApiSeconds(at + 30 * kS));
          EXPECT_EQ(before["data"]["result"].size(), 1u) << who << " " << selector << " before";
          EXPECT_EQ(after["data"]["result"].size(), 0u)
              << who << " " << selector << " after its staleness marker: " << after.dump();
        }
      }
    }
    return markers;
  }

  fs::path dir_;
  int64_t t0_ = 0;
  MemorySource data_;
  Child prometheus_, scout_;
  std::string prom_url_, scout_url_;
  std::unique_ptr<HttpClient> prom_, scout_http_;
  CompareCounts counts_;
  std::vector<std::string> diffs_;
};

TEST_F(HttpCompare, CorpusAgreesThroughRemoteWrite) {
  const auto started = Clock::now();
  const size_t samples = Feed();
  ASSERT_FALSE(HasFailure());

  // Scout's queue drained (everything queued was sent), then Prometheus
  // counts every sample (staleness markers are not counted by either).
  std::string metrics;
  const bool drained = WaitFor(120, [&] {
    long status = 0;
    metrics = scout_http_->Get("/metrics", &status);
    const double queued = MetricValue(metrics, "scout_remote_write_samples_queued_total");
    return status == 200 && queued > 0 &&
           MetricValue(metrics, "scout_remote_write_pending_samples") == 0 &&
           MetricValue(metrics, "scout_remote_write_samples_sent_total") >= queued;
  });
  ASSERT_TRUE(drained) << "remote write out did not drain:\n" << metrics;
  EXPECT_EQ(MetricValue(metrics, "scout_remote_write_requests_failed_total"), 0) << metrics;
  double in_prometheus = -1;
  ASSERT_TRUE(WaitFor(30, [&] {
    in_prometheus = CountSamples(*prom_);
    return in_prometheus == static_cast<double>(samples);
  })) << "Prometheus has " << in_prometheus << " samples of " << samples;
  EXPECT_EQ(CountSamples(*scout_http_), static_cast<double>(samples)) << "samples in Scout";
  const size_t markers = CheckStalenessArrived();
  EXPECT_EQ(markers, 8u);  // a counter, two gauges, one histogram of 5 buckets
  const auto loaded = Clock::now();

  size_t requests = 0;
  for (const std::string& q : Corpus()) {
    const std::string query = "/api/v1/query?query=" + prom_->Escape(q);
    for (int64_t t : InstantTimes(t0_)) {
      Check(q + " @" + ApiSeconds(t - t0_), query + "&time=" + ApiSeconds(t), t);
      ++requests;
    }
    for (const RangeWindow& w : RangeWindows(t0_)) {
      Check(q + " range " + ApiSeconds(w.start_ms - t0_) + ".." + ApiSeconds(w.end_ms - t0_) +
                " step " + ApiSeconds(w.step_ms),
            "/api/v1/query_range?query=" + prom_->Escape(q) + "&start=" + ApiSeconds(w.start_ms) +
                "&end=" + ApiSeconds(w.end_ms) + "&step=" + ApiSeconds(w.step_ms),
            0);
      ++requests;
    }
  }
  EXPECT_GE(Corpus().size(), 60u);
  for (size_t i = 0; i < diffs_.size() && i < 200; ++i) ADD_FAILURE() << diffs_[i];
  EXPECT_EQ(diffs_.size(), 0u) << "differences (times relative to t0 = " << ApiSeconds(t0_) << ")";
  const auto done = Clock::now();
  auto secs = [](auto d) { return std::chrono::duration<double>(d).count(); };
  std::printf(
      "%zu samples (+ %zu staleness markers) through Scout's remote write to Prometheus in %.1f s; "
      "%zu queries, %zu requests to each API: %zu series and %zu points compared, %zu refused "
      "by both, %zu differences, %.1f s\n",
      samples, markers, secs(loaded - started), Corpus().size(), requests, counts_.series, counts_.points,
      counts_.errors, diffs_.size(), secs(done - loaded));
}

// The comparison rules themselves, on literal input: they can fail.
TEST(CompareRules, ToleranceAndShape) {
  EXPECT_TRUE(SameValue(1.0, 1.0 + 1e-10));
  EXPECT_FALSE(SameValue(1.0, 1.0 + 1e-8));
  EXPECT_TRUE(SameValue(0.0, 1e-13));
  EXPECT_TRUE(SameValue(std::nan(""), std::nan("")));
  EXPECT_FALSE(SameValue(std::nan(""), 0.0));
  const json data = json::parse(R"({"resultType":"matrix","result":[
      {"metric":{"b":"2","a":"1"},"values":[[1700000000.5,"1"],[1700000060.5,"NaN"]]}]})");
  const Series want = FromApiData(data, 0);
  ASSERT_EQ(want.count("{a=\"1\",b=\"2\",}"), 1u);
  CompareCounts counts;
  EXPECT_TRUE(CompareSeries("same", want, want, &counts).empty());
  EXPECT_EQ(counts.points, 2u);
  Series got = want;
  got.begin()->second[1700000000500] = 1.1;
  got["{c=\"3\",}"][0] = 1;
  EXPECT_EQ(CompareSeries("differs", want, got, &counts).size(), 2u);  // value, extra series
  EXPECT_EQ(CompareSeries("lacks", want, Series{}, &counts).size(), 1u);
}

}  // namespace
}  // namespace scout::collector::promql::compare
