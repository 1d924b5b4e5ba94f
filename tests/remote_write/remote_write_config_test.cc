// The `remote_write:` config list, read from literal YAML.
#include "collector/remote_write/remote_write_config.h"
#include "collector/collector_config.h"

#include <gtest/gtest.h>

#include <string>

namespace scout::collector::remote_write {
namespace {

absl::StatusOr<std::vector<RemoteWriteTarget>> Read(const std::string& yaml) {
  auto map = ConfigMap::LoadString(yaml, "collector.yaml");
  if (!map.ok()) return map.status();
  auto targets = ReadRemoteWriteConfig(*map);
  if (!targets.ok()) return targets.status();
  if (absl::Status s = map->CheckNoUnknownKeys(); !s.ok()) return s;
  return targets;
}

TEST(RemoteWriteConfigTest, DefaultsAndFullTarget) {
  auto t = Read(R"(
remote_write:
  - name: mimir
    url: https://mimir:9009/api/v1/push
    bearer_token: ${MIMIR_TOKEN}
    tls: {ca_file: /etc/ca.pem}
    timeout: 10s
    queue: {max_bytes: 8388608, shards: 2, max_samples_per_send: 500, batch_send_deadline: 1s}
    keep: ['node_load1', '{job="node"}']
    drop: ['{host="lab"}']
  - name: vm
    url: http://vm:8428/api/v1/write
    basic_auth: {username: scout, password: "@file:/run/secrets/vm"}
)");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->size(), 2u);
  const RemoteWriteTarget& a = (*t)[0];
  EXPECT_EQ(a.bearer_token_ref, "${MIMIR_TOKEN}");  // kept as a reference
  EXPECT_EQ(a.tls.ca_file, "/etc/ca.pem");
  EXPECT_EQ(a.timeout, std::chrono::seconds(10));
  EXPECT_EQ(a.queue.max_bytes, 8388608u);
  EXPECT_EQ(a.queue.shards, 2);
  EXPECT_EQ(a.queue.max_samples_per_send, 500);
  EXPECT_EQ(a.queue.min_backoff, std::chrono::milliseconds(30));
  EXPECT_EQ(a.keep.size(), 2u);
  const RemoteWriteTarget& b = (*t)[1];
  ASSERT_TRUE(b.basic_auth.has_value());
  EXPECT_EQ(b.basic_auth->password_ref, "@file:/run/secrets/vm");
  EXPECT_EQ(b.queue.max_bytes, 1ull << 30);
  EXPECT_EQ(b.queue.shards, 4);
  EXPECT_EQ(b.queue.max_samples_per_send, 2000);
  EXPECT_EQ(b.queue.batch_send_deadline, std::chrono::seconds(5));
  EXPECT_EQ(b.queue.max_backoff, std::chrono::seconds(5));
}

TEST(RemoteWriteConfigTest, ErrorsNameFileLineAndKey) {
  auto t = Read("remote_write:\n  - name: a\n    url: ftp://x\n");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("collector.yaml:3"), std::string::npos) << t.status();
  EXPECT_NE(t.status().message().find("url"), std::string::npos) << t.status();
}

TEST(RemoteWriteConfigTest, MetadataDefaultsAsPrometheusAndOverrides) {
  auto t = Read(R"(
remote_write:
  - {name: a, url: 'http://x'}
  - name: b
    url: http://y
    metadata: {send: false, send_interval: 30s, max_samples_per_send: 100}
)");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE((*t)[0].metadata.send);
  EXPECT_EQ((*t)[0].metadata.send_interval, std::chrono::minutes(1));
  EXPECT_EQ((*t)[0].metadata.max_samples_per_send, 500);
  EXPECT_FALSE((*t)[1].metadata.send);
  EXPECT_EQ((*t)[1].metadata.send_interval, std::chrono::seconds(30));
  EXPECT_EQ((*t)[1].metadata.max_samples_per_send, 100);
  auto bad = Read("remote_write:\n  - name: a\n    url: http://x\n    metadata: {send_interval: 100ms}\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("collector.yaml:4"), std::string::npos) << bad.status();
  EXPECT_NE(bad.status().message().find("send_interval"), std::string::npos) << bad.status();
  EXPECT_FALSE(Read("remote_write:\n  - {name: a, url: 'http://x', metadata: {max_samples_per_send: 0}}\n").ok());
  EXPECT_FALSE(Read("remote_write:\n  - {name: a, url: 'http://x', metadata: {sned: true}}\n").ok());
}

TEST(RemoteWriteConfigTest, Refusals) {
  EXPECT_FALSE(Read("remote_write:\n  - {name: 'a b', url: 'http://x'}\n").ok());
  EXPECT_FALSE(Read("remote_write:\n  - {name: a, url: 'http://x'}\n  - {name: a, url: 'http://y'}\n").ok());
  EXPECT_FALSE(Read("remote_write:\n  - {name: a, url: 'http://x', bearer_token: t, basic_auth: {username: u, password: p}}\n").ok());
  EXPECT_FALSE(Read("remote_write:\n  - {name: a, url: 'http://x', tls: {insecure_skip_verify: true}}\n").ok());
  EXPECT_FALSE(Read("remote_write:\n  - {name: a, url: 'http://x', keep: ['{a=~\"(\"}']}\n").ok());
  EXPECT_FALSE(Read("remote_write:\n  - {name: a, url: 'http://x', queue: {shards: 0}}\n").ok());
  EXPECT_FALSE(Read("remote_write:\n  - {name: a, url: 'http://x', typo: 1}\n").ok());
  auto secret = Read("remote_write:\n  - {name: a, url: 'http://x', bearer_token: s3cr3t-literal, queue: {shards: 0}}\n");
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.status().message().find("s3cr3t"), std::string::npos);  // never echoed
}

TEST(RemoteWriteConfigTest, KeepAndDrop) {
  auto t = Read("remote_write:\n  - {name: a, url: 'http://x', keep: ['up', 'node_load1'], drop: ['{job=\"x\"}']}\n");
  ASSERT_TRUE(t.ok()) << t.status();
  auto f = SeriesFilter::Compile((*t)[0]);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->Sends({"up", MakeLabels({{"job", "y"}})}));
  EXPECT_FALSE(f->Sends({"up", MakeLabels({{"job", "x"}})}));
  EXPECT_FALSE(f->Sends({"other", {}}));
}

TEST(RemoteWriteConfigTest, ReadByTheCollectorConfig) {
  auto c = ParseCollectorConfig("remote_write:\n  - {name: a, url: 'http://x/api/v1/write'}\n",
                                "collector.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->remote_write.size(), 1u);
  EXPECT_EQ(c->remote_write[0].name, "a");
  EXPECT_FALSE(ParseCollectorConfig("remote_write:\n  - {name: a}\n", "collector.yaml").ok());
}

}  // namespace
}  // namespace scout::collector::remote_write
