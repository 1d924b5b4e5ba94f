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
// covered by promql_test.cc.
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
#include "tests/promql/memory_source.h"

namespace scout::collector::promql {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr int64_t kT0 = 1'700'000'000'000;  // first sample (ms)
constexpr int64_t kS = 1000;
constexpr int64_t kM = 60 * kS;
constexpr int64_t kSpan = 180 * kM;  // 3 hours of data
constexpr int64_t kStep = 15 * kS;   // scrape interval

// Deterministic noise in [0, 1).
double Noise(uint64_t a, uint64_t b) {
  uint64_t x = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL);
  x ^= x >> 29;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 32;
  return static_cast<double>(x % 1000003) / 1000003.0;
}

// Scrape times with up to +-1.5 s of jitter; [gap_from, gap_to) left out.
std::vector<int64_t> Times(uint64_t seed, int64_t gap_from = 0, int64_t gap_to = 0) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i * kStep < kSpan; ++i) {
    const int64_t t = kT0 + i * kStep + static_cast<int64_t>(Noise(seed, i) * 3000) - 1500;
    if (t >= kT0 + gap_from && t < kT0 + gap_to) continue;
    out.push_back(t);
  }
  return out;
}

MemorySource MakeDataset() {
  MemorySource src;
  // Counters: a resets twice, b once; c has a 20-minute gap.
  const char* instances[] = {"a", "b", "c"};
  const char* codes[] = {"200", "500"};
  for (int i = 0; i < 3; ++i) {
    for (int c = 0; c < 2; ++c) {
      std::vector<Point> pts;
      double v = 0;
      const uint64_t seed = 10 + i * 2 + c;
      const auto times = i == 2 ? Times(seed, 90 * kM, 110 * kM) : Times(seed);
      for (size_t k = 0; k < times.size(); ++k) {
        const int64_t at = times[k] - kT0;
        const bool reset = (i == 0 && (at / kStep == 200 || at / kStep == 480)) ||
                           (i == 1 && at / kStep == 320);
        v = reset ? Noise(seed, k) * 3 : v + (c == 0 ? 20 : 1) * Noise(seed + 100, k);
        pts.push_back({times[k], v});
      }
      src.Add("http_requests_total",
              {{"job", "api"}, {"instance", instances[i]}, {"code", codes[c]}}, std::move(pts));
    }
  }
  // Gauges: h4 has a 12-minute gap (longer than the lookback).
  const char* modes[] = {"user", "system"};
  for (int h = 1; h <= 4; ++h) {
    for (int m = 0; m < 2; ++m) {
      const uint64_t seed = 40 + h * 2 + m;
      const auto times = h == 4 ? Times(seed, 60 * kM, 72 * kM) : Times(seed);
      std::vector<Point> pts;
      for (size_t k = 0; k < times.size(); ++k) {
        const double v = 0.5 + 0.4 * std::sin(static_cast<double>(k) / (7.0 + h + m)) +
                         0.05 * Noise(seed, k) - (h == 3 ? 0.6 : 0.0);
        pts.push_back({times[k], v});
      }
      src.Add("cpu_usage", {{"host", "h" + std::to_string(h)}, {"mode", modes[m]}},
              std::move(pts));
    }
    std::vector<Point> mem, info;
    for (int64_t t : Times(70 + h)) {
      mem.push_back({t, static_cast<double>(1000 + 100 * h + (((t - kT0) / (7 * kM)) % 3) * 10)});
      info.push_back({t, 1});
    }
    src.Add("memory_bytes", {{"host", "h" + std::to_string(h)}}, std::move(mem));
    src.Add("host_info", {{"host", "h" + std::to_string(h)}, {"role", h % 2 == 0 ? "db" : "web"}},
            std::move(info));
  }
  // Histogram buckets of two instances, the same scrape times per instance.
  const char* les[] = {"0.1", "0.5", "1", "5", "+Inf"};
  for (int i = 0; i < 2; ++i) {
    const auto times = Times(90 + i);
    std::vector<std::vector<Point>> buckets(5, std::vector<Point>(times.size()));
    // Cumulative over time and over buckets.
    std::vector<double> total(5, 0);
    for (size_t k = 0; k < times.size(); ++k) {
      double below = 0;
      for (int b = 0; b < 5; ++b) {
        below += std::floor(Noise(90 + i * 10 + b, k) * (b == 0 ? 3 : 6));
        total[b] += below;
        buckets[b][k] = {times[k], total[b]};
      }
    }
    for (int b = 0; b < 5; ++b) {
      src.Add("req_duration_seconds_bucket",
              {{"job", "api"}, {"instance", instances[i]}, {"le", les[b]}}, buckets[b]);
    }
  }
  return src;
}

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

std::string Seconds(int64_t ms) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return buf;
}

std::string LabelsKey(const Labels& labels) {
  std::string out = "{";
  for (const auto& [n, v] : labels) out += n + "=\"" + v + "\",";
  return out + "}";
}

std::string LabelsKey(const json& metric) {
  std::map<std::string, std::string> sorted;
  for (const auto& [n, v] : metric.items()) sorted[n] = v.get<std::string>();
  Labels labels(sorted.begin(), sorted.end());
  return LabelsKey(labels);
}

double ParseValue(const json& v) { return std::strtod(v.get<std::string>().c_str(), nullptr); }

bool Same(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;
  const double diff = std::fabs(a - b);
  return diff <= 1e-9 * std::max(std::fabs(a), std::fabs(b)) || diff <= 1e-12;
}

// series key -> (timestamp ms -> value)
using Series = std::map<std::string, std::map<int64_t, double>>;

class PrometheusCompare : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists("/usr/bin/prometheus") || !fs::exists("/usr/bin/promtool")) return;
    dir_ = fs::temp_directory_path() / ("scout-promql-compare-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    data_ = new MemorySource(MakeDataset());
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

  // Prometheus's answer as series (instant: the one timestamp).
  static Series FromProm(const json& data, int64_t t_ms) {
    Series out;
    const std::string type = data.at("resultType").get<std::string>();
    const json& result = data.at("result");
    if (type == "scalar") {
      out["{}"][t_ms] = ParseValue(result[1]);
    } else if (type == "vector") {
      for (const json& e : result) out[LabelsKey(e.at("metric"))][t_ms] = ParseValue(e.at("value")[1]);
    } else if (type == "matrix") {
      for (const json& s : result) {
        auto& points = out[LabelsKey(s.at("metric"))];
        for (const json& p : s.at("values")) {
          points[std::llround(p[0].get<double>() * 1000)] = ParseValue(p[1]);
        }
      }
    }
    return out;
  }

  static EvalOptions Options() {
    EvalOptions o;
    o.semantics = Semantics::kPrometheus;
    return o;
  }

  // Compares and counts; false (with messages) on a difference.
  static bool Compare(const std::string& what, const Series& want, const Series& got) {
    bool ok = true;
    for (const auto& [key, points] : want) {
      auto it = got.find(key);
      if (it == got.end()) {
        ADD_FAILURE() << what << ": Scout lacks series " << key;
        ok = false;
        continue;
      }
      for (const auto& [t, v] : points) {
        auto p = it->second.find(t);
        if (p == it->second.end()) {
          ADD_FAILURE() << what << ": Scout lacks " << key << " at " << t << " (Prometheus " << v << ")";
          ok = false;
        } else if (!Same(v, p->second)) {
          ADD_FAILURE() << what << ": " << key << " at " << t << ": Prometheus " << v
                        << ", Scout " << p->second;
          ok = false;
        }
        ++points_compared_;
      }
      if (it->second.size() != points.size()) {
        ADD_FAILURE() << what << ": " << key << ": Prometheus has " << points.size()
                      << " points, Scout " << it->second.size();
        ok = false;
      }
      ++series_compared_;
    }
    for (const auto& [key, points] : got) {
      if (want.count(key) == 0) {
        ADD_FAILURE() << what << ": Scout has an extra series " << key;
        ok = false;
      }
    }
    return ok;
  }

  static void CheckInstant(const std::string& q, int64_t t) {
    const json r = Query("/api/v1/query?query=" + UrlEncode(q) + "&time=" + Seconds(t));
    absl::StatusOr<Expr> e = ParseExpr(q);
    ASSERT_TRUE(e.ok()) << q << ": " << e.status();
    absl::StatusOr<EvalResult> mine = Evaluate(*e, *data_, t, Options());
    if (r.value("status", "") != "success") {  // both must refuse
      EXPECT_FALSE(mine.ok()) << q << ": Prometheus says " << r.dump();
      ++errors_compared_;
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
    Compare(q + " @" + Seconds(t), FromProm(r.at("data"), t), got);
  }

  static void CheckRange(const std::string& q, int64_t start, int64_t end, int64_t step) {
    const json r = Query("/api/v1/query_range?query=" + UrlEncode(q) + "&start=" + Seconds(start) +
                         "&end=" + Seconds(end) + "&step=" + Seconds(step));
    absl::StatusOr<Expr> e = ParseExpr(q);
    ASSERT_TRUE(e.ok()) << q << ": " << e.status();
    absl::StatusOr<RangeResult> mine = EvaluateRange(*e, *data_, start, end, step, Options());
    if (r.value("status", "") != "success") {  // both must refuse
      EXPECT_FALSE(mine.ok()) << q << ": Prometheus says " << r.dump();
      ++errors_compared_;
      return;
    }
    ASSERT_TRUE(mine.ok()) << q << ": " << mine.status();
    Series got;
    for (const RangeSeries& s : mine->series) {
      for (const Point& p : s.points) got[LabelsKey(s.labels)][p.timestamp_ms] = p.value;
    }
    Compare(q + " range", FromProm(r.at("data"), 0), got);
  }

  static inline fs::path dir_;
  static inline MemorySource* data_ = nullptr;
  static inline std::string setup_error_;
  static inline int port_ = 0;
  static inline pid_t pid_ = -1;
  static inline size_t series_compared_ = 0;
  static inline size_t points_compared_ = 0;
  static inline size_t errors_compared_ = 0;
};

// Every supported function and operator; counter resets, gaps, irregular
// scrape times and window edges on sample times are in the data.
const std::vector<std::string>& Corpus() {
  static const auto* kCorpus = new std::vector<std::string>{
      "http_requests_total",
      "cpu_usage",
      "cpu_usage offset 10m",
      "{__name__=~\"cpu_.*\", mode=\"user\"}",
      "cpu_usage{host!~\"h[12]\"}",
      "rate(http_requests_total[5m])",
      "rate(http_requests_total[1m])",
      "rate(http_requests_total[5m] offset 7m)",
      "irate(http_requests_total[5m])",
      "increase(http_requests_total[10m])",
      "increase(http_requests_total[1h])",
      "delta(cpu_usage[10m])",
      "idelta(cpu_usage[5m])",
      "deriv(cpu_usage[10m])",
      "avg_over_time(cpu_usage[10m])",
      "min_over_time(cpu_usage[10m])",
      "max_over_time(cpu_usage[10m])",
      "sum_over_time(cpu_usage[10m])",
      "count_over_time(cpu_usage[10m])",
      "count_over_time(cpu_usage[1y])",
      "last_over_time(cpu_usage[10m])",
      "quantile_over_time(0.9, cpu_usage[10m])",
      "quantile_over_time(0.25, cpu_usage[1h])",
      "stddev_over_time(cpu_usage[10m])",
      "stdvar_over_time(cpu_usage[10m])",
      "present_over_time(cpu_usage[10m])",
      "changes(memory_bytes[15m])",
      "resets(http_requests_total[30m])",
      "sum by (job) (rate(http_requests_total[5m]))",
      "sum without (instance) (rate(http_requests_total[5m]))",
      "sum(rate(http_requests_total{code=~\"5..\"}[5m])) / sum(rate(http_requests_total[5m]))",
      "avg by (host) (cpu_usage)",
      "min by (mode) (cpu_usage)",
      "max(cpu_usage)",
      "count by (host) (cpu_usage)",
      "topk(2, cpu_usage)",
      "bottomk(2, cpu_usage)",
      "topk by (mode) (1, cpu_usage)",
      "quantile by (mode) (0.5, cpu_usage)",
      "stddev by (mode) (cpu_usage)",
      "stdvar(cpu_usage)",
      "group by (host) (cpu_usage)",
      "count_values(\"value\", memory_bytes)",
      "histogram_quantile(0.9, sum by (le) (rate(req_duration_seconds_bucket[5m])))",
      "histogram_quantile(0.5, rate(req_duration_seconds_bucket[10m]))",
      "histogram_quantile(0.99, sum by (le, instance) (rate(req_duration_seconds_bucket[5m])))",
      "histogram_quantile(0.05, sum by (le) (increase(req_duration_seconds_bucket[10m])))",
      "label_replace(cpu_usage, \"h\", \"$1-x\", \"host\", \"h(.*)\")",
      "label_replace(cpu_usage, 'mode', '${1}', 'mode', '(u)ser')",
      "label_replace(cpu_usage, `__name__`, \"x_$1\", \"mode\", \"(.*)\")",
      // Both refuse: two elements with the same labels; many-to-many.
      "label_replace(cpu_usage, 'host', '${1}', 'mode', '(u)ser')",
      "rate({__name__=~\"http_requests_total|memory_bytes\"}[5m])",
      "cpu_usage / on(mode) cpu_usage",
      "memory_bytes{host=\"h1\"} / on(mode) cpu_usage",
      "memory_bytes{host=\"h1\"} * on(host) group_left cpu_usage",
      "label_join(cpu_usage, \"hm\", \"-\", \"host\", \"mode\")",
      "absent(nonexistent{job=\"x\"})",
      "absent(cpu_usage)",
      "absent_over_time(nonexistent{a=\"b\"}[5m])",
      "absent_over_time(cpu_usage{host=\"h4\"}[5m])",
      "clamp(cpu_usage, 0.2, 0.8)",
      "clamp_min(cpu_usage, 0.3)",
      "clamp_max(cpu_usage, 0.3)",
      "abs(cpu_usage - 0.5)",
      "ceil(cpu_usage * 10)",
      "floor(cpu_usage * 10)",
      "round(cpu_usage * 10)",
      "round(cpu_usage, 0.25)",
      "sqrt(memory_bytes)",
      "exp(cpu_usage)",
      "ln(memory_bytes)",
      "log2(memory_bytes)",
      "log10(memory_bytes)",
      "sgn(cpu_usage - 0.5)",
      "time()",
      "timestamp(cpu_usage)",
      "vector(1)",
      "vector(time() / 60)",
      "scalar(sum(cpu_usage))",
      "scalar(cpu_usage)",
      "sort(cpu_usage)",
      "sort_desc(cpu_usage)",
      "cpu_usage > 0.5",
      "cpu_usage > bool 0.5",
      "0.5 < cpu_usage",
      "cpu_usage == bool cpu_usage",
      "cpu_usage{mode=\"user\"} / ignoring(mode) cpu_usage{mode=\"system\"}",
      "cpu_usage{mode=\"user\"} + on(host) cpu_usage{mode=\"system\"}",
      "cpu_usage{mode=\"user\"} >= on(host) cpu_usage{mode=\"system\"}",
      "cpu_usage * on(host) group_left(role) host_info",
      "host_info * on(host) group_right(role) cpu_usage",
      "cpu_usage > on(host) group_left host_info - 0.5",
      "rate(http_requests_total[5m]) / on(job, instance) group_left "
      "sum by (job, instance) (rate(http_requests_total[5m]))",
      "cpu_usage and on(host) memory_bytes > 1250",
      "cpu_usage or memory_bytes",
      "cpu_usage unless on(host) memory_bytes > 1250",
      "2 ^ 3 ^ 2",
      "-2 ^ 2",
      "cpu_usage ^ 2",
      "memory_bytes % 7",
      "cpu_usage atan2 0.5",
      "-cpu_usage",
      "1 + 2 * 3 - 4 / 2",
      "cpu_usage * Inf",
      "vector(NaN)",
      "(cpu_usage + 1) / (cpu_usage - 0.5)",
      // Edges and combinations.
      "rate(http_requests_total{instance=\"c\"}[30m])",
      "increase(http_requests_total[2m])",
      "delta(memory_bytes[3m] offset 1m)",
      "changes(cpu_usage[5m])",
      "timestamp(cpu_usage offset 5m)",
      "timestamp(sum(cpu_usage))",
      "absent(cpu_usage{host=\"h4\", mode=\"user\"})",
      "absent_over_time(http_requests_total{instance=\"c\", code=\"200\"}[10m])",
      "sum by (__name__) ({__name__=~\"cpu_usage|memory_bytes\"})",
      "count_values by (host) (\"v\", memory_bytes)",
      "quantile(0.3, cpu_usage)",
      "quantile(-0.1, cpu_usage)",
      "quantile_over_time(1.5, cpu_usage[5m])",
      "bottomk by (host) (1, cpu_usage)",
      "topk(3, rate(http_requests_total[5m]))",
      "clamp(cpu_usage, 0.8, 0.2)",
      "label_replace(cpu_usage, \"x\", \"y\", \"host\", \"nomatch\")",
      "label_join(http_requests_total, \"__name__\", \"_\", \"job\", \"code\")",
      "-cpu_usage ^ 2",
      "memory_bytes % -3",
      "vector(1) + on() group_left max(cpu_usage)",
      "max(rate(http_requests_total[5m])) by (instance)",
      "histogram_quantile(0.75, sum without (instance) (rate(req_duration_seconds_bucket[15m])))",
      "histogram_quantile(1, rate(req_duration_seconds_bucket[5m]))",
      "histogram_quantile(0, rate(req_duration_seconds_bucket[5m]))",
      "sum(rate(http_requests_total[5m])) by (code) / ignoring(code) group_left sum(rate(http_requests_total[5m]))",
      "stddev_over_time(memory_bytes[20m]) > 0",
      "deriv(memory_bytes[30m])",
      "irate(http_requests_total[1m])",
      "idelta(http_requests_total[2m])",
      "resets(cpu_usage[1h])",
      "avg(cpu_usage) - avg(cpu_usage offset 1h)",
  };
  return *kCorpus;
}

TEST_F(PrometheusCompare, InstantQueries) {
  const std::vector<int64_t> times = {kT0 + 30 * kM, kT0 + 65 * kM + 7 * kS, kT0 + 95 * kM,
                                      kT0 + 170 * kM + 500};
  for (const std::string& q : Corpus()) {
    for (int64_t t : times) CheckInstant(q, t);
  }
  EXPECT_GE(Corpus().size(), 60u);
  std::printf("instant: %zu queries x %zu times, %zu series and %zu values compared, %zu errors\n",
              Corpus().size(), times.size(), series_compared_, points_compared_, errors_compared_);
}

TEST_F(PrometheusCompare, RangeQueries) {
  series_compared_ = points_compared_ = errors_compared_ = 0;
  for (const std::string& q : Corpus()) {
    CheckRange(q, kT0 + 20 * kM, kT0 + 140 * kM, 60 * kS);
    CheckRange(q, kT0 + 85 * kM + 3 * kS, kT0 + 115 * kM, 37 * kS);
  }
  std::printf("range: %zu queries x 2 ranges, %zu series and %zu points compared, %zu errors\n",
              Corpus().size(), series_compared_, points_compared_, errors_compared_);
}

}  // namespace
}  // namespace scout::collector::promql
