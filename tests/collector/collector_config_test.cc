#include "collector/collector_config.h"

#include <gtest/gtest.h>

namespace scout::collector {
namespace {

TEST(CollectorConfig, DefaultsAndOverrides) {
  auto c = ParseCollectorConfig(
      "listen: 0.0.0.0:9000\nstorage:\n  path: /tmp/x.db\n  synchronous: normal\n", "c.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen, "0.0.0.0:9000");
  EXPECT_EQ(c->storage.path, "/tmp/x.db");
  EXPECT_FALSE(c->storage.synchronous_full);
  EXPECT_EQ(c->shutdown_grace, std::chrono::seconds(20));
}

TEST(CollectorConfig, ErrorsNameFileLineAndKey) {
  struct Case {
    const char* yaml;
    const char* want;
  };
  const Case cases[] = {
      {"listen: x\nlisten_port: 1\n", "c.yaml:2:1: key 'listen_port': unknown key"},
      {"storage:\n  synchronous: sometimes\n", "c.yaml:2:16: key 'storage.synchronous': must be"},
      {"shutdown_grace: soon\n", "c.yaml:1:17: key 'shutdown_grace': invalid duration"},
      {"ingest:\n  max_in_flight_batches: lots\n",
       "c.yaml:2:26: key 'ingest.max_in_flight_batches': expected an integer"},
  };
  for (const Case& c : cases) {
    auto parsed = ParseCollectorConfig(c.yaml, "c.yaml");
    ASSERT_FALSE(parsed.ok()) << c.yaml;
    EXPECT_EQ(std::string(parsed.status().message()).rfind(c.want, 0), 0u)
        << parsed.status().message();
  }
}

}  // namespace
}  // namespace scout::collector
