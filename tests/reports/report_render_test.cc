// Pure pieces: KPI classification, value formatting, the SVG chart
// (paths, gaps, no-data box), sparklines, HTML escaping.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "collector/reports/kpi.h"
#include "collector/reports/markdown_escape.h"
#include "collector/reports/markdown_renderer.h"
#include "collector/reports/report.h"
#include "collector/reports/report_format.h"
#include "collector/reports/svg_chart.h"
#include "tests/reports/hostile_report.h"

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

TEST(MarkdownEscapeTest, TextEscapesEveryAsciiPunctuationAndFlattensLines) {
  EXPECT_EQ(MarkdownText("plain text 42"), "plain text 42");
  EXPECT_EQ(MarkdownText("<img src=x onerror=alert(1)>"),
            "\\<img src\\=x onerror\\=alert\\(1\\)\\>");
  EXPECT_EQ(MarkdownText("[x](javascript:alert(1))"),
            "\\[x\\]\\(javascript\\:alert\\(1\\)\\)");
  EXPECT_EQ(MarkdownText("a`b|c*d_e!f\\g&h#i"), "a\\`b\\|c\\*d\\_e\\!f\\\\g\\&h\\#i");
  EXPECT_EQ(MarkdownText("line1\nline2\r\nline3\r"), "line1 line2  line3 ");
  // All 32 ASCII punctuation characters, each escaped.
  const std::string punct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  std::string expected;
  for (char c : punct) expected += std::string("\\") + c;
  EXPECT_EQ(MarkdownText(punct), expected);
  // Non-ASCII text (and bytes) pass through.
  EXPECT_EQ(MarkdownText("Zürich ▁█"), "Zürich ▁█");
}

TEST(MarkdownEscapeTest, CodeSpanFenceOutgrowsTheLongestBacktickRun) {
  EXPECT_EQ(MarkdownCode("select 1"), "` select 1 `");
  EXPECT_EQ(MarkdownCode("a`b"), "`` a`b ``");
  EXPECT_EQ(MarkdownCode("``` x ` y ``"), "```` ``` x ` y `` ````");
  EXPECT_EQ(MarkdownCode("`edge`"), "`` `edge` ``");
  // Pipes escaped for GFM tables, line breaks flattened; nothing else.
  EXPECT_EQ(MarkdownCode("a|b\nc <img> [x](y)"), "` a\\|b c <img> [x](y) `");
}

TEST(MarkdownEscapeTest, CodeLineOnlyFlattensLineBreaks) {
  EXPECT_EQ(MarkdownCodeLine("web-1 <b>\n# x\r"), "web-1 <b> # x ");
}

// The pipes of a GFM table row that separate cells: not preceded by a
// backslash (cmark-gfm treats "\|" as part of the cell, even inside code).
int CellSeparators(const std::string& line) {
  int n = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) ++n;
  }
  return n;
}

Report HostileReport() {
  Report r;
  r.period.label = "2026-11-26";
  r.period.timezone = "UTC";
  DailyReport d;
  d.kpis.push_back(MakeKpi(kKpiCpu, 0.5, "web-1", ""));
  EndpointStats e;
  e.chart.lines.push_back({"line", {{1, 1.0}}});
  e.chart.end_ms = 10;
  d.endpoints.push_back(e);
  HostStats h;
  h.chart = e.chart;
  d.hosts.push_back(h);
  d.database.targets.push_back({});
  for (int i = 0; i < 3; ++i) d.database.slow_queries.push_back({});
  d.database.lock_waits.push_back({});
  d.database.lock_waits.push_back({});
  d.database.advice.push_back({});
  d.ingestion.hours_sampled = 1;
  d.ingestion.sources.push_back({});
  d.ingestion.errors.push_back({});
  d.alerts.fired.push_back({});
  d.alerts.fired.push_back({});
  ProcessGroupGrowth g;
  g.grew = true;
  d.process_groups.push_back(g);
  r.daily = d;
  scout::testing::PoisonReport(r);
  return r;
}

TEST(MarkdownEscapeTest, HostileDataKeepsTheTablesAndStaysText) {
  const std::string md = RenderMarkdown(HostileReport());
  // Every hostile string was used somewhere (escaped, so not verbatim).
  EXPECT_THAT(md, HasSubstr("\\<img src\\=x onerror\\=alert\\(1\\)\\>"));
  EXPECT_THAT(md, HasSubstr(MarkdownText(scout::testing::HostileStrings()[0])));
  // No link or HTML node: tests/reports/markdown_commonmark_test.sh, with a
  // real CommonMark parser. Here: the hostile text cannot add table cells.
  // Each table row has as many cells as its header.
  int expected = -1;
  size_t start = 0;
  while (start < md.size()) {
    const size_t end = md.find('\n', start);
    const std::string line = md.substr(start, end - start);
    start = end == std::string::npos ? md.size() : end + 1;
    if (line.empty() || line[0] != '|') {
      expected = -1;
      continue;
    }
    if (expected < 0) expected = CellSeparators(line);
    EXPECT_EQ(CellSeparators(line), expected) << line;
  }
}

}  // namespace
}  // namespace scout::collector::reports
