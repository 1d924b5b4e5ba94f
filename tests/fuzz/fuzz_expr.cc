// Fuzz target: rule expressions (rules files, hot-reloaded by the alert
// engine): ParseExpr over arbitrary text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collector/promql/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto expr = scout::collector::promql::ParseExpr(text);
  if (expr.ok()) (void)expr->selector_count();
  return 0;
}
