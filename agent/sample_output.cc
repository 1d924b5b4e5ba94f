#include "agent/sample_output.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "shared/json_string.h"
#include "shared/metric.h"

namespace scout::agent {
namespace {

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

std::vector<Sample> Sorted(std::vector<Sample> samples) {
  std::sort(samples.begin(), samples.end(),
            [](const Sample& a, const Sample& b) { return a.key < b.key; });
  return samples;
}

}  // namespace

void PrintSamplesText(const std::vector<Sample>& samples, std::ostream& out) {
  for (const Sample& s : Sorted(samples)) {
    out << SeriesKeyString(s.key) << ' ' << Number(s.point.value) << ' '
        << s.point.timestamp_ms << '\n';
  }
}

void PrintSamplesJson(const std::vector<Sample>& samples, std::ostream& out) {
  for (const Sample& s : Sorted(samples)) {
    out << "{\"metric\":" << JsonString(s.key.metric) << ",\"labels\":{";
    for (size_t i = 0; i < s.key.labels.size(); ++i) {
      if (i > 0) out << ',';
      out << JsonString(s.key.labels[i].first) << ':' << JsonString(s.key.labels[i].second);
    }
    out << "},\"value\":" << Number(s.point.value)
        << ",\"timestamp_ms\":" << s.point.timestamp_ms << "}\n";
  }
}

}  // namespace scout::agent
