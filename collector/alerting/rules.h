// Alert rules: the YAML rules file and its validation.
//
//   rules:
//     - name: HighCpuUsage                  # [A-Za-z_][A-Za-z0-9_]*, unique
//       expr: avg_over_time(node_cpu_usage_ratio[5m]) > 0.7   # collector/promql/parser.h
//       for: 5m                             # pending this long before firing (default 0)
//       labels: {severity: warning, team: platform}
//       annotations:                        # templates, see template.h
//         summary: "CPU on {{ $labels.host }} at {{ $value | humanizePercentage }}"
//
// Every mistake is an error naming file:line:column and the key, e.g.
//   rules.yaml:12:11: key 'rules[3].expr': column 22: expected ')', found ']'
// The expression must yield a vector (one alert per element); `alertname`
// and labels starting with "__" are reserved.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/promql/parser.h"
#include "collector/alerting/template.h"
#include "shared/metric.h"

namespace scout::collector::alerting {

struct Rule {
  std::string name;
  std::string expr_text;
  promql::Expr expr;
  std::chrono::milliseconds for_duration{0};
  Labels labels;  // sorted
  std::vector<std::pair<std::string, Template>> annotations;  // sorted by name
  std::string where;  // "file:line" of the rule, for messages
};

absl::StatusOr<std::vector<Rule>> LoadRules(const std::string& path);

}  // namespace scout::collector::alerting
