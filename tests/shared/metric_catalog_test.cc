// shared/metric_catalog: the table generated from docs/metrics.md at build
// time (shared/gen_metric_catalog.cmake) — one metric of every docs
// section, and every documented name found.
#include "shared/metric_catalog.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <string>

namespace scout {
namespace {

struct Expected {
  const char* name;
  const char* type;
  const char* help;
  const char* unit;
};

TEST(MetricCatalog, OneMetricOfEverySection) {
  const Expected kCases[] = {
      // Host: CPU (markdown backticks removed, first sentence only)
      {"node_cpu_count", "gauge", "Number of cpuN lines (online CPUs)", ""},
      {"node_memory_MemTotal_bytes", "gauge", "Total usable RAM", "bytes"},
      {"node_filesystem_size_bytes", "gauge", "Size", "bytes"},
      // Several names in one cell.
      {"node_load5", "gauge", "Load averages", ""},
      {"node_disk_read_bytes_total", "counter", "Bytes read since boot (counter)", "bytes"},
      {"node_network_receive_bytes_total", "counter", "Bytes received (counter)", "bytes"},
      {"node_pressure_cpu_waiting_seconds_total", "counter",
       "Time some task waited for a CPU (counter, seconds)", "seconds"},
      {"node_pressure_cpu_some_avg10_ratio", "gauge",
       "Share of the last 10 s in which some task waited for a CPU (kernel avg10 / 100)", "ratio"},
      {"scout_process_resident_memory_bytes", "gauge",
       "Resident set size in bytes (exact, VmRSS of /proc/<pid>/status)", "bytes"},
      // A table with a Type column (the Meaning column is found by name).
      {"scout_probe_duration_seconds", "gauge",
       "Whole run (curl TOTAL_TIME; for a failure, the time until it failed)", "seconds"},
      {"scout_postgres_connect_attempts_total", "counter",
       "connection attempts since agent start (shows the backoff at work)", ""},
      {"scout_agent_samples_collected_total", "counter",
       "Samples produced by all plugins and handed to the spool", ""},
      {"scout_synthetic_value", "gauge",
       "Deterministic value SyntheticValue(series, t / interval) "
       "(agent/self/synthetic_plugin.h), for fault tests and benchmarks",
       ""},
      // A link keeps its text; the first row of a name wins.
      {"scout_collector_auth_failures_total", "counter",
       "Calls and streams refused by authentication or authorization (security.md): no or "
       "unknown credentials, a role without the permission, a Hello for an agent id the "
       "principal is not bound to",
       ""},
      {"scout_collector_samples_rejected_total", "counter",
       "Invalid samples dropped individually (all agents and reasons: the sum of the labelled "
       "series)",
       ""},
  };
  for (const Expected& e : kCases) {
    const MetricInfo* m = FindMetric(e.name);
    ASSERT_NE(m, nullptr) << e.name;
    EXPECT_EQ(m->name, e.name);
    EXPECT_EQ(m->type, e.type) << e.name;
    EXPECT_EQ(m->help, e.help) << e.name;
    EXPECT_EQ(m->unit, e.unit) << e.name;
  }
  EXPECT_EQ(FindMetric("no_such_metric"), nullptr);
  EXPECT_EQ(FindMetric(""), nullptr);
}

// A histogram's _bucket/_sum/_count belong to it; a counter's or an
// undocumented name's suffix does not make a family.
TEST(MetricCatalog, FamilyOfMember) {
  const std::string family = "scout_storage_commit_duration_seconds";
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const MetricInfo* f = FamilyOfMember(family + suffix);
    ASSERT_NE(f, nullptr) << suffix;
    EXPECT_EQ(f->name, family);
    EXPECT_EQ(f->type, "histogram");
    ASSERT_NE(FindMetric(family + suffix), nullptr) << "documented too";
    EXPECT_TRUE(IsFamilyMember(*FindMetric(family + suffix)));
  }
  EXPECT_EQ(FamilyOfMember(family), nullptr);
  EXPECT_FALSE(IsFamilyMember(*FindMetric(family)));
  EXPECT_EQ(FamilyOfMember("node_load1_count"), nullptr);  // a gauge: no members
  EXPECT_EQ(FamilyOfMember("not_documented_bucket"), nullptr);
  EXPECT_EQ(FamilyOfMember("_bucket"), nullptr);
}

TEST(MetricCatalog, EveryDocumentedNameSortedAndUnique) {
  std::ifstream docs(std::string(SCOUT_SOURCE_DIR) + "/docs/metrics.md");
  ASSERT_TRUE(docs.good());
  const std::regex row(R"(^\| *(`[a-zA-Z_:][a-zA-Z0-9_:]*`(, *`[a-zA-Z_:][a-zA-Z0-9_:]*`)*) *\|)");
  const std::regex name("`([a-zA-Z_:][a-zA-Z0-9_:]*)`");
  std::set<std::string> documented;
  std::string line;
  while (std::getline(docs, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, row)) continue;
    const std::string cell = m[1];
    for (auto it = std::sregex_iterator(cell.begin(), cell.end(), name);
         it != std::sregex_iterator(); ++it) {
      documented.insert((*it)[1]);
    }
  }
  ASSERT_GT(documented.size(), 150u);
  for (const std::string& n : documented) EXPECT_NE(FindMetric(n), nullptr) << n;
  const std::vector<MetricInfo>& all = AllMetrics();
  EXPECT_EQ(all.size(), documented.size());
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].name, all[i].name);
  for (const MetricInfo& m : all) {
    EXPECT_FALSE(m.help.empty()) << m.name;
    EXPECT_NE(m.help.back(), '.') << m.name;
    EXPECT_EQ(m.help.find('`'), std::string_view::npos) << m.name;
  }
}

}  // namespace
}  // namespace scout
