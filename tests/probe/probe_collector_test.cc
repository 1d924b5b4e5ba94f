// probe::ProbeEngine + probe collector end to end against local servers: metrics
// and labels, TCP probes, one thread for all probes, log once per state
// change, and secrets never reaching the logs.
#include <dirent.h>

#include <filesystem>
#include <chrono>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <thread>

#include "agent/probe/probe_plugin.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/probe/test_servers.h"

namespace scout::agent {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;

std::optional<double> Find(const std::vector<Sample>& samples, const std::string& metric,
                           const std::vector<std::pair<std::string, std::string>>& want) {
  for (const Sample& s : samples) {
    if (s.key.metric != metric) continue;
    bool all = true;
    for (const auto& [k, v] : want) all = all && LabelValue(s.key.labels, k) == v;
    if (all) return s.point.value;
  }
  return std::nullopt;
}

// Calls Collect every 20 ms until `done` holds for the samples (max 10 s).
std::vector<Sample> CollectUntil(Plugin& c,
                                 const std::function<bool(const std::vector<Sample>&)>& done) {
  std::vector<Sample> last;
  testing::WaitFor([&] {
    VectorSink sink(0);
    EXPECT_TRUE(c.Collect(0, sink).ok());
    last = sink.samples();
    return done(last);
  });
  return last;
}

class ProbeCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir();
    server_ = testing::StartHttpServer(dir_, &port_);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  probe::HttpProbeSpec Http(const std::string& name, const std::string& path, int port = 0) const {
    probe::HttpProbeSpec s;
    s.name = name;
    s.url = "http://127.0.0.1:" + std::to_string(port ? port : port_) + path;
    s.interval = milliseconds(50);
    s.timeout = milliseconds(2000);
    return s;
  }
  static probe::ProbeEngine::Options NoJitter() {
    probe::ProbeEngine::Options o;
    o.jitter = false;
    return o;
  }

  std::string dir_;
  std::unique_ptr<testing::Child> server_;
  int port_ = 0;
};

TEST_F(ProbeCollectorTest, EmitsLabelledHttpMetrics) {
  probe::HttpProbeSpec s = Http("/api/events", "/ok");
  s.labels = {{"service", "web"}};
  auto c = NewProbePlugin({s}, {}, NoJitter());
  const auto samples = CollectUntil(*c, [](const std::vector<Sample>& v) {
    return Find(v, "scout_probe_success", {}).has_value();
  });
  const std::vector<std::pair<std::string, std::string>> labels = {
      {"probe", "/api/events"}, {"target", s.url}, {"protocol", "http"}, {"service", "web"}};
  EXPECT_EQ(Find(samples, "scout_probe_success", labels), 1.0);
  EXPECT_EQ(Find(samples, "scout_probe_http_status_code", labels), 200.0);
  EXPECT_EQ(Find(samples, "scout_probe_response_bytes", labels), 3.0);
  EXPECT_EQ(Find(samples, "scout_probe_slow", labels), 0.0);
  EXPECT_GT(Find(samples, "scout_probe_duration_seconds", labels).value_or(0), 0);
  for (const char* phase : {"dns", "connect", "tls", "ttfb", "transfer"}) {
    EXPECT_TRUE(Find(samples, "scout_probe_phase_seconds", {{"phase", phase}})) << phase;
  }
  EXPECT_FALSE(Find(samples, "scout_probe_failures_total", {}));
  EXPECT_FALSE(Find(samples, "scout_probe_tls_cert_expiry_timestamp_seconds", {}));
}

TEST_F(ProbeCollectorTest, TcpProbeSuccessAndRefused) {
  const int closed = testing::UnusedPort();
  const probe::TcpProbeSpec up{"db", "127.0.0.1", port_, milliseconds(1000), milliseconds(50),
                        milliseconds(2000), {}};
  const probe::TcpProbeSpec down{"cache", "127.0.0.1", closed, milliseconds(1000), milliseconds(50),
                          milliseconds(2000), {}};
  auto c = NewProbePlugin({}, {up, down}, NoJitter());
  const auto samples = CollectUntil(*c, [](const std::vector<Sample>& v) {
    return Find(v, "scout_probe_failures_total", {{"probe", "cache"}}).value_or(0) >= 2 &&
           Find(v, "scout_probe_success", {{"probe", "db"}});
  });
  const std::string up_target = "127.0.0.1:" + std::to_string(port_);
  EXPECT_EQ(Find(samples, "scout_probe_success", {{"probe", "db"}, {"protocol", "tcp"},
                                                  {"target", up_target}}), 1.0);
  EXPECT_EQ(Find(samples, "scout_probe_success", {{"probe", "cache"}}), 0.0);
  EXPECT_GE(Find(samples, "scout_probe_failures_total", {{"probe", "cache"}, {"reason", "refused"}})
                .value_or(0), 2.0);
  EXPECT_TRUE(Find(samples, "scout_probe_phase_seconds", {{"probe", "db"}, {"phase", "connect"}}));
  EXPECT_FALSE(Find(samples, "scout_probe_phase_seconds", {{"probe", "db"}, {"phase", "ttfb"}}));
  EXPECT_FALSE(Find(samples, "scout_probe_http_status_code", {{"probe", "db"}}));
}

int CountThreadsNamed(const std::string& name) {
  int n = 0;
  DIR* d = opendir("/proc/self/task");
  while (dirent* e = readdir(d)) {
    std::string comm;
    std::ifstream(std::string("/proc/self/task/") + e->d_name + "/comm") >> comm;
    n += comm == name;
  }
  closedir(d);
  return n;
}

TEST_F(ProbeCollectorTest, OneThreadForAllProbes) {
  std::vector<probe::HttpProbeSpec> http;
  for (int i = 0; i < 6; ++i) http.push_back(Http("p" + std::to_string(i), "/slow?ms=300"));
  probe::ProbeEngine engine(http, {probe::TcpProbeSpec{"t", "127.0.0.1", port_, milliseconds(500),
                                         milliseconds(50), milliseconds(2000), {}}},
                     NoJitter());
  engine.Start();
  std::this_thread::sleep_for(milliseconds(150));  // all six in flight now
  EXPECT_EQ(CountThreadsNamed("scout-probe"), 1);
  std::vector<probe::ProbeResult> results;
  testing::WaitFor([&] {
    for (probe::ProbeResult& r : engine.Drain()) results.push_back(std::move(r));
    return results.size() >= 7;
  });
  engine.Stop();
  EXPECT_EQ(CountThreadsNamed("scout-probe"), 0);
  int ok = 0;
  for (const probe::ProbeResult& r : results) ok += r.success;
  EXPECT_GE(ok, 7);
}

TEST(ProbeEngineJitterTest, OffsetsAreStableSpreadAndWithinInterval) {
  const milliseconds interval(10000);
  std::set<int64_t> offsets;
  for (int i = 0; i < 20; ++i) {
    const std::string name = "/api/" + std::to_string(i);
    const milliseconds o = probe::ProbeEngine::StartOffset(name, interval);
    EXPECT_GE(o.count(), 0);
    EXPECT_LT(o, interval);
    EXPECT_EQ(o, probe::ProbeEngine::StartOffset(name, interval));
    offsets.insert(o.count());
  }
  EXPECT_GE(offsets.size(), 18u);  // not all at once
  EXPECT_EQ(probe::ProbeEngine::StartOffset("x", milliseconds(0)).count(), 0);
}

TEST_F(ProbeCollectorTest, JitteredProbeDoesNotRunBeforeItsOffset) {
  probe::HttpProbeSpec s = Http("late", "/ok");
  s.interval = milliseconds(60000);
  const milliseconds offset = probe::ProbeEngine::StartOffset("late", s.interval);
  ASSERT_GT(offset, milliseconds(500)) << "pick another name for this test";
  probe::ProbeEngine engine({s}, {});
  engine.Start();
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_TRUE(engine.Drain().empty());
}

TEST_F(ProbeCollectorTest, RepeatingFailureLoggedOnceThenRecovery) {
  testing::LogCapture logs;
  const int port = testing::UnusedPort();
  auto c = NewProbePlugin({Http("/api/events", "/ok", port)}, {}, NoJitter());
  CollectUntil(*c, [](const std::vector<Sample>& v) {
    return Find(v, "scout_probe_failures_total", {{"reason", "refused"}}).value_or(0) >= 5;
  });
  std::string text = logs.text();
  EXPECT_EQ(testing::LogCapture::Count(text, "error FAILED: /api/events - refused"), 1) << text;
  EXPECT_GE(testing::LogCapture::Count(text, "debug FAILED: /api/events - refused"), 4);

  int bound = 0;
  auto late = testing::StartHttpServer(dir_, &bound, port);
  ASSERT_EQ(bound, port);
  const auto samples = CollectUntil(*c, [](const std::vector<Sample>& v) {
    return Find(v, "scout_probe_success", {}).value_or(0) == 1.0;
  });
  std::this_thread::sleep_for(milliseconds(200));  // several more successes
  VectorSink sink(0);
  ASSERT_TRUE(c->Collect(0, sink).ok());
  text = logs.text();
  EXPECT_EQ(testing::LogCapture::Count(text, "(recovered)"), 1) << text;
  EXPECT_EQ(testing::LogCapture::Count(text, "info /api/events: 200 - "), 1) << text;
  EXPECT_EQ(testing::LogCapture::Count(text, "error FAILED"), 1);
  // Failures stay counted after recovery.
  EXPECT_GE(Find(sink.samples(), "scout_probe_failures_total", {{"reason", "refused"}}).value_or(0),
            5.0);
}

TEST_F(ProbeCollectorTest, SlowAndErrorLogLines) {
  testing::LogCapture logs;
  probe::HttpProbeSpec slow = Http("/slow", "/slow?ms=120");
  slow.slow_after = milliseconds(50);
  auto c = NewProbePlugin({slow, Http("/broken", "/status?code=503")}, {}, NoJitter());
  CollectUntil(*c, [](const std::vector<Sample>& v) {
    return Find(v, "scout_probe_slow", {{"probe", "/slow"}}).value_or(0) == 1.0 &&
           Find(v, "scout_probe_failures_total", {{"probe", "/broken"}}).value_or(0) >= 3;
  });
  const std::string text = logs.text();
  EXPECT_EQ(testing::LogCapture::Count(text, "warning SLOW: /slow took "), 1) << text;
  EXPECT_EQ(testing::LogCapture::Count(text, "error ERROR: /broken returned 503"), 1) << text;
}

TEST_F(ProbeCollectorTest, SecretsNeverReachLogs) {
  testing::LogCapture logs;
  setenv("SCOUT_PROBE_TEST_GOOD", "s3cret", 1);
  setenv("SCOUT_PROBE_TEST_BAD", "s3cret-but-wrong", 1);
  std::ofstream(dir_ + "/token") << "Bearer s3cret-from-file\n";
  probe::HttpProbeSpec good = Http("good", "/auth");
  good.headers = {{"Authorization", "Bearer ${SCOUT_PROBE_TEST_GOOD}"}};
  probe::HttpProbeSpec bad = Http("bad", "/auth");
  bad.headers = {{"Authorization", "Bearer ${SCOUT_PROBE_TEST_BAD}"}};
  probe::HttpProbeSpec file = Http("file", "/auth");
  file.headers = {{"Authorization", "@file:" + dir_ + "/token"}};
  probe::HttpProbeSpec unset = Http("unset", "/auth");
  unset.headers = {{"Authorization", "Bearer ${SCOUT_PROBE_TEST_NOT_SET}"}};
  auto c = NewProbePlugin({good, bad, file, unset}, {}, NoJitter());
  const auto samples = CollectUntil(*c, [](const std::vector<Sample>& v) {
    return Find(v, "scout_probe_success", {{"probe", "unset"}}) &&
           Find(v, "scout_probe_success", {{"probe", "file"}}) &&
           Find(v, "scout_probe_success", {{"probe", "bad"}}) &&
           Find(v, "scout_probe_success", {{"probe", "good"}}).value_or(0) == 1.0;
  });
  EXPECT_EQ(Find(samples, "scout_probe_success", {{"probe", "good"}}), 1.0);
  EXPECT_EQ(Find(samples, "scout_probe_http_status_code", {{"probe", "bad"}}), 401.0);
  EXPECT_EQ(Find(samples, "scout_probe_http_status_code", {{"probe", "file"}}), 401.0);
  EXPECT_EQ(Find(samples, "scout_probe_failures_total", {{"probe", "unset"}, {"reason", "other"}})
                .has_value(), true);
  const std::string text = logs.text();
  EXPECT_THAT(text, HasSubstr("ERROR: bad returned 401"));
  EXPECT_THAT(text, HasSubstr("SCOUT_PROBE_TEST_NOT_SET"));  // the name is fine to log
  EXPECT_THAT(text, Not(HasSubstr("s3cret")));
  for (const Sample& s : samples) {
    for (const auto& [k, v] : s.key.labels) EXPECT_THAT(v, Not(HasSubstr("s3cret")));
  }
}

}  // namespace
}  // namespace scout::agent
