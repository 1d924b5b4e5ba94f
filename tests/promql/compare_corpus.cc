#include "tests/promql/compare_corpus.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "collector/promql/eval.h"

namespace scout::collector::promql::compare {
namespace {

// Deterministic noise in [0, 1).
double Noise(uint64_t a, uint64_t b) {
  uint64_t x = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL);
  x ^= x >> 29;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 32;
  return static_cast<double>(x % 1000003) / 1000003.0;
}

// Scrape times with up to +-1.5 s of jitter; [gap_from, gap_to) left out.
std::vector<int64_t> Times(int64_t t0, uint64_t seed, int64_t gap_from = 0, int64_t gap_to = 0) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i * kStep < kSpan; ++i) {
    const int64_t t = t0 + i * kStep + static_cast<int64_t>(Noise(seed, i) * 3000) - 1500;
    if (t >= t0 + gap_from && t < t0 + gap_to) continue;
    out.push_back(t);
  }
  return out;
}

// Staleness: the points in [t0 + from, t0 + to) are replaced by one
// StaleNaN at t0 + from, as a Prometheus scrape that no longer finds the
// series writes one.
void MarkStale(int64_t t0, int64_t from, int64_t to, std::vector<Point>* points) {
  std::vector<Point> out;
  bool marked = false;
  for (const Point& p : *points) {
    if (p.timestamp_ms >= t0 + from && p.timestamp_ms < t0 + to) {
      if (!marked) out.push_back({t0 + from, StaleNaN()});
      marked = true;
      continue;
    }
    out.push_back(p);
  }
  *points = std::move(out);
}

}  // namespace

MemorySource MakeDataset(const DatasetOptions& options) {
  const int64_t t0 = options.t0_ms;
  const bool stale = options.staleness_markers;
  MemorySource src;
  // Counters: a resets twice, b once; c has a 20-minute gap.
  const char* instances[] = {"a", "b", "c"};
  const char* codes[] = {"200", "500"};
  for (int i = 0; i < 3; ++i) {
    for (int c = 0; c < 2; ++c) {
      std::vector<Point> pts;
      double v = 0;
      const uint64_t seed = 10 + i * 2 + c;
      const auto times = i == 2 ? Times(t0, seed, 90 * kM, 110 * kM) : Times(t0, seed);
      for (size_t k = 0; k < times.size(); ++k) {
        const int64_t at = times[k] - t0;
        const bool reset = (i == 0 && (at / kStep == 200 || at / kStep == 480)) ||
                           (i == 1 && at / kStep == 320);
        v = reset ? Noise(seed, k) * 3 : v + (c == 0 ? 20 : 1) * Noise(seed + 100, k);
        pts.push_back({times[k], v});
      }
      if (stale && i == 1 && c == 1) MarkStale(t0, 150 * kM, kSpan, &pts);  // ends for good
      src.Add("http_requests_total",
              {{"job", "api"}, {"instance", instances[i]}, {"code", codes[c]}}, std::move(pts));
    }
  }
  // Gauges: h4 has a 12-minute gap (longer than the lookback).
  const char* modes[] = {"user", "system"};
  for (int h = 1; h <= 4; ++h) {
    for (int m = 0; m < 2; ++m) {
      const uint64_t seed = 40 + h * 2 + m;
      const auto times = h == 4 ? Times(t0, seed, 60 * kM, 72 * kM) : Times(t0, seed);
      std::vector<Point> pts;
      for (size_t k = 0; k < times.size(); ++k) {
        const double v = 0.5 + 0.4 * std::sin(static_cast<double>(k) / (7.0 + h + m)) +
                         0.05 * Noise(seed, k) - (h == 3 ? 0.6 : 0.0);
        pts.push_back({times[k], v});
      }
      if (stale && h == 2 && m == 0) MarkStale(t0, 100 * kM, 115 * kM, &pts);  // back later
      src.Add("cpu_usage", {{"host", "h" + std::to_string(h)}, {"mode", modes[m]}},
              std::move(pts));
    }
    std::vector<Point> mem, info;
    for (int64_t t : Times(t0, 70 + h)) {
      mem.push_back({t, static_cast<double>(1000 + 100 * h + (((t - t0) / (7 * kM)) % 3) * 10)});
      info.push_back({t, 1});
    }
    // Back after 2 minutes: inside the lookback, only the marker hides it.
    if (stale && h == 3) MarkStale(t0, 50 * kM, 52 * kM, &mem);
    src.Add("memory_bytes", {{"host", "h" + std::to_string(h)}}, std::move(mem));
    src.Add("host_info", {{"host", "h" + std::to_string(h)}, {"role", h % 2 == 0 ? "db" : "web"}},
            std::move(info));
  }
  // Histogram buckets of two instances, the same scrape times per instance.
  const char* les[] = {"0.1", "0.5", "1", "5", "+Inf"};
  for (int i = 0; i < 2; ++i) {
    const auto times = Times(t0, 90 + i);
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
      if (stale && i == 1) MarkStale(t0, 160 * kM, kSpan, &buckets[b]);  // instance ends
      src.Add("req_duration_seconds_bucket",
              {{"job", "api"}, {"instance", instances[i]}, {"le", les[b]}}, buckets[b]);
    }
  }
  return src;
}

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
      "predict_linear(memory_bytes[30m], 3600)",
      "predict_linear(cpu_usage[10m] offset 5m, 600)",
      "predict_linear(http_requests_total[15m], 0) > 0",
      "irate(http_requests_total[1m])",
      "idelta(http_requests_total[2m])",
      "resets(cpu_usage[1h])",
      "avg(cpu_usage) - avg(cpu_usage offset 1h)",
      // Series that end with a staleness marker (when the dataset has them).
      "memory_bytes{host=\"h3\"}",
      "last_over_time(memory_bytes[10m])",
      "count_over_time(http_requests_total[15m])",
      "present_over_time(req_duration_seconds_bucket{le=\"+Inf\"}[2m])",
      "sum by (instance) (rate(req_duration_seconds_bucket[5m]))",
  };
  return *kCorpus;
}


std::vector<int64_t> InstantTimes(int64_t t0) {
  return {t0 + 30 * kM, t0 + 51 * kM, t0 + 65 * kM + 7 * kS, t0 + 95 * kM,
          t0 + 105 * kM, t0 + 155 * kM, t0 + 170 * kM + 500};
}

std::vector<RangeWindow> RangeWindows(int64_t t0) {
  return {{t0 + 20 * kM, t0 + 140 * kM, 60 * kS},
          {t0 + 85 * kM + 3 * kS, t0 + 115 * kM, 37 * kS},
          {t0 + 140 * kM, t0 + 179 * kM, 30 * kS}};
}

std::string LabelsKey(const Labels& labels) {
  std::string out = "{";
  for (const auto& [n, v] : labels) out += n + "=\"" + v + "\",";
  return out + "}";
}

std::string LabelsKey(const nlohmann::json& metric) {
  std::map<std::string, std::string> sorted;
  for (const auto& [n, v] : metric.items()) sorted[n] = v.get<std::string>();
  return LabelsKey(Labels(sorted.begin(), sorted.end()));
}

namespace {
double ParseValue(const nlohmann::json& v) {
  return std::strtod(v.get<std::string>().c_str(), nullptr);
}
}  // namespace

Series FromApiData(const nlohmann::json& data, int64_t t_ms) {
  Series out;
  const std::string type = data.at("resultType").get<std::string>();
  const nlohmann::json& result = data.at("result");
  if (type == "scalar") {
    out["{}"][t_ms] = ParseValue(result[1]);
  } else if (type == "vector") {
    for (const auto& e : result) out[LabelsKey(e.at("metric"))][t_ms] = ParseValue(e.at("value")[1]);
  } else if (type == "matrix") {
    for (const auto& s : result) {
      auto& points = out[LabelsKey(s.at("metric"))];
      for (const auto& p : s.at("values")) {
        points[std::llround(p[0].get<double>() * 1000)] = ParseValue(p[1]);
      }
    }
  }
  return out;
}

bool SameValue(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;
  const double diff = std::fabs(a - b);
  return diff <= 1e-9 * std::max(std::fabs(a), std::fabs(b)) || diff <= 1e-12;
}

std::vector<std::string> CompareSeries(const std::string& what, const Series& want,
                                       const Series& got, CompareCounts* counts) {
  std::vector<std::string> diffs;
  auto text = [](double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return std::string(buf);
  };
  for (const auto& [key, points] : want) {
    ++counts->series;
    auto it = got.find(key);
    if (it == got.end()) {
      diffs.push_back(what + ": Scout lacks series " + key);
      continue;
    }
    for (const auto& [t, v] : points) {
      ++counts->points;
      auto p = it->second.find(t);
      if (p == it->second.end()) {
        diffs.push_back(what + ": Scout lacks " + key + " at " + std::to_string(t) +
                        " (Prometheus " + text(v) + ")");
      } else if (!SameValue(v, p->second)) {
        diffs.push_back(what + ": " + key + " at " + std::to_string(t) + ": Prometheus " +
                        text(v) + ", Scout " + text(p->second));
      }
    }
    if (it->second.size() != points.size()) {
      diffs.push_back(what + ": " + key + ": Prometheus has " + std::to_string(points.size()) +
                      " points, Scout " + std::to_string(it->second.size()));
    }
  }
  for (const auto& [key, points] : got) {
    if (want.count(key) == 0) diffs.push_back(what + ": Scout has an extra series " + key);
  }
  return diffs;
}

std::string ApiSeconds(int64_t ms) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return buf;
}

}  // namespace scout::collector::promql::compare
