// The report as ONE self-contained HTML file: inline CSS (the guide's
// report styles: .metric tiles with good/warning/critical borders), inline
// SVG charts, no script and no external reference, and print rules so it
// prints as it reads. Every section is present; one without data says so.
#pragma once

#include <string>

#include "collector/reports/report_model.h"

namespace scout::collector::reports {

std::string RenderHtml(const Report& report);

}  // namespace scout::collector::reports
