#include "agent/agent_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace scout::agent {
namespace {

TEST(AgentConfig, ParsesEveryKey) {
  auto c = ParseAgentConfig(R"(
collector: collector.internal:7070
tls:
  ca_file: /etc/scout/tls/ca.crt
  cert_file: tls/tls.crt
  key_file: tls/tls.key
  server_name: scout-collector
token_file: /var/run/secrets/scout/token
id: web-1
hostname: node-a.eu-west-1.compute.internal
interval: 15s
labels: {env: prod, role: web}
log_level: debug
collectors: [cpu, load]
reconnect_max_backoff: 5s
host: {proc: /host/proc, sys: /host/sys, rootfs: /host}
spool: {dir: /tmp/sp, max_size_bytes: 1048576, max_age: 2h, fsync: false, replay_samples_per_second: 100}
synthetic: {series: 10, samples: 5}
processes:
  top_n: 5
  groups:
    - {name: node, comm: node}
    - {name: api, cmdline: ".*server[.]js.*"}
filesystem: {exclude_mountpoints: "^/snap/", statfs_timeout: 3s}
network: {include_loopback: true}
max_batch_bytes: 65536
)", "agent.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->collector, "collector.internal:7070");
  EXPECT_TRUE(c->security.tls);
  EXPECT_FALSE(c->security.insecure);
  EXPECT_EQ(c->security.ca_file, "/etc/scout/tls/ca.crt");
  EXPECT_EQ(c->security.cert_file, "tls/tls.crt");  // the file has no directory here
  EXPECT_EQ(c->security.key_file, "tls/tls.key");
  EXPECT_EQ(c->security.server_name, "scout-collector");
  EXPECT_EQ(c->security.token_file, "/var/run/secrets/scout/token");
  EXPECT_EQ(c->id, "web-1");
  EXPECT_EQ(c->hostname, "node-a.eu-west-1.compute.internal");
  EXPECT_EQ(c->interval, std::chrono::seconds(15));
  EXPECT_EQ(c->labels.at("role"), "web");
  EXPECT_EQ(c->collectors, (std::vector<std::string>{"cpu", "load"}));
  EXPECT_EQ(c->host.proc, "/host/proc");
  EXPECT_EQ(c->host.rootfs, "/host");
  EXPECT_EQ(c->spool.dir, "/tmp/sp");
  EXPECT_EQ(c->spool.max_bytes, 1048576u);
  EXPECT_EQ(c->spool.max_age, std::chrono::hours(2));
  EXPECT_FALSE(c->spool.fsync);
  EXPECT_EQ(c->replay_samples_per_second, 100);
  EXPECT_EQ(c->synthetic_series, 10);
  EXPECT_EQ(c->synthetic_samples, 5);
  EXPECT_EQ(c->max_batch_bytes, 65536u);
  EXPECT_EQ(c->processes.top_n, 5);
  ASSERT_EQ(c->processes.groups.size(), 2u);
  EXPECT_EQ(c->processes.groups[1].name, "api");
  EXPECT_EQ(c->processes.groups[1].cmdline_regex, ".*server[.]js.*");
  EXPECT_EQ(c->filesystem.exclude_mountpoints_regex, "^/snap/");
  EXPECT_EQ(c->filesystem.statfs_timeout, std::chrono::seconds(3));
  EXPECT_TRUE(c->network.include_loopback);
  EXPECT_EQ(c->reconnect_max_backoff, std::chrono::seconds(5));
}

TEST(AgentConfig, RedirectAndSuperuserKeysDefaultToTheSafeSide) {
  auto c = ParseAgentConfig(R"(
probes:
  http:
    - {name: a, url: "https://a.example/"}
    - {name: b, url: "https://b.example/", allow_insecure_redirect: true}
postgres:
  targets:
    - {name: db1, dsn: "host=x"}
    - {name: db2, dsn: "host=y", allow_superuser: true}
)", "agent.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->probes.http.size(), 2u);
  EXPECT_FALSE(c->probes.http[0].allow_insecure_redirect);
  EXPECT_TRUE(c->probes.http[1].allow_insecure_redirect);
  ASSERT_EQ(c->postgres.size(), 2u);
  EXPECT_FALSE(c->postgres[0].allow_superuser);
  EXPECT_TRUE(c->postgres[1].allow_superuser);
  auto bad = ParseAgentConfig("postgres:\n  targets:\n    - {name: d, dsn: x, allow_superuser: maybe}\n",
                              "agent.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), ::testing::HasSubstr("allow_superuser"));
}

TEST(AgentConfig, DefaultsWhenEmpty) {
  auto c = ParseAgentConfig("", "agent.yaml");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->collector, "127.0.0.1:7070");
  EXPECT_EQ(c->interval, std::chrono::seconds(10));
  EXPECT_EQ(c->host.proc, "/proc");
  EXPECT_EQ(c->hostname, "");  // main defaults it to LocalHostname()
  EXPECT_FALSE(c->security.tls);  // plaintext to loopback, as before
  EXPECT_EQ(c->security.token_file, "");
}

TEST(AgentConfig, PlaintextToANonLocalCollectorNeedsInsecure) {
  auto refused = ParseAgentConfig("id: a\ncollector: 10.0.0.5:7070\n", "agent.yaml");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            "agent.yaml:2:12: key 'collector': plaintext to non-local collector 10.0.0.5:7070: "
            "set tls or insecure: true");
  auto insecure = ParseAgentConfig("collector: 10.0.0.5:7070\ninsecure: true\n", "agent.yaml");
  ASSERT_TRUE(insecure.ok()) << insecure.status();
  EXPECT_TRUE(insecure->security.insecure);
  EXPECT_TRUE(ParseAgentConfig("collector: 10.0.0.5:7070\ntls: {}\n", "agent.yaml").ok());
  EXPECT_TRUE(ParseAgentConfig("collector: 127.0.0.1:7070\n", "agent.yaml").ok());
  EXPECT_TRUE(ParseAgentConfig("collector: \"[::1]:7070\"\n", "agent.yaml").ok());
  EXPECT_TRUE(ParseAgentConfig("collector: unix:/run/scout.sock\n", "agent.yaml").ok());
  // A misspelt `tls` is reported as the typo, not as plaintext.
  auto typo = ParseAgentConfig("collector: 10.0.0.5:7070\ntsl: {}\n", "agent.yaml");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(std::string(typo.status().message()).rfind("agent.yaml:2:1: key 'tsl': unknown key", 0),
            0u) << typo.status();
}

TEST(AgentConfig, ValidateRefusesPlaintextToANonLocalCollectorFromAFlag) {
  AgentConfig config;
  config.id = "node-a";
  config.collector = "scout-collector.scout.svc:7070";  // --collector
  const absl::Status status = ValidateAgentConfig(config);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(),
            "plaintext to non-local collector scout-collector.scout.svc:7070: set tls or "
            "insecure: true");
  config.security.insecure = true;
  EXPECT_TRUE(ValidateAgentConfig(config).ok());
}

TEST(AgentConfig, ErrorsNameFileLineAndKey) {
  struct Case {
    const char* yaml;
    const char* want;
  };
  const Case cases[] = {
      {"collector: a:1\ncolector: b:2\n", "agent.yaml:2:1: key 'colector': unknown key"},
      {"interval: 10\n", "agent.yaml:1:11: key 'interval': invalid duration \"10\""},
      {"interval: 10x\n", "agent.yaml:1:11: key 'interval': invalid duration \"10x\""},
      {"interval: 100ms\n", "agent.yaml:1:11: key 'interval': must be between 1s and 1h"},
      {"labels: [a, b]\n", "agent.yaml:1:9: key 'labels': expected a mapping of strings, got a list"},
      {"collectors: cpu\n", "agent.yaml:1:13: key 'collectors': expected a list of strings"},
      {"host:\n  proc: /p\n  prc: /x\n", "agent.yaml:3:3: key 'host.prc': unknown key"},
      {"spool: {max_size_bytes: many}\n",
       "agent.yaml:1:25: key 'spool.max_size_bytes': expected an integer, got \"many\""},
      {"spool: {max_age: forever}\n", "agent.yaml:1:18: key 'spool.max_age': invalid duration"},
      {"processes:\n  groups:\n    - {name: n, comm: \"(\"}\n",
       "agent.yaml:3:23: key 'processes.groups[0].comm': bad regex"},
      {"processes:\n  groups:\n    - {name: n, comm: a}\n    - {name: n, comm: b}\n",
       "agent.yaml:4:14: key 'processes.groups[1].name': duplicate group name"},
      {"interval: 2s\nplugin_timeout: 3s\n",
       "agent.yaml:2:17: key 'plugin_timeout': must be between 100ms and the interval"},
      {"processes:\n  groups:\n    - {name: n}\n",
       "agent.yaml:3:14: key 'processes.groups[0].name': group \"n\" needs comm or cmdline"},
      {"labels: {\"bad-name\": x}\n", "agent.yaml:1:9: key 'labels': invalid label name"},
      {"hostname: \"$(NODE_NAME)\"\n",
       "agent.yaml:1:11: key 'hostname': hostname \"$(NODE_NAME)\": only letters, digits, "
       "'.', '-' and '_' (an unexpanded $(VAR)?"},
      {"hostname: \"web 1\"\n", "agent.yaml:1:11: key 'hostname': hostname \"web 1\": only"},
      {"tls:\n  ca_file: ca.crt\n  ca: x\n", "agent.yaml:3:3: key 'tls.ca': unknown key"},
      {"tls:\n  cert_file: tls.crt\n",
       "agent.yaml:2:14: key 'tls.cert_file': cert_file without key_file"},
      {"insecure: yes please\n", "agent.yaml:1:11: key 'insecure': expected"},
      {"token_file: [a]\n", "agent.yaml:1:13: key 'token_file': expected"},
  };
  for (const Case& c : cases) {
    auto parsed = ParseAgentConfig(c.yaml, "agent.yaml");
    ASSERT_FALSE(parsed.ok()) << c.yaml;
    EXPECT_EQ(std::string(parsed.status().message()).rfind(c.want, 0), 0u)
        << "got: " << parsed.status().message();
  }
}

// Flags bypass the parser; main validates what they set the same way.
TEST(AgentConfig, ValidateChecksTheHostnameFromAFlag) {
  AgentConfig config;
  config.id = "node-a";
  EXPECT_TRUE(ValidateAgentConfig(config).ok());  // empty: defaulted later
  config.hostname = "node-a";
  EXPECT_TRUE(ValidateAgentConfig(config).ok());
  config.hostname = "$(NODE_NAME)";
  const absl::Status status = ValidateAgentConfig(config);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("unexpanded $(VAR)"), std::string::npos) << status;
  config.hostname = std::string(254, 'a');
  EXPECT_FALSE(ValidateAgentConfig(config).ok());
  config.hostname = std::string(253, 'a');
  EXPECT_TRUE(ValidateAgentConfig(config).ok());
}

// `--id=$(NODE_NAME)` without NODE_NAME in the pod: Kubernetes passes the
// text unchanged, and every node would report under one id.
TEST(AgentConfig, ValidateRejectsAnUnexpandedIdVariable) {
  AgentConfig config;
  config.id = "$(NODE_NAME)";
  const absl::Status status = ValidateAgentConfig(config);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("unexpanded $(VAR)"), std::string::npos) << status;
  config.id = "node-a";
  EXPECT_TRUE(ValidateAgentConfig(config).ok());
}


TEST(AgentConfig, NetworkExcludeDevices) {
  auto defaults = ParseAgentConfig("", "agent.yaml");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->network.exclude_devices_regex, kDefaultExcludeDevicesRegex);

  auto custom = ParseAgentConfig("network:\n  exclude_devices: \"^docker\"\n", "agent.yaml");
  ASSERT_TRUE(custom.ok()) << custom.status();
  EXPECT_EQ(custom->network.exclude_devices_regex, "^docker");

  auto bad = ParseAgentConfig("network:\n  exclude_devices: \"(veth\"\n", "agent.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), testing::HasSubstr("agent.yaml:2"));
  EXPECT_THAT(std::string(bad.status().message()), testing::HasSubstr("exclude_devices"));
}

}  // namespace
}  // namespace scout::agent
