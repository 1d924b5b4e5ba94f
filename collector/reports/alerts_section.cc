#include "collector/reports/alerts_section.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"

namespace scout::collector::reports {
namespace {

bool IsFiring(const alerting::AlertTransition& t) { return t.to == "firing"; }

std::string LabelsText(const Labels& labels) {
  std::string out;
  for (const auto& [name, value] : labels) {
    if (name == "alertname" || name == "severity") continue;
    absl::StrAppend(&out, out.empty() ? "" : ", ", name, "=", value);
  }
  return out;
}

}  // namespace

absl::StatusOr<AlertsSection> ComputeAlerts(ReportSource& source, int64_t start_ms,
                                            int64_t end_ms) {
  auto transitions = source.AlertTransitions(start_ms, end_ms);
  if (!transitions.ok()) return transitions.status();
  AlertsSection out;
  std::map<std::string, int64_t> by_rule;
  for (const alerting::AlertTransition& t : *transitions) {
    if (!IsFiring(t)) continue;
    FiredAlert a;
    a.at_ms = t.at_ms;
    a.rule = t.rule;
    a.severity = LabelValue(t.labels, "severity");
    a.labels = LabelsText(t.labels);
    a.value = t.value;
    out.fired.push_back(std::move(a));
    ++by_rule[t.rule];
  }
  for (const auto& [rule, n] : by_rule) out.by_rule.emplace_back(rule, n);
  std::stable_sort(out.by_rule.begin(), out.by_rule.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

absl::StatusOr<std::vector<int64_t>> CountFiredPerDay(ReportSource& source,
                                                      const std::vector<DayWindow>& days) {
  std::vector<int64_t> counts(days.size(), 0);
  if (days.empty()) return counts;
  auto transitions = source.AlertTransitions(days.front().start_ms, days.back().end_ms);
  if (!transitions.ok()) return transitions.status();
  for (const alerting::AlertTransition& t : *transitions) {
    if (!IsFiring(t)) continue;
    for (size_t i = 0; i < days.size(); ++i) {
      if (t.at_ms >= days[i].start_ms && t.at_ms < days[i].end_ms) ++counts[i];
    }
  }
  return counts;
}

}  // namespace scout::collector::reports
