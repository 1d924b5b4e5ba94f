// Same answers as Prometheus: a generated dataset (counters with resets,
// gauges with gaps longer than the 5-minute lookback, histogram buckets,
// irregular scrape times, several label sets) is written as OpenMetrics
// text, turned into TSDB blocks by `promtool tsdb create-blocks-from
// openmetrics`, and served by a real Prometheus 2.42 started on a free
// loopback port. Every query of the corpus runs against Prometheus's HTTP
// API (instant at several times, and range) and against Scout's engine
// (Semantics::kPrometheus) over the same points in memory; results must
// have the same label sets and values within 1e-9 relative (or 1e-12
// absolute near zero; NaN equals NaN).
//
// Staleness markers cannot be written in OpenMetrics backfill; they are
// covered by promql_test.cc and http_compare_test.cc (remote write carries
// them). Dataset, corpus and comparison rules: compare_corpus.h.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "collector/promql/eval.h"
#include "collector/promql/parser.h"
#include "collector/promql/range_eval.h"
#include "tests/promql/compare_corpus.h"
#include "tests/promql/memory_source.h"

namespace scout::collector::promql {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

using namespace compare;  // NOLINT: the shared corpus, dataset and rules

constexpr int64_t kT0 = kDefaultT0;

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

void WriteOpenMetrics(const MemorySource& src, const fs::path& file) {
  std::ofstream out(file);
  std::string family;
  for (const SeriesPoints& sp : src.series()) {
    if (sp.key.metric != family) {
      family = sp.key.metric;
      out << "# TYPE " << family << " gauge\n";
    }
    std::string labels;
    for (const auto& [name, value] : sp.key.labels) {
      if (!labels.empty()) labels += ",";
      labels += name + "=\"" + Escape(value) + "\"";
    }
    for (const Point& p : sp.points) {
      char line[512];
      std::snprintf(line, sizeof(line), "%s{%s} %.17g %lld.%03lld\n", family.c_str(),
                    labels.c_str(), p.value, static_cast<long long>(p.timestamp_ms / 1000),
                    static_cast<long long>(p.timestamp_ms % 1000));
      out << line;
    }
  }
  out << "# EOF\n";
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// GET url; returns the body ("" on a transport error), *status the HTTP code.
std::string Get(const std::string& url, long* status) {
  CURL* curl = curl_easy_init();
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  *status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
  curl_easy_cleanup(curl);
  return body;
}

std::string UrlEncode(const std::string& s) {
  CURL* curl = curl_easy_init();
  char* e = curl_easy_escape(curl, s.c_str(), static_cast<int>(s.size()));
  std::string out(e);
  curl_free(e);
  curl_easy_cleanup(curl);
  return out;
}

class PrometheusCompare : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists("/usr/bin/prometheus") || !fs::exists("/usr/bin/promtool")) return;
    dir_ = fs::temp_directory_path() / ("scout-promql-compare-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    data_ = new MemorySource(MakeDataset(DatasetOptions{}));
    WriteOpenMetrics(*data_, dir_ / "data.om");
    const std::string create = "/usr/bin/promtool tsdb create-blocks-from openmetrics '" +
                               (dir_ / "data.om").string() + "' '" + (dir_ / "data").string() +
                               "' > '" + (dir_ / "promtool.log").string() + "' 2>&1";
    if (std::system(create.c_str()) != 0) {
      setup_error_ = "promtool failed; see " + (dir_ / "promtool.log").string();
      return;
    }
    std::ofstream(dir_ / "prometheus.yml") << "global:\n  scrape_interval: 1m\n";
    port_ = FreePort();
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive a crashed test
      const std::string log = (dir_ / "prometheus.log").string();
      FILE* f = std::freopen(log.c_str(), "w", stderr);
      (void)f;
      const std::string config = "--config.file=" + (dir_ / "prometheus.yml").string();
      const std::string path = "--storage.tsdb.path=" + (dir_ / "data").string();
      const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
      execl("/usr/bin/prometheus", "prometheus", config.c_str(), path.c_str(), listen.c_str(),
            "--storage.tsdb.retention.time=100y", "--query.lookback-delta=5m",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      long status = 0;
      Get(Base() + "/-/ready", &status);
      if (status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    setup_error_ = "prometheus did not become ready; see " + (dir_ / "prometheus.log").string();
  }

  static void TearDownTestSuite() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (!dir_.empty() && setup_error_.empty()) fs::remove_all(dir_);
    delete data_;
    data_ = nullptr;
  }

  void SetUp() override {
    if (data_ == nullptr) GTEST_SKIP() << "prometheus/promtool not installed";
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }

  static std::string Base() { return "http://127.0.0.1:" + std::to_string(port_); }

  static json Query(const std::string& path_and_params) {
    long status = 0;
    const std::string body = Get(Base() + path_and_params, &status);
    EXPECT_TRUE(status == 200 || status == 400 || status == 422) << path_and_params << ": " << body;
    json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
    return parsed.is_object() ? parsed : json::object();
  }

  static EvalOptions Options() {
    EvalOptions o;
    o.semantics = Semantics::kPrometheus;
    return o;
  }

  // Compares and counts; a failure per difference.
  static void Compare(const std::string& what, const Series& want, const Series& got) {
    for (const std::string& diff : CompareSeries(what, want, got, &counts_)) ADD_FAILURE() << diff;
  }

  static void CheckInstant(const std::string& q, int64_t t) {
    const json r = Query("/api/v1/query?query=" + UrlEncode(q) + "&time=" + ApiSeconds(t));
    absl::StatusOr<Expr> e = ParseExpr(q);
    ASSERT_TRUE(e.ok()) << q << ": " << e.status();
    absl::StatusOr<EvalResult> mine = Evaluate(*e, *data_, t, Options());
    if (r.value("status", "") != "success") {  // both must refuse
      EXPECT_FALSE(mine.ok()) << q << ": Prometheus says " << r.dump();
      ++counts_.errors;
      return;
    }
    ASSERT_TRUE(mine.ok()) << q << ": " << mine.status();
    Series got;
    if (mine->is_scalar) {
      got["{}"][t] = mine->scalar;
    } else {
      for (const Element& el : mine->vector) {
        ASSERT_EQ(got.count(LabelsKey(el.labels)), 0u) << q << ": duplicate " << LabelsKey(el.labels);
        got[LabelsKey(el.labels)][t] = el.value;
      }
    }
    Compare(q + " @" + ApiSeconds(t), FromApiData(r.at("data"), t), got);
  }

  static void CheckRange(const std::string& q, int64_t start, int64_t end, int64_t step) {
    const json r = Query("/api/v1/query_range?query=" + UrlEncode(q) + "&start=" + ApiSeconds(start) +
                         "&end=" + ApiSeconds(end) + "&step=" + ApiSeconds(step));
    absl::StatusOr<Expr> e = ParseExpr(q);
    ASSERT_TRUE(e.ok()) << q << ": " << e.status();
    absl::StatusOr<RangeResult> mine = EvaluateRange(*e, *data_, start, end, step, Options());
    if (r.value("status", "") != "success") {  // both must refuse
      EXPECT_FALSE(mine.ok()) << q << ": Prometheus says " << r.dump();
      ++counts_.errors;
      return;
    }
    ASSERT_TRUE(mine.ok()) << q << ": " << mine.status();
    Series got;
    for (const RangeSeries& s : mine->series) {
      for (const Point& p : s.points) got[LabelsKey(s.labels)][p.timestamp_ms] = p.value;
    }
    Compare(q + " range", FromApiData(r.at("data"), 0), got);
  }

  static inline fs::path dir_;
  static inline MemorySource* data_ = nullptr;
  static inline std::string setup_error_;
  static inline int port_ = 0;
  static inline pid_t pid_ = -1;
  static inline CompareCounts counts_;
};

TEST_F(PrometheusCompare, InstantQueries) {
  const std::vector<int64_t> times = InstantTimes(kT0);
  for (const std::string& q : Corpus()) {
    for (int64_t t : times) CheckInstant(q, t);
  }
  EXPECT_GE(Corpus().size(), 60u);
  std::printf("instant: %zu queries x %zu times, %zu series and %zu values compared, %zu errors\n",
              Corpus().size(), times.size(), counts_.series, counts_.points, counts_.errors);
}

TEST_F(PrometheusCompare, RangeQueries) {
  counts_ = CompareCounts{};
  const std::vector<RangeWindow> windows = RangeWindows(kT0);
  for (const std::string& q : Corpus()) {
    for (const RangeWindow& w : windows) CheckRange(q, w.start_ms, w.end_ms, w.step_ms);
  }
  std::printf("range: %zu queries x %zu ranges, %zu series and %zu points compared, %zu errors\n",
              Corpus().size(), windows.size(), counts_.series, counts_.points, counts_.errors);
}

}  // namespace
}  // namespace scout::collector::promql
