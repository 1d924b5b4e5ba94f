// Pure pieces: KPI classification, value formatting, the SVG chart
// (paths, gaps, no-data box), sparklines, HTML escaping.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "collector/reports/kpi.h"
#include "collector/reports/markdown_renderer.h"
#include "collector/reports/report.h"
#include "collector/reports/report_format.h"
#include "collector/reports/svg_chart.h"

namespace scout::collector::reports {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(KpiTest, ThresholdsFromTheGuide) {
  EXPECT_EQ(MakeKpi(kKpiCpu, 0.69, "", "").status, KpiStatus::kGood);
  EXPECT_EQ(MakeKpi(kKpiCpu, 0.70, "", "").status, KpiStatus::kWarning);
  EXPECT_EQ(MakeKpi(kKpiCpu, 0.80, "", "").status, KpiStatus::kCritical);
  EXPECT_EQ(MakeKpi(kKpiMemory, 0.84, "", "").status, KpiStatus::kWarning);
  EXPECT_EQ(MakeKpi(kKpiDisk, 0.91, "", "").status, KpiStatus::kCritical);
  EXPECT_EQ(MakeKpi(kKpiErrorRate, 0.0009, "", "").status, KpiStatus::kGood);
  EXPECT_EQ(MakeKpi(kKpiErrorRate, 0.005, "", "").status, KpiStatus::kWarning);
  EXPECT_EQ(MakeKpi(kKpiErrorRate, 0.02, "", "").status, KpiStatus::kCritical);
  EXPECT_EQ(MakeKpi(kKpiAvailability, 0.999, "", "").status, KpiStatus::kGood);
  EXPECT_EQ(MakeKpi(kKpiAvailability, 0.9989, "", "").status, KpiStatus::kWarning);
  EXPECT_EQ(MakeKpi(kKpiResponseTime, 1.99, "", "").status, KpiStatus::kGood);
  EXPECT_EQ(MakeKpi(kKpiResponseTime, 2.0, "", "").status, KpiStatus::kCritical);
  EXPECT_EQ(MakeKpi(kKpiApiSuccess, 0.95, "", "").status, KpiStatus::kWarning);  // "> 95 %"
  EXPECT_EQ(MakeKpi(kKpiApiSuccess, 0.951, "", "").status, KpiStatus::kGood);
  EXPECT_EQ(MakeKpi(kKpiIngestion, 1000, "", "").status, KpiStatus::kWarning);  // "> 1000/h"
  EXPECT_EQ(MakeKpi(kKpiLockWait, 31, "", "").status, KpiStatus::kCritical);
  EXPECT_EQ(MakeKpi(kKpiFreshness, 4000, "", "").status, KpiStatus::kWarning);
  EXPECT_EQ(MakeKpi(kKpiFreshness, 7201, "", "").status, KpiStatus::kCritical);
  const Kpi none = MakeKpi(kKpiCpu, kNoData, "web-1", "");
  EXPECT_EQ(none.status, KpiStatus::kMissing);
  EXPECT_EQ(none.subject, "");
}

TEST(FormatTest, Units) {
  EXPECT_EQ(FormatValue(Unit::kRatio, 0.99951), "99.95%");
  EXPECT_EQ(FormatValue(Unit::kRatio, 0.02), "2.00%");
  EXPECT_EQ(FormatValue(Unit::kSeconds, 0.123), "123 ms");
  EXPECT_EQ(FormatValue(Unit::kSeconds, 2.5), "2.50 s");
  EXPECT_EQ(FormatValue(Unit::kCount, 23456), "23456");
  EXPECT_EQ(FormatValue(Unit::kCount, 12.5), "12.50");
  EXPECT_EQ(FormatValue(Unit::kBytes, 512.0 * 1024 * 1024), "512.0 MiB");
  EXPECT_EQ(FormatValue(Unit::kRatio, kNoData), "–");
  WeekChange c;
  c.unit = Unit::kCount;
  c.change = 50;
  c.change_ratio = 0.125;
  EXPECT_EQ(FormatChange(c), "+12.50%");
  c.change_ratio = kNoData;
  EXPECT_EQ(FormatChange(c), "+50");
}

Chart TwoLineChart() {
  Chart c;
  c.title = "Latency <api>";
  c.unit = Unit::kSeconds;
  c.start_ms = 0;
  c.end_ms = 10 * 3'600'000;
  c.x_ticks = {{0, "00:00"}, {5 * 3'600'000, "05:00"}};
  c.max_gap_ms = 2 * 3'600'000;
  c.threshold = 2;
  c.threshold_label = "KPI 2 s";
  // A gap between hour 2 and hour 6: two subpaths.
  c.lines.push_back({"p95", {{0, 0.5}, {3'600'000, 1.0}, {2 * 3'600'000, 0.8},
                             {6 * 3'600'000, 1.5}, {7 * 3'600'000, 1.2}}});
  c.lines.push_back({"p50", {}});
  return c;
}

TEST(SvgChartTest, DrawsPathsWithGapsAxesAndThreshold) {
  const std::string svg = RenderSvgChart(TwoLineChart());
  EXPECT_THAT(svg, HasSubstr("<svg class=\"chart\""));
  EXPECT_THAT(svg, HasSubstr("Latency &lt;api&gt;"));
  EXPECT_THAT(svg, HasSubstr(">00:00</text>"));
  EXPECT_THAT(svg, HasSubstr(">05:00</text>"));
  EXPECT_THAT(svg, HasSubstr("class=\"threshold\""));
  EXPECT_THAT(svg, HasSubstr(">KPI 2 s</text>"));
  // One path for the line with data: M L L M L (the gap restarts it).
  const size_t d = svg.find(" d=\"M");
  ASSERT_NE(d, std::string::npos);
  const std::string path = svg.substr(d + 4, svg.find('"', d + 4) - d - 4);
  EXPECT_EQ(std::count(path.begin(), path.end(), 'M'), 2) << path;
  EXPECT_EQ(std::count(path.begin(), path.end(), 'L'), 3) << path;
  // The empty line adds no path.
  EXPECT_EQ(svg.find(" d=\"", d + 1), std::string::npos);
  EXPECT_THAT(svg, Not(HasSubstr("nan")));
}

TEST(SvgChartTest, NoDataBox) {
  Chart c;
  c.title = "Empty";
  c.start_ms = 0;
  c.end_ms = 1000;
  const std::string svg = RenderSvgChart(c);
  EXPECT_THAT(svg, HasSubstr(">no data</text>"));
  EXPECT_THAT(svg, Not(HasSubstr("<path")));
}

TEST(SparklineTest, ScalesAndMarksGaps) {
  EXPECT_EQ(Sparkline({0, 0.5, 1, kNoData}, 1), "▁▅█·");
}

TEST(ReportFormatTest, Parse) {
  EXPECT_EQ(*ParseReportFormat("md"), ReportFormat::kMarkdown);
  EXPECT_EQ(*ParseReportFormat("markdown"), ReportFormat::kMarkdown);
  EXPECT_EQ(*ParseReportFormat("json"), ReportFormat::kJson);
  EXPECT_EQ(*ParseReportFormat("html"), ReportFormat::kHtml);
  auto bad = ParseReportFormat("pdf");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("\"pdf\""));
}

}  // namespace
}  // namespace scout::collector::reports
