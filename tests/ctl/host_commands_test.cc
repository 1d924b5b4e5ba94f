#include "ctl/host_commands.h"

#include <gtest/gtest.h>

namespace scout::ctl {
namespace {

SeriesPoints S(const std::string& metric, Labels labels, double v) {
  labels.emplace_back("host", "web-1");
  return {{metric, MakeLabels(std::move(labels))}, {{1'764'200'000'000, v}}};
}

const SummaryRow* Row(const std::vector<SummaryRow>& rows, const std::string& name) {
  for (const auto& r : rows) {
    if (r.resource == name) return &r;
  }
  return nullptr;
}

TEST(SummarizeHost, JudgesAgainstTheGuidesThresholds) {
  std::vector<SeriesPoints> latest = {
      S("node_cpu_usage_ratio", {}, 0.75),          // 70..80: warning
      S("node_memory_used_ratio", {}, 0.86),        // >= 85: critical
      S("node_filesystem_used_ratio", {{"mountpoint", "/"}}, 0.40),
      S("node_filesystem_used_ratio", {{"mountpoint", "/data"}}, 0.91),
      S("node_load1", {}, 1.5),
      S("node_network_receive_bytes_per_second", {{"device", "eth0"}}, 1024),
      S("node_network_receive_bytes_per_second", {{"device", "eth1"}}, 1024),
      S("node_network_transmit_bytes_per_second", {{"device", "eth0"}}, 512),
  };
  auto rows = SummarizeHost(latest);
  ASSERT_NE(Row(rows, "CPU usage"), nullptr);
  EXPECT_EQ(Row(rows, "CPU usage")->health, Health::kWarning);
  EXPECT_EQ(Row(rows, "CPU usage")->threshold, "< 70% (critical 80%)");
  EXPECT_EQ(Row(rows, "Memory used")->health, Health::kCritical);
  EXPECT_EQ(Row(rows, "Disk /")->health, Health::kOk);
  EXPECT_EQ(Row(rows, "Disk /data")->health, Health::kCritical);
  EXPECT_EQ(Row(rows, "Disk /data")->threshold, "< 85% (critical 90%)");
  EXPECT_DOUBLE_EQ(Row(rows, "Load 1")->raw, 1.5);
  EXPECT_DOUBLE_EQ(Row(rows, "Network in / out")->raw, 2560);  // summed over interfaces
  EXPECT_EQ(Row(rows, "Swap used"), nullptr);  // absent data is left out, not zero
}

TEST(SummarizeHost, BoundariesAreInclusiveOfTheWorseState) {
  auto rows = SummarizeHost({S("node_cpu_usage_ratio", {}, 0.70)});
  EXPECT_EQ(rows.at(0).health, Health::kWarning);
  rows = SummarizeHost({S("node_cpu_usage_ratio", {}, 0.6999)});
  EXPECT_EQ(rows.at(0).health, Health::kOk);
  rows = SummarizeHost({S("node_cpu_usage_ratio", {}, 0.80)});
  EXPECT_EQ(rows.at(0).health, Health::kCritical);
}

TEST(TopProcesses, JoinsMetricsPerProcessAndSortsByCpu) {
  auto proc = [](const char* pid, const char* name, const char* metric, double v) {
    return S(metric, {{"pid", pid}, {"name", name}, {"user", "app"}}, v);
  };
  std::vector<SeriesPoints> latest = {
      proc("10", "node", "scout_process_cpu_usage_ratio", 0.5),
      proc("10", "node", "scout_process_resident_memory_bytes", 300e6),
      proc("20", "postgres", "scout_process_cpu_usage_ratio", 1.25),
      proc("20", "postgres", "scout_process_resident_memory_bytes", 100e6),
      proc("30", "cron", "scout_process_resident_memory_bytes", 5e6),  // only in the RSS top-N
      S("scout_process_group_processes", {{"group", "node"}}, 3),
      S("scout_process_group_resident_memory_bytes", {{"group", "node"}}, 900e6),
  };
  auto rows = TopProcesses(latest, 10);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].name, "postgres");
  EXPECT_DOUBLE_EQ(rows[0].cpu_ratio, 1.25);
  EXPECT_EQ(rows[1].name, "node");
  EXPECT_DOUBLE_EQ(rows[1].rss_bytes, 300e6);
  EXPECT_EQ(rows[2].name, "cron");
  EXPECT_DOUBLE_EQ(rows[2].cpu_ratio, -1);  // unknown, sorted last
  EXPECT_EQ(TopProcesses(latest, 1).size(), 1u);
  auto groups = ProcessGroups(latest);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].group, "node");
  EXPECT_DOUBLE_EQ(groups[0].processes, 3);
  EXPECT_DOUBLE_EQ(groups[0].rss_bytes, 900e6);
}

}  // namespace
}  // namespace scout::ctl
