// /api/v1/metadata, /api/v1/status/*, /api/v1/rules, /api/v1/alerts:
// answered from memory (the metric catalog, the alert engine).
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "collector/prom_api/api_json.h"
#include "collector/prom_api/api_params.h"
#include "collector/prom_api/engine_adapter.h"
#include "collector/prom_api/handlers.h"
#include "shared/metric_catalog.h"
#include "shared/version.h"

namespace scout::collector::prom_api {
namespace {

double Seconds(std::chrono::milliseconds d) { return static_cast<double>(d.count()) / 1000.0; }

// "rules.yaml:12:5" → "rules.yaml" (trailing ":<number>" parts dropped).
std::string FileOf(std::string where) {
  for (;;) {
    const size_t colon = where.rfind(':');
    if (colon == std::string::npos || colon + 1 == where.size() ||
        where.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
      return where;
    }
    where.resize(colon);
  }
}

nlohmann::json AlertJson(const alerting::Alert& a) {
  return {{"labels", LabelsJson(a.labels)},
          {"annotations", LabelsJson(a.annotations)},
          {"state", alerting::AlertStateName(a.state)},
          {"activeAt", FormatRfc3339(a.active_since_ms)},
          {"value", FormatValueExp(a.value)}};
}

// Pending and firing alerts (resolved ones are "inactive" to Prometheus).
std::vector<alerting::Alert> ActiveAlerts(const alerting::AlertEngine& engine) {
  std::vector<alerting::Alert> out;
  for (alerting::AlertView& v : engine.Alerts()) {
    if (v.alert.state != alerting::AlertState::kResolved) out.push_back(std::move(v.alert));
  }
  return out;
}

nlohmann::json RuleJson(const alerting::RuleStatus& rule,
                        const std::vector<alerting::Alert>& alerts) {
  nlohmann::json rule_alerts = nlohmann::json::array();
  nlohmann::json annotations = nlohmann::json::object();
  const char* state = "inactive";
  for (const alerting::Alert& a : alerts) {
    if (a.rule != rule.name) continue;
    rule_alerts.push_back(AlertJson(a));
    annotations = LabelsJson(a.annotations);  // templated, but the rule's own are not kept
    if (a.state == alerting::AlertState::kFiring) {
      state = "firing";
    } else if (std::string_view(state) == "inactive") {
      state = "pending";
    }
  }
  const char* health = !rule.last_error.empty()        ? "err"
                       : rule.last_evaluation_ms == 0 ? "unknown"
                                                      : "ok";
  return {{"state", state},
          {"name", rule.name},
          {"query", rule.expr},
          {"duration", Seconds(rule.for_duration)},
          {"labels", LabelsJson(rule.labels)},
          {"annotations", annotations},
          {"alerts", std::move(rule_alerts)},
          {"health", health},
          {"lastError", rule.last_error},
          {"evaluationTime", rule.last_duration_seconds},
          {"lastEvaluation", FormatRfc3339(rule.last_evaluation_ms)},
          {"type", "alerting"}};
}

}  // namespace

http::Response HandleMetadata(const http::Request& req) {
  absl::StatusOr<size_t> limit = ParseLimit(req.Param("limit"));
  if (!limit.ok()) return ErrorResponse(limit.status());
  const std::optional<std::string> metric = req.Param("metric");
  nlohmann::json data = nlohmann::json::object();
  for (const MetricInfo& m : AllMetrics()) {
    if (IsFamilyMember(m)) continue;
    if (metric.has_value() && !metric->empty() && m.name != *metric) continue;
    if (*limit > 0 && data.size() >= *limit) break;
    data[std::string(m.name)] = nlohmann::json::array(
        {{{"type", m.type}, {"help", m.help}, {"unit", m.unit}}});
  }
  return SuccessResponse(std::move(data));
}

http::Response HandleBuildInfo() {
  return SuccessResponse({{"version", kVersion},
                          {"revision", ""},
                          {"branch", ""},
                          {"buildUser", ""},
                          {"buildDate", ""},
                          {"goVersion", ""}});
}

http::Response HandleRuntimeInfo(int64_t start_ms, int64_t now_ms) {
  return SuccessResponse({{"startTime", FormatRfc3339(start_ms)},
                          {"CWD", ""},
                          {"reloadConfigSuccess", true},
                          {"lastConfigTime", FormatRfc3339(start_ms)},
                          {"corruptionCount", 0},
                          {"goroutineCount", 0},
                          {"GOMAXPROCS", 0},
                          {"GOGC", ""},
                          {"GODEBUG", ""},
                          {"storageRetention", ""},
                          {"serverTime", FormatRfc3339(now_ms)}});
}

http::Response HandleFlags() { return SuccessResponse(nlohmann::json::object()); }

http::Response HandleRules(const PromApiDeps& deps, const http::Request& req) {
  const std::string type = absl::AsciiStrToLower(req.Param("type").value_or(""));
  if (!type.empty() && type != "alert" && type != "record") {
    return ErrorResponse(ErrorType::kBadData,
                         absl::StrCat("invalid parameter \"type\": not supported value \"",
                                      type, "\""));
  }
  nlohmann::json groups = nlohmann::json::array();
  if (deps.engine != nullptr && type != "record") {
    const std::vector<alerting::Alert> alerts = ActiveAlerts(*deps.engine);
    nlohmann::json rules = nlohmann::json::array();
    std::string file;
    double evaluation_time = 0;
    int64_t last_evaluation_ms = 0;
    for (const alerting::RuleStatus& r : deps.engine->Rules()) {
      if (file.empty()) file = FileOf(r.where);
      evaluation_time += r.last_duration_seconds;
      last_evaluation_ms = std::max(last_evaluation_ms, r.last_evaluation_ms);
      rules.push_back(RuleJson(r, alerts));
    }
    // Scout's rules file has no groups: one group holds every rule.
    groups.push_back({{"name", "scout"},
                      {"file", file},
                      {"rules", std::move(rules)},
                      {"interval", Seconds(deps.rule_evaluation_interval)},
                      {"limit", 0},
                      {"evaluationTime", evaluation_time},
                      {"lastEvaluation", FormatRfc3339(last_evaluation_ms)}});
  }
  return SuccessResponse({{"groups", std::move(groups)}});
}

http::Response HandleExemplars(const http::Request& req) {
  absl::StatusOr<Expr> expr = ParseQuery(req.Param("query").value_or(""));
  if (!expr.ok()) {
    return ErrorResponse(ErrorType::kBadData, absl::StrCat("invalid parameter \"query\": ",
                                                           expr.status().message()));
  }
  for (const char* name : {"start", "end"}) {
    std::optional<std::string> v = req.Param(name);
    if (v.has_value() && !v->empty()) {
      if (absl::StatusOr<int64_t> t = TimeParam(name, v, 0); !t.ok()) return ErrorResponse(t.status());
    }
  }
  return SuccessResponse(nlohmann::json::array());
}

http::Response HandleAlerts(const PromApiDeps& deps) {
  nlohmann::json alerts = nlohmann::json::array();
  if (deps.engine != nullptr) {
    for (const alerting::Alert& a : ActiveAlerts(*deps.engine)) alerts.push_back(AlertJson(a));
  }
  return SuccessResponse({{"alerts", std::move(alerts)}});
}

}  // namespace scout::collector::prom_api
