// Fuzz target: series selectors as users type them (sctl, the Query API's
// text form): ParseSelector, then Compile (RE2) and matching one series.
// Invariant: what parses prints back (FormatSelector) to text that parses to
// the same selector.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "shared/selector.h"

namespace {
bool Same(const scout::Selector& a, const scout::Selector& b) {
  if (a.metric != b.metric || a.matchers.size() != b.matchers.size()) return false;
  for (size_t i = 0; i < a.matchers.size(); ++i) {
    const auto& x = a.matchers[i];
    const auto& y = b.matchers[i];
    if (x.name != y.name || x.op != y.op || x.value != y.value) return false;
  }
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto selector = scout::ParseSelector(text);
  if (!selector.ok()) return 0;
  const std::string printed = scout::FormatSelector(*selector);
  auto again = scout::ParseSelector(printed);
  if (!again.ok() || !Same(*selector, *again)) abort();
  auto compiled = scout::CompiledSelector::Compile(*selector);
  if (compiled.ok()) {
    scout::SeriesKey key;
    key.metric = selector->metric.empty() ? "node_cpu_seconds_total" : selector->metric;
    key.labels = {{"cpu", "0"}, {"host", "web-1"}, {"mode", "idle"}};
    (void)compiled->Matches(key);
  }
  return 0;
}
