// sctl's global settings (flags > env > config file > default), its
// security rules, and its calls against real TLS servers on loopback.
#include "ctl/global_flags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "ctl/rpc.h"
#include "scout/v1/query.grpc.pb.h"
#include "tests/common/echo_query_server.h"
#include "tests/common/test_certs.h"
#include "tests/common/test_dir.h"

namespace scout::ctl {
namespace {

using ::testing::HasSubstr;

class GlobalFlagsTest : public ::testing::Test {
 protected:
  std::string WriteConfig(const std::string& yaml) {
    const std::string path = dir_ / "sctl.yaml";
    std::ofstream(path) << yaml;
    return path;
  }
  absl::StatusOr<Settings> Resolve(const GlobalFlags& flags, Environment env = {}) {
    return ResolveSettings(flags, env);
  }
  scout::testing::TestDir dir_{"scout-sctl-flags"};
};

TEST_F(GlobalFlagsTest, DefaultsArePlaintextToLoopback) {
  auto s = Resolve({});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->channel.collector, "127.0.0.1:7070");
  EXPECT_FALSE(s->channel.security.tls);
  EXPECT_TRUE(MakeChannel(s->channel).ok());
}

TEST_F(GlobalFlagsTest, ConfigFileKeysWithPathsRelativeToTheFile) {
  GlobalFlags flags;
  flags.config = WriteConfig(R"(
collector: scout.example.com:7070
output: json
timeout: 3s
tls:
  ca_file: ca.crt
  cert_file: /etc/scout/me.crt
  key_file: /etc/scout/me.key
  server_name: scout-collector
token_file: token
)");
  auto s = Resolve(flags);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->channel.collector, "scout.example.com:7070");
  EXPECT_EQ(s->format, OutputFormat::kJson);
  EXPECT_EQ(s->timeout, std::chrono::seconds(3));
  const ClientSecurity& sec = s->channel.security;
  EXPECT_TRUE(sec.tls);
  EXPECT_FALSE(sec.insecure);
  EXPECT_EQ(sec.ca_file, dir_ / "ca.crt");
  EXPECT_EQ(sec.cert_file, "/etc/scout/me.crt");
  EXPECT_EQ(sec.key_file, "/etc/scout/me.key");
  EXPECT_EQ(sec.server_name, "scout-collector");
  EXPECT_EQ(sec.token_file, dir_ / "token");
}

TEST_F(GlobalFlagsTest, ConfigErrorsNameFileLineAndKey) {
  GlobalFlags flags;
  flags.config = WriteConfig("collector: 127.0.0.1:7070\ntls:\n  ca: x\n");
  auto s = Resolve(flags);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("sctl.yaml:3:3: key 'tls.ca'"));
  flags.config = WriteConfig("tls:\n  key_file: k\n");
  s = Resolve(flags);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()),
              HasSubstr("sctl.yaml:2:13: key 'tls.key_file': key_file without cert_file"));
  flags.config = WriteConfig("insecure: 3\n");
  s = Resolve(flags);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("sctl.yaml:1:11: key 'insecure'"));
}

TEST_F(GlobalFlagsTest, FlagsBeatEnvBeatConfig) {
  GlobalFlags flags;
  flags.config = WriteConfig(
      "collector: from-config:7070\ninsecure: false\ntls: {ca_file: /config/ca.crt}\n"
      "token_file: /config/token\n");
  Environment env;
  env.collector = "from-env:7070";
  auto s = Resolve(flags, env);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->channel.collector, "from-env:7070");
  EXPECT_EQ(s->channel.security.token_file, "/config/token");
  env.token_set = true;  // $SCOUT_TOKEN(_FILE) replaces the file's token_file
  EXPECT_EQ(Resolve(flags, env)->channel.security.token_file, "");
  flags.collector = "from-flag:7070";
  flags.ca = "/flag/ca.crt";
  flags.cert = "/flag/me.crt";
  flags.key = "/flag/me.key";
  flags.server_name = "flag-name";
  flags.token_file = "/flag/token";
  flags.insecure = true;
  s = Resolve(flags, env);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->channel.collector, "from-flag:7070");
  const ClientSecurity& sec = s->channel.security;
  EXPECT_EQ(sec.ca_file, "/flag/ca.crt");
  EXPECT_EQ(sec.cert_file, "/flag/me.crt");
  EXPECT_EQ(sec.key_file, "/flag/me.key");
  EXPECT_EQ(sec.server_name, "flag-name");
  EXPECT_EQ(sec.token_file, "/flag/token");
  EXPECT_TRUE(sec.insecure);
}

TEST_F(GlobalFlagsTest, AnyTlsFlagTurnsTlsOn) {
  for (std::string GlobalFlags::*flag :
       {&GlobalFlags::ca, &GlobalFlags::cert, &GlobalFlags::key, &GlobalFlags::server_name}) {
    GlobalFlags flags;
    flags.*flag = "x";
    EXPECT_TRUE(Resolve(flags)->channel.security.tls);
  }
  GlobalFlags flags;
  flags.token_file = "t";
  flags.insecure = true;
  EXPECT_FALSE(Resolve(flags)->channel.security.tls);
}

TEST_F(GlobalFlagsTest, PlaintextToANonLocalCollectorIsAUsageErrorUnlessInsecure) {
  GlobalFlags flags;
  flags.collector = "10.0.0.5:7070";
  auto s = Resolve(flags);
  ASSERT_TRUE(s.ok());  // sctl probe connects nowhere: the rule is MakeChannel's
  auto channel = MakeChannel(s->channel);
  ASSERT_FALSE(channel.ok());
  EXPECT_EQ(channel.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(channel.status().message()),
              HasSubstr("plaintext to non-local collector 10.0.0.5:7070: set tls or insecure: true"));
  flags.insecure = true;
  EXPECT_TRUE(MakeChannel(Resolve(flags)->channel).ok());
  flags.insecure = false;
  flags.collector = "localhost:7070";
  EXPECT_TRUE(MakeChannel(Resolve(flags)->channel).ok());
  flags.collector = "10.0.0.5:7070";
  flags.cert = "/x.crt";  // TLS, but a certificate without its key
  channel = MakeChannel(Resolve(flags)->channel);
  ASSERT_FALSE(channel.ok());
  EXPECT_THAT(std::string(channel.status().message()), HasSubstr("--cert and --key"));
}

TEST(StatusFromRpc, RefusalsSayTheCollectorRefused) {
  Context ctx;
  ctx.collector = "127.0.0.1:7070";
  absl::Status denied = StatusFromRpc(
      grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                   "permission denied for principal viewer (role reader): Alerts.AddSilence"),
      ctx);
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(denied.message()),
              HasSubstr("collector refused: permission denied for principal viewer (role reader)"));
  absl::Status unauthenticated =
      StatusFromRpc(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "unknown token"), ctx);
  EXPECT_EQ(unauthenticated.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(unauthenticated.message()),
              HasSubstr("collector refused: not authenticated: unknown token"));
  EXPECT_THAT(std::string(unauthenticated.message()), HasSubstr("--token-file"));
}

// The whole path sctl takes: MakeChannel, token, Call, against real servers.
class SctlTlsTest : public ::testing::Test {
 protected:
  void SetUp() override { scout::testing::MakeTestCerts(dir_.path()); }
  absl::StatusOr<v1::AgentInfo> ListAgents(const GlobalFlags& flags) {
    auto settings = ResolveSettings(flags, Environment{});
    if (!settings.ok()) return settings.status();
    auto channel = MakeChannel(settings->channel);
    if (!channel.ok()) return channel.status();
    auto token = ReadClientToken(settings->channel.security);
    if (!token.ok()) return token.status();
    Context ctx{settings->channel.collector, std::chrono::seconds(5), nullptr, *token};
    std::unique_ptr<v1::Query::StubInterface> stub = v1::Query::NewStub(*channel);
    v1::ListAgentsResponse response;
    absl::Status status = Call(ctx, *stub, &v1::Query::StubInterface::ListAgents,
                               v1::ListAgentsRequest(), &response);
    if (!status.ok()) return status;
    return response.agents(0);
  }
  std::string Cert(const std::string& name) { return (dir_.path() / name).string(); }
  scout::testing::TestDir dir_{"scout-sctl-tls"};
};

TEST_F(SctlTlsTest, CaCertKeyAndTokenFlagsReachTheServer) {
  scout::testing::EchoServerOptions options;
  options.require_client_cert = true;
  scout::testing::EchoQueryServer server(dir_.path(), options);
  std::ofstream(dir_.path() / "token") << "sctl-token\n";
  GlobalFlags flags;
  flags.collector = server.address();
  flags.ca = Cert("ca.crt");
  flags.cert = Cert("client-operator.crt");
  flags.key = Cert("client-operator.key");
  flags.token_file = Cert("token");
  auto agent = ListAgents(flags);
  ASSERT_TRUE(agent.ok()) << agent.status();
  EXPECT_EQ(agent->agent_id(), "Bearer sctl-token");
  EXPECT_EQ(agent->hostname(), "operator");
}

TEST_F(SctlTlsTest, WrongSanAndWrongCaAreClearErrors) {
  scout::testing::EchoServerOptions options;
  options.server_cert = "server-wrong-san";
  scout::testing::EchoQueryServer wrong_san(dir_.path(), options);
  GlobalFlags flags;
  flags.collector = wrong_san.address();
  flags.ca = Cert("ca.crt");
  auto agent = ListAgents(flags);
  ASSERT_FALSE(agent.ok());
  EXPECT_THAT(std::string(agent.status().message()),
              HasSubstr("cannot reach collector at " + wrong_san.address()));
  EXPECT_THAT(std::string(agent.status().message()),
              HasSubstr("TLS: the collector's certificate is not for this name"))
      << agent.status();

  scout::testing::EchoQueryServer server(dir_.path(), {});
  flags.collector = server.address();
  flags.ca = Cert("other-ca.crt");
  agent = ListAgents(flags);
  ASSERT_FALSE(agent.ok());
  EXPECT_THAT(std::string(agent.status().message()),
              HasSubstr("TLS: the collector's certificate is not trusted"))
      << agent.status();
  flags.ca = Cert("ca.crt");
  EXPECT_TRUE(ListAgents(flags).ok());
}

TEST_F(SctlTlsTest, TokenFromTheEnvironmentOnPlaintextLoopback) {
  scout::testing::EchoServerOptions options;
  options.tls = false;
  scout::testing::EchoQueryServer server(dir_.path(), options);
  setenv("SCOUT_TOKEN", "env-token", 1);
  GlobalFlags flags;
  flags.collector = server.address();
  auto agent = ListAgents(flags);
  unsetenv("SCOUT_TOKEN");
  ASSERT_TRUE(agent.ok()) << agent.status();
  EXPECT_EQ(agent->agent_id(), "Bearer env-token");
}

}  // namespace
}  // namespace scout::ctl
