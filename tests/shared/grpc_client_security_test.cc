// Client security: the config keys, the rules, the token, and channels
// against real TLS servers on loopback (certificates made with openssl at
// test time).
#include "shared/grpc_client_security.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "shared/yaml_config.h"
#include "tests/common/echo_query_server.h"
#include "tests/common/test_certs.h"
#include "tests/common/test_dir.h"

namespace scout {
namespace {

using ::testing::HasSubstr;
using testing::EchoQueryServer;
using testing::EchoServerOptions;

EchoServerOptions Options(bool tls, const std::string& cert = "server",
                          bool require_client_cert = false) {
  EchoServerOptions options;
  options.tls = tls;
  options.server_cert = cert;
  options.require_client_cert = require_client_cert;
  return options;
}

absl::StatusOr<ClientSecurity> Parse(const std::string& yaml, const std::string& base_dir = "") {
  auto root = ConfigMap::LoadString(yaml, "client.yaml");
  if (!root.ok()) return root.status();
  ClientSecurity security;
  if (absl::Status s = ReadClientSecurity(*root, base_dir, &security); !s.ok()) return s;
  if (absl::Status s = root->CheckNoUnknownKeys(); !s.ok()) return s;
  return security;
}

TEST(ClientSecurityConfig, ReadsEveryKey) {
  auto s = Parse(R"(
insecure: true
tls:
  ca_file: /etc/scout/tls/ca.crt
  cert_file: tls.crt
  key_file: tls.key
  server_name: scout-collector.scout.svc
token_file: token
)", "/etc/scout");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->insecure);
  EXPECT_TRUE(s->tls);
  EXPECT_EQ(s->ca_file, "/etc/scout/tls/ca.crt");
  EXPECT_EQ(s->cert_file, "/etc/scout/tls.crt");  // relative to the config file
  EXPECT_EQ(s->key_file, "/etc/scout/tls.key");
  EXPECT_EQ(s->server_name, "scout-collector.scout.svc");
  EXPECT_EQ(s->token_file, "/etc/scout/token");
}

TEST(ClientSecurityConfig, AbsentTlsIsPlaintextAndEmptyTlsIsTls) {
  auto plain = Parse("collector_unused: 1\n");
  ASSERT_FALSE(plain.ok());  // the caller's CheckNoUnknownKeys still applies
  plain = Parse("{}");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->tls);
  EXPECT_FALSE(plain->insecure);
  auto tls = Parse("tls: {}\n");
  ASSERT_TRUE(tls.ok()) << tls.status();
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->ca_file, "");
}

TEST(ClientSecurityConfig, UnknownTlsKeyNamesFileLineAndKey) {
  auto s = Parse("tls:\n  ca_file: ca.crt\n  client_auth: require\n");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("client.yaml:3:"));
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("tls.client_auth"));
}

TEST(ClientSecurityConfig, CertWithoutKeyAndKeyWithoutCertAreErrors) {
  auto s = Parse("tls:\n  cert_file: a.crt\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "client.yaml:2:14: key 'tls.cert_file': cert_file without key_file: set both or "
            "neither");
  s = Parse("tls:\n  key_file: a.key\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "client.yaml:2:13: key 'tls.key_file': key_file without cert_file: set both or "
            "neither");
}

TEST(ClientSecurityConfig, WrongTypesNameTheKey) {
  auto s = Parse("insecure: maybe\n");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("client.yaml:1:"));
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("insecure"));
  s = Parse("tls: yes\n");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("tls"));
}

TEST(ValidateClientSecurity, PlaintextOnlyToLocalCollectorsUnlessInsecure) {
  ClientSecurity plain;
  EXPECT_TRUE(ValidateClientSecurity(plain, "127.0.0.1:7070").ok());
  EXPECT_TRUE(ValidateClientSecurity(plain, "localhost:7070").ok());
  EXPECT_TRUE(ValidateClientSecurity(plain, "[::1]:7070").ok());
  EXPECT_TRUE(ValidateClientSecurity(plain, "unix:/run/scout.sock").ok());
  absl::Status remote = ValidateClientSecurity(plain, "scout-collector.scout.svc:7070");
  ASSERT_FALSE(remote.ok());
  EXPECT_EQ(remote.message(),
            "plaintext to non-local collector scout-collector.scout.svc:7070: set tls or "
            "insecure: true");
  EXPECT_FALSE(ValidateClientSecurity(plain, "0.0.0.0:7070").ok());

  ClientSecurity insecure;
  insecure.insecure = true;
  EXPECT_TRUE(ValidateClientSecurity(insecure, "10.0.0.5:7070").ok());
  ClientSecurity tls;
  tls.tls = true;
  EXPECT_TRUE(ValidateClientSecurity(tls, "10.0.0.5:7070").ok());
  tls.cert_file = "a.crt";
  EXPECT_FALSE(ValidateClientSecurity(tls, "10.0.0.5:7070").ok());
}

TEST(EffectiveServerName, DefaultsToTheHostOfTheAddress) {
  ClientSecurity s;
  EXPECT_EQ(EffectiveServerName(s, "scout-collector.scout.svc:7070"), "scout-collector.scout.svc");
  EXPECT_EQ(EffectiveServerName(s, "[::1]:7070"), "::1");
  EXPECT_EQ(EffectiveServerName(s, "dns:///collector:7070"), "collector");
  EXPECT_EQ(EffectiveServerName(s, "unix:/run/scout.sock"), "localhost");
  s.server_name = "scout-collector";
  EXPECT_EQ(EffectiveServerName(s, "127.0.0.1:7070"), "scout-collector");
}

// Token sources: token_file, else $SCOUT_TOKEN_FILE, else $SCOUT_TOKEN.
class ClientTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("SCOUT_TOKEN_FILE");
    unsetenv("SCOUT_TOKEN");
  }
  void TearDown() override { SetUp(); }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ / name;
    std::ofstream(path) << text;
    return path;
  }
  testing::TestDir dir_{"scout-token"};
};

TEST_F(ClientTokenTest, NoneConfiguredIsEmpty) {
  auto token = ReadClientToken(ClientSecurity{});
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "");
}

TEST_F(ClientTokenTest, TokenFileWinsAndIsTrimmed) {
  setenv("SCOUT_TOKEN", "from-env", 1);
  setenv("SCOUT_TOKEN_FILE", Write("env-token", "from-env-file").c_str(), 1);
  ClientSecurity s;
  s.token_file = Write("token", "  s3cret-token\n");
  EXPECT_EQ(*ReadClientToken(s), "s3cret-token");
}

TEST_F(ClientTokenTest, EnvFileThenEnvValue) {
  setenv("SCOUT_TOKEN", " from-env \n", 1);
  EXPECT_EQ(*ReadClientToken(ClientSecurity{}), "from-env");
  setenv("SCOUT_TOKEN_FILE", Write("env-token", "from-env-file\n").c_str(), 1);
  EXPECT_EQ(*ReadClientToken(ClientSecurity{}), "from-env-file");
}

TEST_F(ClientTokenTest, IsReadAgainEachTime) {
  ClientSecurity s;
  s.token_file = Write("token", "first");
  EXPECT_EQ(*ReadClientToken(s), "first");
  Write("token", "second");
  EXPECT_EQ(*ReadClientToken(s), "second");
}

TEST_F(ClientTokenTest, ErrorsNameTheFileNeverTheToken) {
  ClientSecurity s;
  s.token_file = dir_ / "missing";
  auto missing = ReadClientToken(s);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr(s.token_file));
  s.token_file = Write("blank", " \n");
  auto blank = ReadClientToken(s);
  ASSERT_FALSE(blank.ok());
  EXPECT_THAT(std::string(blank.status().message()), HasSubstr(s.token_file));
}

// ---- Channels against real servers ----

class ClientChannelTest : public ::testing::Test {
 protected:
  // One set of certificates for the suite (openssl takes seconds).
  static void SetUpTestSuite() {
    certs_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                       ("scout-client-tls-" + std::to_string(getpid())));
    std::filesystem::remove_all(*certs_);
    testing::MakeTestCerts(*certs_);
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*certs_);
    delete certs_;
  }
  void SetUp() override { std::filesystem::copy(*certs_, dir_.path()); }

  std::string Cert(const std::string& name) const { return (dir_.path() / name).string(); }
  ClientSecurity Tls(const std::string& ca = "ca.crt") const {
    ClientSecurity s;
    s.tls = true;
    s.ca_file = Cert(ca);
    return s;
  }
  // One ListAgents call; the echoed agent holds what the server saw.
  absl::StatusOr<v1::AgentInfo> Call(const std::string& address, const ClientSecurity& security,
                                     const std::string& token = "") {
    auto channel = MakeClientChannel(address, security, grpc::ChannelArguments());
    if (!channel.ok()) return channel.status();
    auto stub = v1::Query::NewStub(*channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    AttachToken(token, context);
    v1::ListAgentsResponse response;
    grpc::Status status = stub->ListAgents(&context, v1::ListAgentsRequest(), &response);
    if (!status.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          status.error_message());
    }
    return response.agents(0);
  }

  static std::filesystem::path* certs_;
  testing::TestDir dir_{"scout-client-tls"};
};

std::filesystem::path* ClientChannelTest::certs_ = nullptr;

TEST_F(ClientChannelTest, TlsWithTheRightCaWorksByIpSanAndByServerName) {
  EchoQueryServer server(dir_.path(), {});
  EXPECT_TRUE(Call(server.address(), Tls()).ok());  // 127.0.0.1 is an IP SAN
  ClientSecurity named = Tls();
  named.server_name = "scout-collector";  // a DNS SAN, dialled by IP
  auto agent = Call(server.address(), named);
  ASSERT_TRUE(agent.ok()) << agent.status();
  EXPECT_EQ(agent->hostname(), "");  // no client certificate presented
  EXPECT_TRUE(Call("localhost:" + std::to_string(server.port()), Tls()).ok());
}

TEST_F(ClientChannelTest, ServerCertificateWithWrongSanIsRefused) {
  EchoQueryServer server(dir_.path(), Options(true, "server-wrong-san"));
  auto call = Call(server.address(), Tls());
  ASSERT_FALSE(call.ok());
  EXPECT_EQ(call.status().code(), absl::StatusCode::kUnavailable) << call.status();
  ClientSecurity named = Tls();
  named.server_name = "scout-collector";
  EXPECT_FALSE(Call(server.address(), named).ok());
  // The same chain is trusted: only the name was wrong.
  named.server_name = "wrong.example";
  EXPECT_TRUE(Call(server.address(), named).ok());
}

TEST_F(ClientChannelTest, ServerCertificateFromAnotherCaIsRefused) {
  EchoQueryServer server(dir_.path(), {});
  auto call = Call(server.address(), Tls("other-ca.crt"));
  ASSERT_FALSE(call.ok());
  EXPECT_EQ(call.status().code(), absl::StatusCode::kUnavailable) << call.status();
  EchoQueryServer ca2(dir_.path(), Options(true, "server-ca2"));
  EXPECT_FALSE(Call(ca2.address(), Tls()).ok());
  EXPECT_TRUE(Call(ca2.address(), Tls("ca2.crt")).ok());
}

TEST_F(ClientChannelTest, PlaintextClientAndTlsServerDoNotMix) {
  EchoQueryServer tls_server(dir_.path(), {});
  EXPECT_FALSE(Call(tls_server.address(), ClientSecurity{}).ok());
  EchoQueryServer plain_server(dir_.path(), Options(false));
  EXPECT_FALSE(Call(plain_server.address(), Tls()).ok());
}

TEST_F(ClientChannelTest, ClientCertificateIsPresentedWhenConfigured) {
  EchoQueryServer server(dir_.path(), Options(true, "server", true));
  EXPECT_FALSE(Call(server.address(), Tls()).ok());  // required, not given
  ClientSecurity with_cert = Tls();
  with_cert.cert_file = Cert("client-node-1.crt");
  with_cert.key_file = Cert("client-node-1.key");
  auto agent = Call(server.address(), with_cert);
  ASSERT_TRUE(agent.ok()) << agent.status();
  EXPECT_EQ(agent->hostname(), "node-1");
  // A certificate from another CA is not accepted by the server.
  with_cert.cert_file = Cert("client-other-ca.crt");
  with_cert.key_file = Cert("client-other-ca.key");
  EXPECT_FALSE(Call(server.address(), with_cert).ok());
}

TEST_F(ClientChannelTest, RotatedClientCertificateIsUsedByTheNextChannel) {
  EchoQueryServer server(dir_.path(), Options(true, "server", true));
  ClientSecurity s = Tls();
  s.cert_file = Cert("tls.crt");
  s.key_file = Cert("tls.key");
  std::filesystem::copy_file(Cert("client-node-1.crt"), s.cert_file);
  std::filesystem::copy_file(Cert("client-node-1.key"), s.key_file);
  EXPECT_EQ(Call(server.address(), s)->hostname(), "node-1");
  const auto overwrite = std::filesystem::copy_options::overwrite_existing;
  std::filesystem::copy_file(Cert("client-node-2.crt"), s.cert_file, overwrite);
  std::filesystem::copy_file(Cert("client-node-2.key"), s.key_file, overwrite);
  EXPECT_EQ(Call(server.address(), s)->hostname(), "node-2");
}

TEST_F(ClientChannelTest, TokenArrivesOnPlaintextLoopbackAndOnTls) {
  EchoQueryServer plain(dir_.path(), Options(false));
  auto agent = Call(plain.address(), ClientSecurity{}, "tok-plain");
  ASSERT_TRUE(agent.ok()) << agent.status();
  EXPECT_EQ(agent->agent_id(), "Bearer tok-plain");
  EchoQueryServer tls(dir_.path(), {});
  agent = Call(tls.address(), Tls(), "tok-tls");
  ASSERT_TRUE(agent.ok()) << agent.status();
  EXPECT_EQ(agent->agent_id(), "Bearer tok-tls");
  agent = Call(tls.address(), Tls());  // no token: no header
  ASSERT_TRUE(agent.ok()) << agent.status();
  EXPECT_EQ(agent->agent_id(), "");
}

TEST_F(ClientChannelTest, UnreadableFilesAreNamedButNeverQuoted) {
  ClientSecurity s = Tls("missing-ca.crt");
  auto channel = MakeClientChannel("127.0.0.1:1", s, grpc::ChannelArguments());
  ASSERT_FALSE(channel.ok());
  EXPECT_THAT(std::string(channel.status().message()), HasSubstr("tls.ca_file"));
  EXPECT_THAT(std::string(channel.status().message()), HasSubstr("missing-ca.crt"));

  s = Tls();
  s.cert_file = Cert("client-node-1.crt");
  s.key_file = Cert("missing.key");
  absl::Status files = CheckClientFiles(s);
  ASSERT_FALSE(files.ok());
  EXPECT_THAT(std::string(files.message()), HasSubstr("tls.key_file"));
  s.key_file = Cert("client-node-1.key");
  EXPECT_TRUE(CheckClientFiles(s).ok());
  std::ofstream(Cert("empty.crt")).close();
  s.ca_file = Cert("empty.crt");
  files = CheckClientFiles(s);
  ASSERT_FALSE(files.ok());
  EXPECT_THAT(std::string(files.message()), HasSubstr("is empty"));
}

}  // namespace
}  // namespace scout
