#include "collector/storage/quantile_sketch.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "collector/storage/byte_codec.h"

namespace scout::collector {
namespace {

constexpr double kGamma =
    (1 + QuantileSketch::kRelativeAccuracy) / (1 - QuantileSketch::kRelativeAccuracy);
constexpr double kMinMagnitude = 1e-9;  // below: counted as zero
constexpr uint8_t kVersion = 1;

const double kLogGamma = std::log(kGamma);

int32_t BucketIndex(double magnitude) {
  return static_cast<int32_t>(std::ceil(std::log(magnitude) / kLogGamma));
}

// The value in (gamma^(i-1), gamma^i] with the smallest worst-case
// relative error to every other value there.
double Representative(int32_t index) {
  return 2 * std::pow(kGamma, index) / (kGamma + 1);
}

void PutBuckets(const std::map<int32_t, uint64_t>& buckets, std::string* out) {
  PutVarint(buckets.size(), out);
  int64_t previous = 0;
  for (const auto& [index, count] : buckets) {
    PutVarint(ZigZag(index - previous), out);
    PutVarint(count, out);
    previous = index;
  }
}

bool GetBuckets(std::string_view* in, std::map<int32_t, uint64_t>* buckets, uint64_t* total) {
  uint64_t n;
  if (!GetVarint(in, &n) || n > QuantileSketch::kMaxBuckets) return false;
  int64_t index = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t delta, count;
    if (!GetVarint(in, &delta) || !GetVarint(in, &count)) return false;
    // index is within int32 (checked below), so a larger step is corrupt;
    // checking first keeps the sum from overflowing (issue 16, tests/fuzz).
    const int64_t step = UnZigZag(delta);
    if (step < -(int64_t{1} << 33) || step > (int64_t{1} << 33)) return false;
    index += step;
    if (index < std::numeric_limits<int32_t>::min() || index > std::numeric_limits<int32_t>::max()) {
      return false;
    }
    (*buckets)[static_cast<int32_t>(index)] += count;
    *total += count;
  }
  return true;
}

}  // namespace

void QuantileSketch::Collapse(std::map<int32_t, uint64_t>* buckets) {
  // Smallest magnitudes lose resolution first: for latencies those are the
  // sub-microsecond values nobody asks a percentile about.
  while (buckets->size() > kMaxBuckets) {
    auto first = buckets->begin();
    const uint64_t count = first->second;
    buckets->erase(first);
    buckets->begin()->second += count;
  }
}

void QuantileSketch::Add(double value, uint64_t count) {
  if (count == 0 || std::isnan(value)) return;
  if (count_ == 0) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  count_ += count;
  const double magnitude = std::fabs(value);
  if (magnitude < kMinMagnitude) {
    zero_ += count;
    return;
  }
  auto& buckets = value > 0 ? positive_ : negative_;
  buckets[BucketIndex(std::min(magnitude, std::numeric_limits<double>::max()))] += count;
  if (buckets.size() > kMaxBuckets) Collapse(&buckets);
}

void QuantileSketch::Merge(const QuantileSketch& other) {
  if (other.count_ == 0) return;
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  zero_ += other.zero_;
  for (const auto& [i, c] : other.positive_) positive_[i] += c;
  for (const auto& [i, c] : other.negative_) negative_[i] += c;
  Collapse(&positive_);
  Collapse(&negative_);
}

double QuantileSketch::ValueAtRank(uint64_t k) const {
  // The extremes are known exactly.
  if (k == 0) return min_;
  if (k + 1 >= count_) return max_;
  // Ascending value order: negatives by decreasing magnitude, zeros,
  // positives by increasing magnitude.
  uint64_t seen = 0;
  for (auto it = negative_.rbegin(); it != negative_.rend(); ++it) {
    seen += it->second;
    if (k < seen) return -Representative(it->first);
  }
  seen += zero_;
  if (k < seen) return 0;
  for (const auto& [index, count] : positive_) {
    seen += count;
    if (k < seen) return Representative(index);
  }
  return max_;
}

namespace {
// A rank as an integer in [0, last]. A count decoded from a hostile blob
// may be near 2^64, where the double rank rounds up past the last one.
uint64_t ClampRank(double rank, uint64_t last) {
  if (!(rank > 0)) return 0;  // also NaN
  if (rank >= static_cast<double>(last)) return last;
  return static_cast<uint64_t>(rank);
}
}  // namespace

double QuantileSketch::Quantile(double q) const {
  if (count_ == 0) return std::numeric_limits<double>::quiet_NaN();
  const double rank = q * static_cast<double>(count_ - 1);
  const uint64_t lo = ClampRank(std::floor(rank), count_ - 1);
  const uint64_t hi = ClampRank(std::ceil(rank), count_ - 1);
  const double lo_value = std::clamp(ValueAtRank(lo), min_, max_);
  const double hi_value = hi == lo ? lo_value : std::clamp(ValueAtRank(hi), min_, max_);
  return lo_value + (hi_value - lo_value) * (rank - static_cast<double>(lo));
}

std::string QuantileSketch::Serialize() const {
  std::string out;
  out.push_back(static_cast<char>(kVersion));
  PutVarint(zero_, &out);
  PutFixed(min_, &out);
  PutFixed(max_, &out);
  PutBuckets(positive_, &out);
  PutBuckets(negative_, &out);
  return out;
}

absl::StatusOr<QuantileSketch> QuantileSketch::Deserialize(std::string_view data) {
  QuantileSketch s;
  if (data.empty() || static_cast<uint8_t>(data.front()) != kVersion) {
    return absl::DataLossError("quantile sketch: unknown version");
  }
  data.remove_prefix(1);
  uint64_t total = 0;
  if (!GetVarint(&data, &s.zero_) || !GetFixed(&data, &s.min_) || !GetFixed(&data, &s.max_) ||
      !GetBuckets(&data, &s.positive_, &total) || !GetBuckets(&data, &s.negative_, &total) ||
      !data.empty()) {
    return absl::DataLossError("quantile sketch: truncated or corrupt");
  }
  s.count_ = total + s.zero_;
  return s;
}

}  // namespace scout::collector
