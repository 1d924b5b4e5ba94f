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

TEST(CollectorConfig, QueryLimits) {
  auto defaults = ParseCollectorConfig("listen: 127.0.0.1:7070\n", "c.yaml");
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->query.timeout, std::chrono::seconds(30));
  EXPECT_EQ(defaults->query.max_samples, 20'000'000);
  EXPECT_EQ(defaults->query.max_series, 10'000u);
  EXPECT_EQ(defaults->query.max_concurrent, 4);
  auto set = ParseCollectorConfig(
      "query:\n  timeout: 5s\n  max_samples: 1000\n  max_series: 7\n  max_concurrent: 2\n",
      "c.yaml");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->query.timeout, std::chrono::seconds(5));
  EXPECT_EQ(set->query.max_samples, 1000);
  EXPECT_EQ(set->query.max_series, 7u);
  EXPECT_EQ(set->query.max_concurrent, 2);
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
      {"query:\n  timeout: 10ms\n", "c.yaml:2:12: key 'query.timeout': must be at least 100ms"},
      {"query:\n  max_samples: 0\n", "c.yaml:2:16: key 'query.max_samples': must be at least 1"},
      {"query:\n  max_series: -1\n", "c.yaml:2:15: key 'query.max_series': must be at least 1"},
      {"query:\n  max_concurrent: 0\n",
       "c.yaml:2:19: key 'query.max_concurrent': must be between 1 and 1024"},
      {"query:\n  max_rows: 5\n", "c.yaml:2:3: key 'query.max_rows': unknown key"},
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

namespace scout::collector {
namespace {

TEST(CollectorConfigSecurity, ReadsTlsAndAuth) {
  auto c = ParseCollectorConfig(
      "listen: 0.0.0.0:7070\nhealth_listen: 0.0.0.0:7071\n"
      "tls:\n  cert_file: /t/tls.crt\n  key_file: /t/tls.key\n  client_ca_file: /t/ca.crt\n"
      "  reload_interval: 5s\n"
      "auth:\n  tokens_file: /a/tokens.yaml\n  max_silence_duration: 7d\n"
      "  certificates:\n    - cn: \"node-*\"\n      principal: \"{cn}\"\n      role: agent\n"
      "      agent_ids: [\"{cn}\"]\n",
      "c.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(c->tls);
  EXPECT_EQ(c->tls->client_auth, ClientAuth::kRequire);  // the default with a CA
  EXPECT_EQ(c->tls->reload_interval, std::chrono::seconds(5));
  EXPECT_EQ(c->health_listen, "0.0.0.0:7071");
  ASSERT_TRUE(c->auth);
  EXPECT_EQ(c->auth->tokens_file, "/a/tokens.yaml");
  EXPECT_EQ(c->max_silence_duration, std::chrono::hours(24 * 7));
  EXPECT_TRUE(CheckSecurity(*c).ok()) << CheckSecurity(*c);
  EXPECT_FALSE(CheckTlsFiles(*c).ok());  // /t/tls.crt does not exist

  auto plain = ParseCollectorConfig("listen: 127.0.0.1:7070\n", "c.yaml");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->tls);
  EXPECT_FALSE(plain->auth);
  EXPECT_FALSE(plain->insecure);
  EXPECT_EQ(plain->max_silence_duration, std::chrono::hours(24 * 30));
  EXPECT_TRUE(CheckSecurity(*plain).ok()) << "plaintext without auth on loopback, as today";
}

TEST(CollectorConfigSecurity, ErrorsNameFileLineKey) {
  struct Case {
    std::string text, want;
  } cases[] = {
      {"tls:\n  cert_file: a\n  key_file: b\n  client_auth: require\n",
       "c.yaml:4:16: key 'tls.client_auth': require needs client_ca_file"},
      {"tls:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n  client_auth: maybe\n",
       "c.yaml:5:16: key 'tls.client_auth': must be none, request or require"},
      {"tls:\n  key_file: b\n", "key 'tls.cert_file': missing"},
      {"tls:\n  cert_file: a\n  key_file: b\n  reload_interval: 0s\n",
       "key 'tls.reload_interval': must be at least 1s"},
      {"auth:\n  max_silence_duration: 1d\n", "key 'auth.tokens_file': auth needs a tokens_file"},
      {"auth:\n  tokens_file: t\n  max_silence_duration: -1d\n", "auth.max_silence_duration"},
      {"auth:\n  tokens_file: t\n  tokenz: x\n", "auth.tokenz"},
      {"insecure: maybe\n", "c.yaml:1:11: key 'insecure'"},
  };
  for (const Case& c : cases) {
    auto parsed = ParseCollectorConfig(c.text, "c.yaml");
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_NE(parsed.status().message().find(c.want), std::string::npos) << parsed.status();
  }
}

TEST(CollectorConfigSecurity, RefusesPlaintextOrNoAuthOnANonLocalAddress) {
  auto plain = ParseCollectorConfig("log_level: info\nlisten: 0.0.0.0:7070\n", "c.yaml");
  ASSERT_TRUE(plain.ok());
  absl::Status refused = CheckSecurity(*plain);
  EXPECT_NE(refused.message().find("c.yaml:2:9: key 'listen'"), std::string::npos) << refused;
  EXPECT_NE(refused.message().find("refusing to serve plaintext"), std::string::npos) << refused;

  auto no_auth = ParseCollectorConfig(
      "listen: 10.0.0.1:7070\ntls:\n  cert_file: a\n  key_file: b\n", "c.yaml");
  ASSERT_TRUE(no_auth.ok());
  refused = CheckSecurity(*no_auth);
  EXPECT_NE(refused.message().find("without authentication"), std::string::npos) << refused;

  auto insecure = ParseCollectorConfig("listen: 0.0.0.0:7070\ninsecure: true\n", "c.yaml");
  ASSERT_TRUE(insecure.ok());
  EXPECT_TRUE(CheckSecurity(*insecure).ok());

  auto unix_socket = ParseCollectorConfig("listen: unix:/run/scout.sock\n", "c.yaml");
  ASSERT_TRUE(unix_socket.ok());
  EXPECT_TRUE(CheckSecurity(*unix_socket).ok());
}

}  // namespace
}  // namespace scout::collector
