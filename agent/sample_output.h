// Printing samples for `scout-agent --test`: the Prometheus text form
// (`metric{a="x"} value timestamp_ms`, sorted) or JSON lines.
#pragma once

#include <ostream>
#include <vector>

#include "agent/plugin.h"

namespace scout::agent {

void PrintSamplesText(const std::vector<Sample>& samples, std::ostream& out);
// One JSON object per line: {"metric":..,"labels":{..},"value":..,"timestamp_ms":..}
void PrintSamplesJson(const std::vector<Sample>& samples, std::ostream& out);

}  // namespace scout::agent
