// The collector config of in-process tests: a free loopback port, the
// database in the test's own directory, a short shutdown grace, and no
// self-metrics commits mid-test (they would add series and writes that
// tests count or wait on).
#pragma once

#include <chrono>

#include "collector/collector_config.h"
#include "tests/common/test_dir.h"

namespace scout::testing {

inline collector::CollectorConfig LoopbackCollectorConfig(const TestDir& dir) {
  collector::CollectorConfig config;
  config.listen = "127.0.0.1:0";
  config.http.listen = "127.0.0.1:0";  // issue 17: the HTTP port too, on a free port
  config.storage.path = dir / "scout.db";
  config.shutdown_grace = std::chrono::seconds(2);
  config.self_interval = std::chrono::hours(1);
  return config;
}

}  // namespace scout::testing
