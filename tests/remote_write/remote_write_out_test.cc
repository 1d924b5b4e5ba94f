// Remote write out against a real Prometheus 2.42 receiver
// (/usr/bin/prometheus --web.enable-remote-write-receiver, started on a
// free loopback port and stopped by pid), and against a tiny in-test HTTP
// server for the 4xx and disk-bound cases. Samples go through a real
// SQLite storage and WriteQueue whose commit observer feeds the queues.
#include "collector/remote_write/remote_write_out.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <map>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "collector/remote_write/remote_write_codec.h"
#include "collector/remote_write/remote_write_metrics.h"
#include "collector/storage/sqlite_storage.h"
#include "collector/write_queue.h"
#include "shared/http/server.h"
#include "shared/metric_catalog.h"
#include "tests/common/test_dir.h"
#include "tests/common/test_storage.h"

namespace scout::collector::remote_write {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

size_t Collect(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// GET; returns the HTTP status (0 on transport error) and the body.
int HttpGet(const std::string& url, std::string* body) {
  CURL* e = curl_easy_init();
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, body);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 5000L);
  long status = 0;
  if (curl_easy_perform(e) == CURLE_OK) curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(e);
  return static_cast<int>(status);
}

// A real Prometheus with its remote-write receiver on; data kept across
// Stop()/Start() (same port, same TSDB directory).
class Prometheus {
 public:
  explicit Prometheus(const std::string& dir) : dir_(dir), port_(FreePort()) {
    std::ofstream(dir_ + "/prometheus.yml") << "global:\n  scrape_interval: 1m\n";
  }
  ~Prometheus() { Stop(); }

  bool Start() {
    pid_ = fork();
    if (pid_ == 0) {
      const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
      const std::string config = "--config.file=" + dir_ + "/prometheus.yml";
      const std::string data = "--storage.tsdb.path=" + dir_ + "/data";
      const std::string log = dir_ + "/prometheus.log";
      FILE* f = freopen(log.c_str(), "a", stderr);
      (void)f;
      execl("/usr/bin/prometheus", "prometheus", config.c_str(), data.c_str(), listen.c_str(),
            "--web.enable-remote-write-receiver", "--log.level=warn",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 300; ++i) {
      std::string body;
      if (HttpGet(url("/-/ready"), &body) == 200) return true;
      std::this_thread::sleep_for(milliseconds(100));
    }
    return false;
  }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  // Every raw sample of `selector` over the last `range` before `at_s`:
  // series (as "metric{labels}" text from the API) -> (timestamp ms -> value).
  std::map<std::string, std::map<int64_t, double>> Samples(const std::string& selector,
                                                           const std::string& range,
                                                           int64_t at_s) {
    std::map<std::string, std::map<int64_t, double>> out;
    char* q = curl_escape((selector + "[" + range + "]").c_str(), 0);
    std::string body;
    const int status = HttpGet(url("/api/v1/query?query=") + q + "&time=" + std::to_string(at_s),
                               &body);
    curl_free(q);
    EXPECT_EQ(status, 200) << body;
    auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded()) return out;
    for (const auto& s : json["data"]["result"]) {
      std::string key = s["metric"].dump();
      for (const auto& v : s["values"]) {
        const int64_t t = static_cast<int64_t>(v[0].get<double>() * 1000 + 0.5);
        out[key][t] = std::stod(v[1].get<std::string>());
      }
    }
    return out;
  }

 private:
  std::string dir_;
  int port_;
  pid_t pid_ = -1;
};

// Answers every request with `status` (reads the whole body first).
class TinyHttpServer {
 public:
  explicit TinyHttpServer(int status) : status_(status) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 16);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~TinyHttpServer() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/api/v1/write"; }
  int requests() const { return requests_; }

 private:
  void Run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      std::string in;
      char buf[65536];
      size_t need = std::string::npos;
      while (true) {
        ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        in.append(buf, static_cast<size_t>(n));
        const size_t end = in.find("\r\n\r\n");
        if (end != std::string::npos && need == std::string::npos) {
          size_t cl = in.find("Content-Length: ");
          if (cl == std::string::npos) cl = in.find("content-length: ");
          need = end + 4 + (cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16)));
        }
        if (need != std::string::npos && in.size() >= need) break;
      }
      ++requests_;
      const std::string out = "HTTP/1.1 " + std::to_string(status_) +
                              " X\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope";
      (void)!write(c, out.data(), out.size());
      close(c);
    }
  }
  const int status_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

class RemoteWriteOutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage_ = scout::testing::OpenTestStorage(dir_.path(), clock_);
    ASSERT_NE(storage_, nullptr);
  }
  void TearDown() override {
    if (queue_) queue_->Stop();
    if (out_) out_->Stop();
  }

  static RemoteWriteTarget Target(const std::string& url) {
    RemoteWriteTarget t;
    t.name = "test";
    t.url = url;
    t.timeout = seconds(5);
    t.queue.batch_send_deadline = milliseconds(50);
    t.queue.shards = 2;
    t.queue.max_samples_per_send = 500;
    t.queue.max_backoff = milliseconds(500);
    t.metadata.send = false;  // the metadata tests turn it on
    return t;
  }

  void StartOut(RemoteWriteTarget target) {
    RemoteWriteOutOptions o;
    o.dir = dir_ / "remote_write";
    o.fsync = false;
    auto out = RemoteWriteOut::Start({std::move(target)}, o, clock_);
    ASSERT_TRUE(out.ok()) << out.status();
    out_ = *std::move(out);
    queue_ = std::make_unique<WriteQueue>(*storage_, WriteQueueOptions{}, clock_);
    queue_->SetCommitObserver(
        [this](const std::vector<const WriteBatch*>& batches) { out_->Observe(batches); });
    queue_->Start();
  }

  // `series` series rw_test{i="k"} with one sample each at `t_ms`, value
  // k * 1000 + t_ms % 1000; waits for the commit.
  void Commit(int series, int64_t t_ms, const std::string& metric = "rw_test") {
    WriteBatch b;
    b.agent_id = "a";
    b.received_ms = t_ms;
    for (int k = 0; k < series; ++k) {
      b.series.push_back({{metric, MakeLabels({{"i", std::to_string(k)}})},
                          {{t_ms, k * 1000.0 + static_cast<double>(t_ms % 1000)}}});
    }
    std::promise<absl::Status> done;
    queue_->Submit(std::move(b), [&done](const absl::Status& s) { done.set_value(s); });
    ASSERT_TRUE(done.get_future().get().ok());
  }

  bool WaitDrained(uint64_t expected_sent, seconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      RemoteWriteStats s = out_->Stats()[0];
      if (s.pending_samples == 0 && s.samples_sent >= expected_sent) return true;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
  }

  SystemClock clock_;
  scout::testing::TestDir dir_{"scout-rw-out"};
  std::unique_ptr<SqliteStorage> storage_;
  std::unique_ptr<RemoteWriteOut> out_;
  std::unique_ptr<WriteQueue> queue_;
};

int64_t NowMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

TEST_F(RemoteWriteOutTest, CommittedSamplesAppearInPrometheusWithTheSameValues) {
  Prometheus prom(dir_ / "");
  ASSERT_TRUE(prom.Start()) << "prometheus did not become ready";
  StartOut(Target(prom.url("/api/v1/write")));
  const int64_t t0 = NowMs() - 60'000;
  for (int step = 0; step < 10; ++step) Commit(50, t0 + step * 1000);
  ASSERT_TRUE(WaitDrained(500, seconds(30)));
  auto got = prom.Samples("rw_test", "5m", NowMs() / 1000 + 1);
  ASSERT_EQ(got.size(), 50u);
  for (const auto& [series, points] : got) {
    const int k = std::stoi(nlohmann::json::parse(series)["i"].get<std::string>());
    ASSERT_EQ(points.size(), 10u) << series;
    for (int step = 0; step < 10; ++step) {
      const int64_t t = t0 + step * 1000;
      ASSERT_TRUE(points.count(t)) << series << " at " << t;
      EXPECT_EQ(points.at(t), k * 1000.0 + static_cast<double>(t % 1000));
    }
  }
  // One big commit: queued as one record per shard, sent as requests of
  // at most max_samples_per_send (500) samples.
  const uint64_t requests_before = out_->Stats()[0].requests_sent;
  Commit(3000, t0 + 20'000, "rw_big");
  ASSERT_TRUE(WaitDrained(3500, seconds(30)));
  EXPECT_EQ(prom.Samples("rw_big", "5m", NowMs() / 1000 + 1).size(), 3000u);
  RemoteWriteStats s = out_->Stats()[0];
  EXPECT_GE(s.requests_sent - requests_before, 6u);
  EXPECT_EQ(s.samples_queued, 3500u);
  EXPECT_EQ(s.samples_sent, 3500u);
  EXPECT_EQ(s.dropped_http_4xx + s.dropped_queue_full, 0u);
}

// The test: the receiver is down for 2 minutes while 10,000
// samples/s keep being committed; after it returns every sample is there
// exactly once. SCOUT_RW_SHORT=1 (the sanitizer run, 2-3x slower) takes 30 s
// at 1,000 samples/s instead.
TEST_F(RemoteWriteOutTest, ReceiverDownTwoMinutesThenEverySampleExactlyOnce) {
  Prometheus prom(dir_ / "");
  ASSERT_TRUE(prom.Start());
  StartOut(Target(prom.url("/api/v1/write")));
  const bool long_run = std::getenv("SCOUT_RW_SHORT") == nullptr;
  const int kSeries = long_run ? 1000 : 100;  // per commit, every 100 ms
  const seconds outage = long_run ? seconds(120) : seconds(30);
  const int64_t t0 = NowMs() - 300'000;
  int steps = 0;
  auto commit_for = [&](milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < until) {
      Commit(kSeries, t0 + steps * 100);  // kSeries series every 100 ms
      ++steps;
      std::this_thread::sleep_for(milliseconds(100));
    }
  };
  commit_for(seconds(3));
  prom.Stop();
  const auto down_start = std::chrono::steady_clock::now();
  commit_for(outage);
  RemoteWriteStats during = out_->Stats()[0];
  EXPECT_GT(during.pending_samples, 0u);
  EXPECT_GT(during.requests_retried, 0u);
  EXPECT_GT(during.lag_seconds, 1.0);
  ASSERT_TRUE(prom.Start());
  std::printf("receiver down %.1f s, %lld samples pending, lag %.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - down_start).count(),
              static_cast<long long>(during.pending_samples), during.lag_seconds);
  commit_for(seconds(2));
  const uint64_t total = static_cast<uint64_t>(kSeries) * static_cast<uint64_t>(steps);
  ASSERT_TRUE(WaitDrained(total, seconds(60)));
  auto got = prom.Samples("rw_test", "15m", NowMs() / 1000 + 1);
  ASSERT_EQ(got.size(), static_cast<size_t>(kSeries));
  for (const auto& [series, points] : got) {
    EXPECT_EQ(points.size(), static_cast<size_t>(steps)) << series;  // none lost, none twice
  }
  // count_over_time says the same from the TSDB's side (duplicates would count).
  RemoteWriteStats s = out_->Stats()[0];
  EXPECT_EQ(s.samples_sent, total);
  EXPECT_EQ(s.dropped_http_4xx + s.dropped_queue_full + s.dropped_append_error, 0u);
  std::printf("sent %llu samples in %llu requests, %llu retried\n",
              static_cast<unsigned long long>(s.samples_sent),
              static_cast<unsigned long long>(s.requests_sent),
              static_cast<unsigned long long>(s.requests_retried));
}

TEST_F(RemoteWriteOutTest, Http400DropsAndCounts) {
  TinyHttpServer server(400);
  StartOut(Target(server.url()));
  Commit(30, NowMs());
  Commit(30, NowMs() + 1);
  const auto until = std::chrono::steady_clock::now() + seconds(20);
  RemoteWriteStats s;
  do {
    std::this_thread::sleep_for(milliseconds(50));
    s = out_->Stats()[0];
  } while (s.dropped_http_4xx < 60 && std::chrono::steady_clock::now() < until);
  EXPECT_EQ(s.dropped_http_4xx, 60u);
  EXPECT_EQ(s.pending_samples, 0u);
  EXPECT_EQ(s.samples_sent, 0u);
  EXPECT_EQ(s.requests_retried, 0u);  // a 4xx is never retried
  EXPECT_GE(server.requests(), 1);
}

TEST_F(RemoteWriteOutTest, Http503IsRetriedNotDropped) {
  TinyHttpServer server(503);
  StartOut(Target(server.url()));
  Commit(10, NowMs());
  const auto until = std::chrono::steady_clock::now() + seconds(20);
  while (server.requests() < 3 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  RemoteWriteStats s = out_->Stats()[0];
  EXPECT_GE(s.requests_retried, 2u);
  EXPECT_EQ(s.pending_samples, 10u);
  EXPECT_EQ(s.dropped_http_4xx, 0u);
}

TEST_F(RemoteWriteOutTest, DiskBoundDropsOldestAndCountsExactly) {
  RemoteWriteTarget t = Target("http://127.0.0.1:1/api/v1/write");  // nothing listens
  t.queue.shards = 1;
  t.queue.max_bytes = 64 << 10;  // below the config minimum, allowed here
  StartOut(t);
  uint64_t committed = 0;
  const int64_t t0 = NowMs();
  for (int i = 0; i < 200; ++i) {
    Commit(50, t0 + i);
    committed += 50;
  }
  RemoteWriteStats s = out_->Stats()[0];
  EXPECT_EQ(s.samples_queued, committed);
  EXPECT_GT(s.dropped_queue_full, 0u);
  EXPECT_LE(s.pending_bytes, 64u << 10);
  EXPECT_EQ(s.dropped_queue_full + s.pending_samples, committed);  // every sample accounted for
  bool exported = false;
  for (const SeriesPoints& m : RemoteWriteSeries(out_->Stats(), nullptr, "c", 1)) {
    if (m.key.metric == "scout_remote_write_samples_dropped_total" &&
        LabelValue(m.key.labels, "reason") == "queue_full") {
      EXPECT_EQ(LabelValue(m.key.labels, "target"), "test");
      EXPECT_EQ(m.points[0].value, static_cast<double>(s.dropped_queue_full));
      exported = true;
    }
  }
  EXPECT_TRUE(exported);
  EXPECT_EQ(s.samples_sent, 0u);
  std::printf("queued %llu, dropped %llu, pending %llu (%llu bytes)\n",
              static_cast<unsigned long long>(committed),
              static_cast<unsigned long long>(s.dropped_queue_full),
              static_cast<unsigned long long>(s.pending_samples),
              static_cast<unsigned long long>(s.pending_bytes));
}

TEST_F(RemoteWriteOutTest, KeepAndDropSelectorsFilterSeries) {
  TinyHttpServer server(400);
  RemoteWriteTarget t = Target(server.url());
  t.keep.push_back(*ParseSelector("rw_test"));
  t.drop.push_back(*ParseSelector("{i=\"3\"}"));
  StartOut(t);
  Commit(10, NowMs());
  Commit(10, NowMs(), "other_metric");
  EXPECT_EQ(out_->Stats()[0].samples_queued, 9u);
}

// Metadata requests (metadata only, as Prometheus sends them) are accepted
// by a real Prometheus 2.42 receiver, next to the samples.
TEST_F(RemoteWriteOutTest, PrometheusAcceptsTheMetadataRequests) {
  Prometheus prom(dir_ / "");
  ASSERT_TRUE(prom.Start()) << "prometheus did not become ready";
  RemoteWriteTarget t = Target(prom.url("/api/v1/write"));
  t.metadata.send = true;
  t.metadata.send_interval = seconds(1);
  t.metadata.max_samples_per_send = 200;
  StartOut(t);
  Commit(20, NowMs() - 1000);
  const uint64_t n = AllMetrics().size();
  const auto until = std::chrono::steady_clock::now() + seconds(30);
  while (out_->Stats()[0].metadata.sent < 2 * n && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  ASSERT_TRUE(WaitDrained(20, seconds(30)));
  const RemoteWriteStats s = out_->Stats()[0];
  EXPECT_GE(s.metadata.sent, 2 * n);  // two rounds, every entry answered 2xx
  EXPECT_EQ(s.metadata.requests_failed, 0u);
  EXPECT_EQ(s.metadata.dropped, 0u);
  EXPECT_EQ(prom.Samples("rw_test", "5m", NowMs() / 1000 + 1).size(), 20u);
}

// A receiver failing every metadata request (503) does not hold samples
// back: they have their own senders and connections.
TEST_F(RemoteWriteOutTest, FailingMetadataNeverBlocksSamples) {
  std::atomic<int> metadata_requests{0};
  std::atomic<uint64_t> samples{0};
  http::Router router;
  router.Handle("POST", "/api/v1/write", [&](http::Request req, http::Reply reply) {
    http::Response resp;
    auto r = DecodeWriteRequest(req.body, DecodeLimits{});
    if (!r.ok()) {
      resp.status = 400;
    } else if (r->metadata_size() > 0) {
      ++metadata_requests;
      resp.status = 503;
    } else {
      for (const auto& ts : r->timeseries()) samples += static_cast<uint64_t>(ts.samples_size());
      resp.status = 204;
    }
    reply(std::move(resp));
  }, http::RouteOptions{8 << 20});
  http::ServerOptions o;
  o.listen = "127.0.0.1:0";
  auto server = http::Server::Start(o, std::move(router));
  ASSERT_TRUE(server.ok()) << server.status();
  RemoteWriteTarget t =
      Target("http://127.0.0.1:" + std::to_string((*server)->port()) + "/api/v1/write");
  t.metadata.send = true;
  t.metadata.send_interval = seconds(30);  // one long round of retries
  t.queue.min_backoff = milliseconds(50);
  t.queue.max_backoff = milliseconds(200);
  StartOut(t);
  const int64_t t0 = NowMs() - 60'000;
  for (int step = 0; step < 10; ++step) Commit(100, t0 + step * 1000);
  ASSERT_TRUE(WaitDrained(1000, seconds(20)));
  EXPECT_EQ(samples.load(), 1000u);
  const RemoteWriteStats s = out_->Stats()[0];
  EXPECT_GE(metadata_requests.load(), 2);  // still retrying meanwhile
  EXPECT_GE(s.metadata.requests_retried, 1u);
  EXPECT_EQ(s.metadata.sent, 0u);
  EXPECT_EQ(s.requests_failed, 0u);  // the samples' requests never failed
  out_->Stop();  // before the server goes away
}

}  // namespace
}  // namespace scout::collector::remote_write
