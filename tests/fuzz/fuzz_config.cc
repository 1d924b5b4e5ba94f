// Fuzz target: YAML config files (shared/yaml_config.h readers): the same
// bytes read as a collector config and as an agent config (with the
// built-in plugins' sections), as `--check-config` would. Errors are
// expected; crashes, hangs and sanitizer reports are not.
#include <cstddef>
#include <cstdint>
#include <string>

#include "agent/agent_config.h"
#include "collector/collector_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto collector = scout::collector::ParseCollectorConfig(text, "fuzz.yaml");
  if (collector.ok()) (void)scout::collector::CheckSecurity(*collector);
  auto agent = scout::agent::ParseAgentConfig(text, "fuzz.yaml");
  if (agent.ok()) (void)scout::agent::ValidateAgentConfig(*agent);
  return 0;
}
