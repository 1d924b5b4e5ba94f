// The report as Markdown for chat: the same tables as the HTML, charts as
// one 24-character sparkline per line (▁..█ from 0 to the chart's maximum,
// each character the peak of its 1/24 of the time axis, "·" where data is
// missing), sections without data say so.
#pragma once

#include <string>

#include "collector/reports/report_model.h"

namespace scout::collector::reports {

std::string RenderMarkdown(const Report& report);

// "▁▃▅█" for `values` scaled from 0 to `max`; NaN -> "·".
std::string Sparkline(const std::vector<double>& values, double max);

}  // namespace scout::collector::reports
