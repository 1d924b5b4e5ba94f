#include "shared/metric.h"

#include <algorithm>

namespace scout {

Labels MakeLabels(std::vector<std::pair<std::string, std::string>> labels) {
  std::sort(labels.begin(), labels.end());
  return labels;
}

const std::string& LabelValue(const Labels& labels, const std::string& name) {
  static const std::string kEmpty;
  for (const auto& [n, v] : labels) {
    if (n == name) return v;
  }
  return kEmpty;
}

std::string SeriesKeyString(const SeriesKey& key) {
  std::string out = key.metric;
  if (key.labels.empty()) return out;
  out += '{';
  bool first = true;
  for (const auto& [name, value] : key.labels) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    for (char c : value) {
      if (c == '"' || c == '\\') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

namespace {
bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }
}  // namespace

bool IsValidMetricName(const std::string& name) {
  if (name.empty() || !(IsNameStart(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return IsNameChar(c) || c == ':'; });
}

bool IsValidLabelName(const std::string& name) {
  if (name.empty() || !IsNameStart(name[0])) return false;
  return std::all_of(name.begin(), name.end(), IsNameChar);
}

}  // namespace scout
