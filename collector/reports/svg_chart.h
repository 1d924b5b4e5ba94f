// A Chart as an inline SVG line chart: title, y axis with unit-formatted
// ticks and grid lines, x axis with the builder's tick labels, one path per
// line (broken where data is missing), a dashed KPI threshold, a legend.
// No script, no external reference: it renders in any browser and prints.
#pragma once

#include <string>

#include "collector/reports/report_model.h"

namespace scout::collector::reports {

struct SvgSize {
  int width = 720;
  int height = 240;
};

// A chart with no points renders a framed "no data" box instead.
std::string RenderSvgChart(const Chart& chart, SvgSize size = {});

// Text escaped for HTML/SVG content and attribute values.
std::string HtmlEscape(const std::string& text);

}  // namespace scout::collector::reports
