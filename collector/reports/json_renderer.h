// The report as JSON for scripts: every figure, raw base units (seconds,
// ratios 0..1, bytes), null for "no data", times as epoch milliseconds.
// Keys are stable snake_case; "schema" names the layout version, and keys
// are only ever added to it.
#pragma once

#include <string>

#include "collector/reports/report_model.h"

namespace scout::collector::reports {

inline constexpr const char* kReportJsonSchema = "scout.report.v1";

std::string RenderJson(const Report& report);

}  // namespace scout::collector::reports
