// rules/default.yaml writes the guide's thresholds as numbers in PromQL;
// the KPI table (shared/guide/kpi.h) is where they live. This test reads
// every rule and checks that each number it uses for a guide KPI equals the
// table's, so that changing one without the other fails. A rule that is
// neither mapped here nor listed as "not a KPI" fails too, so a new rule
// has to be classified when it is added.
#include <cmath>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "shared/guide/db_advice.h"
#include "shared/guide/kpi.h"

namespace scout::guide {
namespace {

enum class Step { kWarning, kCritical };

struct Expected {
  std::string_view kpi;
  Step step;
};

// Rule name -> the KPI bound its comparison must use.
const std::map<std::string, Expected>& KpiRules() {
  static const auto* rules = new std::map<std::string, Expected>{
      {"HighResponseTime", {kKpiResponseTime, Step::kWarning}},
      {"HighErrorRate", {kKpiErrorRate, Step::kWarning}},
      {"HighErrorRateCritical", {kKpiErrorRate, Step::kCritical}},
      {"LowAvailability", {kKpiAvailability, Step::kWarning}},
      {"HighCpuUsage", {kKpiCpu, Step::kWarning}},
      {"HighCpuUsageCritical", {kKpiCpu, Step::kCritical}},
      {"HighMemoryUsage", {kKpiMemory, Step::kWarning}},
      {"HighMemoryUsageCritical", {kKpiMemory, Step::kCritical}},
      {"HighDiskUsage", {kKpiDisk, Step::kWarning}},
      {"HighDiskUsageCritical", {kKpiDisk, Step::kCritical}},
      {"HighNetworkLatency", {kKpiNetworkLatency, Step::kWarning}},
      {"SlowQueries", {kKpiQueryTime, Step::kWarning}},
      {"HighConnectionUsage", {kKpiConnections, Step::kWarning}},
      {"LockWait", {kKpiLockWait, Step::kWarning}},
      {"BlockingQuery", {kKpiLockWait, Step::kCritical}},
      {"SlowApiResponse", {kKpiApiResponse, Step::kWarning}},
      {"SlowApiResponseLogged", {kKpiApiResponse, Step::kWarning}},
      {"LowApiSuccessRate", {kKpiApiSuccess, Step::kWarning}},
      {"LowApiSuccessRateLogged", {kKpiApiSuccess, Step::kWarning}},
      {"LowIngestionRate", {kKpiIngestion, Step::kWarning}},
      {"StaleData", {kKpiFreshness, Step::kWarning}},
      {"IngestionGap", {kKpiFreshness, Step::kCritical}},
  };
  return *rules;
}

// Rules whose numbers are not a KPI bound (and where they live instead).
const std::map<std::string, std::optional<double>>& OtherRules() {
  static const auto* rules = new std::map<std::string, std::optional<double>>{
      {"LongRunningQuery", kLongRunningSeconds},  // db_advice.h
      {"PostgresDown", std::nullopt},              // up == 0
      {"ProcessGroupMemoryGrowth", std::nullopt},  // not in the guide's KPIs
      {"AgentNotReporting", std::nullopt},         // absent_for
      {"IngestionSourceSilent", std::nullopt},     // absent_for
      {"ScoutRuleFailing", 0.0},                   // any failure in 15m
  };
  return *rules;
}

// The number compared against in the rule's first comparison:
// "... > 0.7", "avg(...) < 0.999 and count(...) >= 1000" -> 0.999.
std::optional<double> FirstThreshold(const std::string& expr) {
  static const std::regex kComparison(R"((?:[<>]=?|==|!=)\s*([0-9]+(?:\.[0-9]+)?)(?![0-9.]))");
  std::smatch m;
  if (!std::regex_search(expr, m, kComparison)) return std::nullopt;
  return std::stod(m[1].str());
}

YAML::Node LoadRules() {
  return YAML::LoadFile(std::string(SCOUT_SOURCE_DIR) + "/rules/default.yaml")["rules"];
}

TEST(RulesKpiTest, ThresholdParserReadsTheFirstComparison) {
  EXPECT_EQ(FirstThreshold("avg_over_time(x[5m]) > 0.7"), 0.7);
  EXPECT_EQ(FirstThreshold("avg(x[24h]) < 0.999\nand count(x[24h]) >= 1000"), 0.999);
  EXPECT_EQ(FirstThreshold("absent_for(x, 2m)"), std::nullopt);
}

TEST(RulesKpiTest, EveryKpiRuleUsesTheKpiTablesNumber) {
  const YAML::Node rules = LoadRules();
  ASSERT_TRUE(rules.IsSequence());
  std::set<std::string> seen;
  for (const YAML::Node& rule : rules) {
    const std::string name = rule["name"].as<std::string>();
    const std::string expr = rule["expr"].as<std::string>();
    seen.insert(name);
    const std::optional<double> threshold = FirstThreshold(expr);
    SCOPED_TRACE(name + ": " + expr);
    if (auto it = KpiRules().find(name); it != KpiRules().end()) {
      const KpiSpec& kpi = FindKpi(it->second.kpi);
      const double bound = it->second.step == Step::kWarning ? kpi.warning : kpi.critical;
      ASSERT_TRUE(threshold.has_value());
      EXPECT_DOUBLE_EQ(*threshold, bound) << "KPI " << kpi.id << " in shared/guide/kpi.h";
    } else if (auto other = OtherRules().find(name); other != OtherRules().end()) {
      if (other->second.has_value()) {
        ASSERT_TRUE(threshold.has_value());
        EXPECT_DOUBLE_EQ(*threshold, *other->second);
      }
    } else {
      ADD_FAILURE() << "rule " << name
                    << " is not classified: map it to its KPI or list it as not a KPI";
    }
  }
  for (const auto& [name, expected] : KpiRules()) {
    EXPECT_TRUE(seen.count(name)) << "rule " << name << " is missing from rules/default.yaml";
  }
}

}  // namespace
}  // namespace scout::guide
