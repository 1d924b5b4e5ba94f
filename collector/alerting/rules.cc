#include "collector/alerting/rules.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "re2/re2.h"
#include "shared/status_macros.h"
#include "shared/yaml_config.h"

namespace scout::collector::alerting {
namespace {

absl::StatusOr<Rule> ReadRule(ConfigMap& m) {
  Rule r;
  SCOUT_RETURN_IF_ERROR(m.Read("name", &r.name));
  static const RE2 kName("[A-Za-z_][A-Za-z0-9_]*");
  if (r.name.empty()) return m.ErrorAt("name", "every rule needs a name");
  if (!RE2::FullMatch(r.name, kName)) {
    return m.ErrorAt("name", "must match [A-Za-z_][A-Za-z0-9_]*");
  }
  SCOUT_RETURN_IF_ERROR(m.Read("expr", &r.expr_text));
  if (r.expr_text.empty()) return m.ErrorAt("expr", "every rule needs an expression");
  absl::StatusOr<promql::Expr> expr = promql::ParseExpr(r.expr_text);
  if (!expr.ok()) return m.ErrorAt("expr", std::string(expr.status().message()));
  if (expr->ReturnsScalar()) {
    return m.ErrorAt("expr", "yields a single number; an alert expression must select series "
                             "(e.g. compare a metric with the threshold)");
  }
  r.expr = *std::move(expr);
  SCOUT_RETURN_IF_ERROR(m.ReadDuration("for", &r.for_duration));
  if (r.for_duration.count() < 0) return m.ErrorAt("for", "must not be negative");

  std::map<std::string, std::string> labels, annotations;
  SCOUT_RETURN_IF_ERROR(m.Read("labels", &labels));
  std::vector<std::pair<std::string, std::string>> pairs;
  for (auto& [name, value] : labels) {
    if (!IsValidLabelName(name)) return m.ErrorAt("labels", absl::StrCat("invalid label name '", name, "'"));
    if (name == "alertname" || name.rfind("__", 0) == 0) {
      return m.ErrorAt("labels", absl::StrCat("label '", name, "' is reserved"));
    }
    pairs.emplace_back(name, value);
  }
  r.labels = MakeLabels(std::move(pairs));
  SCOUT_RETURN_IF_ERROR(m.Read("annotations", &annotations));
  for (auto& [name, text] : annotations) {
    absl::StatusOr<Template> t = Template::Parse(text);
    if (!t.ok()) {
      return m.ErrorAt("annotations", absl::StrCat(name, ": ", t.status().message()));
    }
    r.annotations.emplace_back(name, *std::move(t));
  }
  SCOUT_RETURN_IF_ERROR(m.CheckNoUnknownKeys());
  return r;
}

absl::StatusOr<std::vector<Rule>> FromMap(ConfigMap& root) {
  SCOUT_ASSIGN_OR_RETURN(std::vector<ConfigMap> items, root.ChildList("rules"));
  SCOUT_RETURN_IF_ERROR(root.CheckNoUnknownKeys());
  std::vector<Rule> rules;
  std::set<std::string> names;
  for (ConfigMap& m : items) {
    SCOUT_ASSIGN_OR_RETURN(Rule r, ReadRule(m));
    if (!names.insert(r.name).second) {
      return m.ErrorAt("name", absl::StrCat("duplicate rule name '", r.name, "'"));
    }
    // ErrorAt's prefix is "file:line:col: key '...': msg"; keep file:line.
    const std::string where(m.ErrorAt("name", "").message());
    r.where = where.substr(0, where.find(": key"));
    rules.push_back(std::move(r));
  }
  return rules;
}

}  // namespace

absl::StatusOr<std::vector<Rule>> LoadRules(const std::string& path) {
  SCOUT_ASSIGN_OR_RETURN(ConfigMap root, ConfigMap::LoadFile(path));
  return FromMap(root);
}

}  // namespace scout::collector::alerting
