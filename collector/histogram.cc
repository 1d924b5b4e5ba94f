#include "collector/histogram.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <charconv>

namespace scout::collector {
namespace {

// Fixed notation, shortest that reads back: "0.0005", "1000000". Not the
// exponent form FormatPromValue may pick ("5e-04"): `le` is a label, and
// selectors and dashboards match its text.
std::string FormatLe(double bound) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, bound, std::chars_format::fixed);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(bound);
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size(), 0) {}

void Histogram::Observe(double value) {
  if (std::isnan(value)) return;
  // First bound >= value: `le` is inclusive.
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  if (it != bounds_.end()) ++counts_[static_cast<size_t>(it - bounds_.begin())];
  ++count_;
  sum_ += value;
}

std::vector<SeriesPoints> HistogramSeries(const std::string& name, const Histogram& h,
                                          const Labels& labels, int64_t now_ms) {
  std::vector<SeriesPoints> out;
  out.reserve(h.bounds().size() + 3);
  auto add = [&](std::string metric, double value, Labels l) {
    out.push_back({SeriesKey{std::move(metric), std::move(l)}, {Point{now_ms, value}}});
  };
  auto with_le = [&labels](const std::string& le) {
    Labels l = labels;
    l.emplace_back("le", le);
    return MakeLabels(std::move(l));
  };
  uint64_t cumulative = 0;
  for (size_t i = 0; i < h.bounds().size(); ++i) {
    cumulative += h.counts()[i];
    add(name + "_bucket", static_cast<double>(cumulative), with_le(FormatLe(h.bounds()[i])));
  }
  add(name + "_bucket", static_cast<double>(h.count()), with_le("+Inf"));
  add(name + "_sum", h.sum(), MakeLabels(labels));
  add(name + "_count", static_cast<double>(h.count()), MakeLabels(labels));
  return out;
}

std::vector<double> CommitSecondsBounds() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> CommitSamplesBounds() { return {1, 10, 100, 1e3, 1e4, 1e5, 1e6}; }

std::vector<double> CommitBatchesBounds() {
  std::vector<double> bounds;
  for (double b = 1; b <= 1024; b *= 2) bounds.push_back(b);
  return bounds;
}

}  // namespace scout::collector
