#include "shared/prom_text.h"

#include <charconv>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "shared/metric_catalog.h"

namespace scout {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Catalog types -> exposition types ("unknown" is spelled "untyped" in 0.0.4).
std::string ExpositionType(std::string_view type) {
  if (type == "counter" || type == "gauge" || type == "histogram" || type == "summary") {
    return std::string(type);
  }
  return "untyped";
}

}  // namespace

PromFamily FamilyOf(std::string_view metric) {
  // Members first: the catalog also lists X_bucket itself (as a histogram),
  // yet its samples belong under X's # TYPE line.
  if (const MetricInfo* family = FamilyOfMember(metric)) {
    return {std::string(family->name), std::string(family->type), std::string(family->help)};
  }
  if (const MetricInfo* info = FindMetric(metric)) {
    return {std::string(metric), ExpositionType(info->type), std::string(info->help)};
  }
  if (EndsWith(metric, "_total")) return {std::string(metric), "counter", ""};
  return {std::string(metric), "untyped", ""};
}

std::string FormatPromValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    return std::to_string(static_cast<int64_t>(value));
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);  // shortest round-trip
  return std::string(buf, end);
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

std::string WritePromText(std::vector<PromSample> samples) {
  // family name -> (family, samples in input order)
  std::map<std::string, std::pair<PromFamily, std::vector<const PromSample*>>> families;
  for (const PromSample& s : samples) {
    PromFamily f = FamilyOf(s.name);
    auto& entry = families[f.name];
    if (entry.second.empty()) entry.first = std::move(f);
    entry.second.push_back(&s);
  }
  std::string out;
  for (const auto& [name, entry] : families) {
    const PromFamily& f = entry.first;
    // Linters (promtool check metrics) want help on every family: an
    // undocumented one says so rather than staying silent.
    absl::StrAppend(&out, "# HELP ", name, " ",
                    f.help.empty() ? std::string(kUndocumentedHelp) : EscapeHelp(f.help), "\n");
    absl::StrAppend(&out, "# TYPE ", name, " ", f.type, "\n");
    for (const PromSample* s : entry.second) {
      out += s->name;
      if (!s->labels.empty()) {
        out += '{';
        for (size_t i = 0; i < s->labels.size(); ++i) {
          absl::StrAppend(&out, i ? "," : "", s->labels[i].first, "=\"",
                          EscapeLabelValue(s->labels[i].second), "\"");
        }
        out += '}';
      }
      absl::StrAppend(&out, " ", FormatPromValue(s->value), "\n");
    }
  }
  return out;
}

}  // namespace scout
