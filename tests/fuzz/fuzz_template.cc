// Fuzz target: annotation templates of alert rules: Template::Parse, then
// Render with labels and a few values (printf formats, humanize filters).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "collector/alerting/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto tmpl = scout::collector::alerting::Template::Parse(text);
  if (!tmpl.ok()) return 0;
  const scout::Labels labels = {{"host", "web-1"}, {"instance", "db:5432"}, {"job", "x"}};
  for (double value : {0.0, -1.5, 1234.5678, 1e300, -1e-300,
                       std::numeric_limits<double>::infinity(),
                       std::numeric_limits<double>::quiet_NaN()}) {
    (void)tmpl->Render(labels, value);
  }
  return 0;
}
