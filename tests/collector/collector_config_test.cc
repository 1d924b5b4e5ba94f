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
  EXPECT_EQ(c->storage.raw_retention, std::chrono::hours(24 * 15));
  EXPECT_EQ(c->storage.hour_retention, std::chrono::hours(24 * 90));
  EXPECT_EQ(c->storage.day_retention, std::chrono::hours(24 * 730));
}

TEST(CollectorConfig, RetentionPerTier) {
  auto c = ParseCollectorConfig(
      "storage:\n  raw_retention: 7d\n  hourly_retention: 0s\n  daily_retention: 400d\n"
      "  housekeeping_rows: 100\n",
      "c.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->storage.raw_retention, std::chrono::hours(24 * 7));
  EXPECT_EQ(c->storage.hour_retention.count(), 0);  // forever
  EXPECT_EQ(c->storage.day_retention, std::chrono::hours(24 * 400));
  EXPECT_EQ(c->storage.housekeeping_rows, 100u);
}

TEST(CollectorConfig, ReportsAndAlerting) {
  auto c = ParseCollectorConfig(
      "reports:\n  timezone: Europe/Berlin\n  daily_at: \"05:30\"\n  formats: [html, json]\n"
      "alerting:\n  rules_file: /etc/scout/rules.yaml\n  startup_grace: 30s\n"
      "  webhooks: [{name: chat, url: \"${CHAT_URL}\"}]\n",
      "c.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->reports.timezone, "Europe/Berlin");
  EXPECT_EQ(c->reports.daily_at, std::chrono::minutes(5 * 60 + 30));
  EXPECT_EQ(c->reports.weekly_at, std::chrono::minutes(7 * 60));
  EXPECT_EQ(c->reports.formats, (std::vector<std::string>{"html", "json"}));
  EXPECT_EQ(c->alerting.rules_file, "/etc/scout/rules.yaml");
  EXPECT_EQ(c->alerting.engine.startup_grace, std::chrono::seconds(30));
  ASSERT_EQ(c->alerting.receivers.size(), 1u);
  EXPECT_EQ(c->alerting.receivers[0].url, "${CHAT_URL}") << "resolved at send time, not here";
}

TEST(CollectorConfig, ErrorsNameFileLineAndKey) {
  struct Case {
    const char* yaml;
    const char* want;
  };
  const Case cases[] = {
      {"listen: x\nlisten_port: 1\n", "c.yaml:2:1: key 'listen_port': unknown key"},
      {"storage:\n  synchronous: sometimes\n", "c.yaml:2:16: key 'storage.synchronous': must be"},
      {"storage:\n  raw_retention: 10m\n",
       "c.yaml:2:18: key 'storage.raw_retention': must be 0s (keep forever) or at least 1h"},
      {"storage:\n  daily_retention: 1d\n",
       "c.yaml:2:20: key 'storage.daily_retention': must be 0s (keep forever) or at least 2d"},
      {"shutdown_grace: soon\n", "c.yaml:1:17: key 'shutdown_grace': invalid duration"},
      {"reports:\n  timezone: Mars/Olympus\n", "c.yaml:2:13: key 'reports.timezone': unknown time zone"},
      {"reports:\n  daily_at: \"6am\"\n", "c.yaml:2:13: key 'reports.daily_at': expected HH:MM"},
      {"reports:\n  formats: [pdf]\n", "c.yaml:2:12: key 'reports.formats': \"pdf\" is not html, md or json"},
      {"alerting:\n  evaluation_interval: 15s\n", "c.yaml:2:3: key 'alerting.rules_file': missing"},
      {"alerting:\n  rules_file: r.yaml\n  webhooks: [{name: x}]\n",
       "c.yaml:3:14: key 'alerting.webhooks[0].url': missing"},
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
