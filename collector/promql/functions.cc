#include "collector/promql/functions.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace scout::collector::promql {
namespace {

using ast::Func;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

double Seconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

// Scout's increase: resets handled, no extrapolation (parser.h).
double ScoutIncrease(const Point* b, const Point* e) {
  double increase = 0;
  for (const Point* p = b + 1; p < e; ++p) {
    const double prev = (p - 1)->value;
    // A drop is a counter reset: the counter restarted from 0.
    increase += p->value >= prev ? p->value - prev : p->value;
  }
  return increase;
}

// Prometheus 2.42's rate/increase/delta: the change between the first and
// last point (plus, for counters, the value before each drop), scaled from
// the sampled interval to the window: each edge is extended to the window
// boundary when the gap to it is under 1.1 average sample intervals, else by
// half an interval; a counter is never extrapolated below zero.
double ExtrapolatedRate(const Point* b, const Point* e, int64_t window_end_ms, int64_t range_ms,
                        bool is_counter, bool is_rate) {
  const Point& first = *b;
  const Point& last = *(e - 1);
  double result = last.value - first.value;
  if (is_counter) {
    double prev = 0;
    for (const Point* p = b; p < e; ++p) {
      if (p->value < prev) result += prev;
      prev = p->value;
    }
  }
  const int64_t range_start = window_end_ms - range_ms;
  double to_start = Seconds(first.timestamp_ms - range_start);
  const double to_end = Seconds(window_end_ms - last.timestamp_ms);
  const double sampled = Seconds(last.timestamp_ms - first.timestamp_ms);
  const double average = sampled / static_cast<double>(e - b - 1);
  if (is_counter && result > 0 && first.value >= 0) {
    const double to_zero = sampled * (first.value / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  const double threshold = average * 1.1;
  double interval = sampled;
  interval += to_start < threshold ? to_start : average / 2;
  interval += to_end < threshold ? to_end : average / 2;
  double factor = interval / sampled;
  if (is_rate) factor /= Seconds(range_ms);
  return result * factor;
}

// The least-squares line through the points: y = mean_y + slope * (x -
// mean_x), x in seconds relative to the first point, so large timestamps
// lose no precision.
struct Line {
  int64_t t0 = 0;
  double mean_x = 0, mean_y = 0, slope = 0;
};

bool FitLine(const Point* b, const Point* e, Line* line) {
  const size_t n = static_cast<size_t>(e - b);
  if (n < 2) return false;
  line->t0 = b->timestamp_ms;
  double mx = 0, my = 0;
  for (const Point* p = b; p < e; ++p) {
    mx += Seconds(p->timestamp_ms - line->t0);
    my += p->value;
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxy = 0, sxx = 0;
  for (const Point* p = b; p < e; ++p) {
    const double dx = Seconds(p->timestamp_ms - line->t0) - mx;
    sxy += dx * (p->value - my);
    sxx += dx * dx;
  }
  if (sxx == 0) return false;
  line->mean_x = mx;
  line->mean_y = my;
  line->slope = sxy / sxx;
  return true;
}

bool Deriv(const Point* b, const Point* e, double* out) {
  Line line;
  if (!FitLine(b, e, &line)) return false;
  *out = line.slope;
  return true;
}

// Population variance by Welford's method (exactly 0 for constant input).
double Variance(const Point* b, const Point* e) {
  double count = 0, mean = 0, aux = 0;
  for (const Point* p = b; p < e; ++p) {
    count += 1;
    const double delta = p->value - mean;
    mean += delta / count;
    aux += delta * (p->value - mean);
  }
  return aux / count;
}

// irate / idelta: the last two points.
bool Instant(const Point* b, const Point* e, bool is_rate, double* out) {
  if (e - b < 2) return false;
  const Point& last = *(e - 1);
  const Point& prev = *(e - 2);
  double v = (is_rate && last.value < prev.value) ? last.value : last.value - prev.value;
  const int64_t interval = last.timestamp_ms - prev.timestamp_ms;
  if (interval == 0) return false;
  if (is_rate) v /= Seconds(interval);
  *out = v;
  return true;
}

}  // namespace

bool PredictLinear(const Point* b, const Point* e, int64_t at_ms, double seconds_ahead,
                   double* out) {
  Line line;
  if (!FitLine(b, e, &line)) return false;
  const double x = Seconds(at_ms - line.t0) + seconds_ahead;
  *out = line.mean_y + line.slope * (x - line.mean_x);
  return true;
}

double Quantile(double q, std::vector<double>* values, Semantics semantics) {
  if (values->empty() || std::isnan(q)) return kNaN;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  std::sort(values->begin(), values->end());
  const std::vector<double>& x = *values;
  const double rank = q * static_cast<double>(x.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(x.size() - 1, lo + 1);
  const double weight = rank - std::floor(rank);
  if (semantics == Semantics::kScout) return x[lo] + (x[hi] - x[lo]) * weight;
  return x[lo] * (1 - weight) + x[hi] * weight;
}

double HistogramQuantile(double q, std::vector<std::pair<double, double>> buckets) {
  if (std::isnan(q)) return kNaN;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  std::sort(buckets.begin(), buckets.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  if (buckets.empty() || !std::isinf(buckets.back().first) || buckets.back().first < 0) return kNaN;
  // Buckets with the same bound add up; counts are made monotonic (they
  // may not be when the buckets were read at slightly different times).
  std::vector<std::pair<double, double>> b;
  for (const auto& bucket : buckets) {
    if (!b.empty() && b.back().first == bucket.first) {
      b.back().second += bucket.second;
    } else {
      b.push_back(bucket);
    }
  }
  double max = -kInf;
  for (auto& bucket : b) {
    if (bucket.second > max) {
      max = bucket.second;
    } else {
      bucket.second = max;
    }
  }
  if (b.size() < 2) return kNaN;
  const double observations = b.back().second;
  if (observations == 0) return kNaN;
  double rank = q * observations;
  size_t i = 0;
  while (i < b.size() - 1 && !(b[i].second >= rank)) ++i;
  if (i == b.size() - 1) return b[b.size() - 2].first;
  if (i == 0 && b[0].first <= 0) return b[0].first;
  double start = 0;
  double count = b[i].second;
  if (i > 0) {
    start = b[i - 1].first;
    count -= b[i - 1].second;
    rank -= b[i - 1].second;
  }
  return start + (b[i].first - start) * (rank / count);
}

bool RangeFunction(Func func, Semantics semantics, double q, const Point* b, const Point* e,
                   int64_t window_end_ms, int64_t range_ms, std::vector<double>* scratch,
                   double* out) {
  const size_t n = static_cast<size_t>(e - b);
  if (n == 0) return false;
  const bool prom = semantics == Semantics::kPrometheus;
  switch (func) {
    case Func::kAvgOverTime:
    case Func::kSumOverTime: {
      double sum = 0;
      for (const Point* p = b; p < e; ++p) sum += p->value;
      *out = func == Func::kSumOverTime ? sum : sum / static_cast<double>(n);
      return true;
    }
    case Func::kMinOverTime:
    case Func::kMaxOverTime: {
      double best = b->value;
      for (const Point* p = b + 1; p < e; ++p) {
        if (std::isnan(best) || (func == Func::kMinOverTime ? p->value < best : p->value > best)) {
          best = p->value;
        }
      }
      *out = best;
      return true;
    }
    case Func::kCountOverTime: *out = static_cast<double>(n); return true;
    case Func::kLastOverTime: *out = (e - 1)->value; return true;
    case Func::kPresentOverTime: *out = 1; return true;
    case Func::kStdvarOverTime: *out = Variance(b, e); return true;
    case Func::kStddevOverTime: *out = std::sqrt(Variance(b, e)); return true;
    case Func::kQuantileOverTime:
      scratch->clear();
      for (const Point* p = b; p < e; ++p) scratch->push_back(p->value);
      *out = Quantile(q, scratch, semantics);
      return true;
    case Func::kRate:
    case Func::kIncrease:
    case Func::kDelta: {
      if (n < 2) return false;
      const int64_t span_ms = (e - 1)->timestamp_ms - b->timestamp_ms;
      if (prom) {
        *out = ExtrapolatedRate(b, e, window_end_ms, range_ms, func != Func::kDelta,
                                func == Func::kRate);
        return true;
      }
      if (func == Func::kDelta) {
        *out = (e - 1)->value - b->value;
        return true;
      }
      if (span_ms <= 0) return false;
      const double increase = ScoutIncrease(b, e);
      *out = func == Func::kIncrease ? increase : increase / Seconds(span_ms);
      return true;
    }
    case Func::kIrate: return Instant(b, e, true, out);
    case Func::kIdelta: return Instant(b, e, false, out);
    case Func::kDeriv: return Deriv(b, e, out);
    case Func::kChanges:
    case Func::kResets: {
      double count = 0;
      for (const Point* p = b + 1; p < e; ++p) {
        const double prev = (p - 1)->value, cur = p->value;
        if (func == Func::kResets ? cur < prev
                                  : cur != prev && !(std::isnan(cur) && std::isnan(prev))) {
          count += 1;
        }
      }
      *out = count;
      return true;
    }
    default:
      return false;
  }
}

}  // namespace scout::collector::promql
