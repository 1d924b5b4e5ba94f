// Issue 15 over real loopback gRPC against an in-process collector:
// tokens and roles (the role matrix), agent-id binding, TLS with client
// certificates (the connection matrix), certificate rotation on disk, the
// plaintext health-only port, and silences (cap, principal, audit).
// Certificates come from tests/common/make_test_certs.sh (openssl, at test
// time). "Nothing stored" is checked in storage, not only by status codes.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <thread>

#include "absl/strings/match.h"
#include "collector/auth/tokens_file.h"
#include "collector/collector_server.h"
#include "collector/storage/storage.h"
#include "grpc_health_v1.grpc.pb.h"
#include "scout/v1/alerts.grpc.pb.h"
#include "scout/v1/ingest.grpc.pb.h"
#include "scout/v1/query.grpc.pb.h"
#include "scout/v1/reports.grpc.pb.h"
#include "shared/selector.h"
#include "tests/common/log_capture.h"
#include "tests/common/loopback_collector_config.h"
#include "tests/common/test_certs.h"
#include "tests/common/test_dir.h"

namespace scout::collector {
namespace {

namespace fs = std::filesystem;
using grpc::StatusCode;

constexpr char kAgentToken[] = "agent-token-abc";
constexpr char kReaderToken[] = "reader-token-def";
constexpr char kOperatorToken[] = "operator-token-ghi";
constexpr char kAdminToken[] = "admin-token-jkl";

std::string Entry(const std::string& principal, const std::string& role, const std::string& token,
                  const std::string& agent_ids = "") {
  std::string e = "  - principal: " + principal + "\n    role: " + role +
                  "\n    sha256: " + auth::Sha256Hex(token) + "\n";
  if (!agent_ids.empty()) e += "    agent_ids: " + agent_ids + "\n";
  return e;
}

void CopyFile(const fs::path& from, const fs::path& to) {
  // Atomic replace, as a Secret update or cert-manager does it: a reader
  // never sees half a file.
  fs::copy_file(from, to.string() + ".tmp", fs::copy_options::overwrite_existing);
  fs::rename(to.string() + ".tmp", to);
}

struct IngestResult {
  grpc::Status status;
  int acks = 0;
};

class SecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scout::testing::MakeTestCerts(certs_.path());
    std::ofstream(dir_ / "tokens.yaml")
        << "tokens:\n"
        << Entry("node-agents", "agent", kAgentToken, "[\"node-a*\"]")
        << Entry("dashboards", "reader", kReaderToken) << Entry("oncall", "operator", kOperatorToken)
        << Entry("root", "admin", kAdminToken);
  }

  CollectorConfig AuthConfig() {
    CollectorConfig config = scout::testing::LoopbackCollectorConfig(dir_);
    config.auth.emplace();
    config.auth->tokens_file = dir_ / "tokens.yaml";
    auth::CertificateRule nodes;
    nodes.cn = "node-*";
    nodes.principal = {"{cn}", auth::Role::kAgent, {"{cn}"}};
    auth::CertificateRule reader;
    reader.cn = "reader";
    reader.principal = {"reader-cert", auth::Role::kReader, {}};
    config.auth->certificates = {nodes, reader};
    return config;
  }

  // TLS from copies of the test files, so rotation can replace them.
  CollectorConfig TlsConfig(ClientAuth mode = ClientAuth::kRequire) {
    CollectorConfig config = AuthConfig();
    fs::copy_file(certs_.path() / "server.crt", dir_ / "tls.crt");
    fs::copy_file(certs_.path() / "server.key", dir_ / "tls.key");
    fs::copy_file(certs_.path() / "ca.crt", dir_ / "ca.crt");
    config.tls.emplace();
    config.tls->cert_file = dir_ / "tls.crt";
    config.tls->key_file = dir_ / "tls.key";
    config.tls->client_ca_file = dir_ / "ca.crt";
    config.tls->client_auth = mode;
    config.tls->reload_interval = std::chrono::seconds(1);
    return config;
  }

  void Start(const CollectorConfig& config) {
    auto s = CollectorServer::Start(config, clock_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
    target_ = "127.0.0.1:" + std::to_string(server_->port());
  }

  std::shared_ptr<grpc::Channel> Plain() {
    // A fresh connection per channel (no subchannel sharing), so each call
    // is its own handshake.
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel(target_, grpc::InsecureChannelCredentials(), args);
  }

  // TLS trusting `ca` (a file in certs_), presenting certs_/`client`.{crt,key} unless "".
  std::shared_ptr<grpc::Channel> Tls(const std::string& ca, const std::string& client) {
    grpc::SslCredentialsOptions o;
    o.pem_root_certs = scout::testing::ReadPem(certs_.path() / ca);
    if (!client.empty()) {
      o.pem_cert_chain = scout::testing::ReadPem(certs_.path() / (client + ".crt"));
      o.pem_private_key = scout::testing::ReadPem(certs_.path() / (client + ".key"));
    }
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel(target_, grpc::SslCredentials(o), args);
  }

  static void Prepare(grpc::ClientContext* ctx, const std::string& token) {
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  }

  v1::AgentMessage Hello(const std::string& agent_id) {
    v1::AgentMessage m;
    m.mutable_hello()->set_agent_id(agent_id);
    m.mutable_hello()->set_hostname(agent_id);
    m.mutable_hello()->set_incarnation_id("inc");
    m.mutable_hello()->set_interval_ms(10'000);
    return m;
  }

  v1::AgentMessage Batch(uint64_t seq, const std::string& host_label) {
    v1::AgentMessage m;
    v1::Batch* b = m.mutable_batch();
    b->set_seq(seq);
    v1::Series* s = b->add_series();
    s->set_metric("sec_test_value");
    v1::Label* l = s->add_labels();
    l->set_name("host");
    l->set_value(host_label);
    v1::Point* p = s->add_points();
    p->set_timestamp_ms(clock_.NowMs() + static_cast<int64_t>(seq));
    p->set_value(1.0);
    return m;
  }

  // Hello + one batch + half-close; the stream's final status and acks.
  IngestResult Ingest(const std::shared_ptr<grpc::Channel>& channel, const std::string& token,
                      const std::string& agent_id, const std::string& host_label = "") {
    auto stub = v1::Ingest::NewStub(channel);
    grpc::ClientContext ctx;
    Prepare(&ctx, token);
    auto stream = stub->Stream(&ctx);
    if (stream->Write(Hello(agent_id))) {
      (void)stream->Write(Batch(1, host_label.empty() ? agent_id : host_label));
    }
    stream->WritesDone();
    IngestResult r;
    v1::CollectorMessage reply;
    while (stream->Read(&reply)) r.acks += reply.has_ack() ? 1 : 0;
    r.status = stream->Finish();
    return r;
  }

  grpc::Status ListAgents(const std::shared_ptr<grpc::Channel>& channel, const std::string& token) {
    grpc::ClientContext ctx;
    Prepare(&ctx, token);
    v1::ListAgentsResponse resp;
    return v1::Query::NewStub(channel)->ListAgents(&ctx, {}, &resp);
  }

  grpc::Status AddSilence(const std::string& token, int64_t duration_ms,
                          v1::AddSilenceResponse* resp = nullptr) {
    grpc::ClientContext ctx;
    Prepare(&ctx, token);
    v1::AddSilenceRequest req;
    req.set_matchers("{host=\"db-1\"}");
    req.set_duration_ms(duration_ms);
    req.set_comment("maintenance");
    req.set_created_by("mallory");
    v1::AddSilenceResponse ignored;
    return v1::Alerts::NewStub(Plain())->AddSilence(&ctx, req, resp ? resp : &ignored);
  }

  grpc::Status Generate(const std::string& token) {
    grpc::ClientContext ctx;
    Prepare(&ctx, token);
    v1::GenerateReportRequest req;
    v1::GenerateReportResponse resp;
    return v1::Reports::NewStub(Plain())->Generate(&ctx, req, &resp);
  }

  size_t StoredAgents() { return server_->storage().ListAgents()->size(); }
  int64_t StoredSeries() { return server_->storage().Gauges().series; }
  std::vector<SeriesKey> TestSeries() {
    auto compiled = CompiledSelector::Compile(*ParseSelector("sec_test_value"));
    return server_->storage().ListSeries(*compiled, 100)->items;
  }

  scout::testing::TestDir dir_{"security"};
  scout::testing::TestDir certs_{"security-certs"};
  SystemClock clock_;
  std::unique_ptr<CollectorServer> server_;
  std::string target_;
};

TEST_F(SecurityTest, RoleMatrix) {
  Start(AuthConfig());
  // Credentials: none or wrong -> UNAUTHENTICATED.
  EXPECT_EQ(ListAgents(Plain(), "").error_code(), StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ListAgents(Plain(), "not-a-token").error_code(), StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Ingest(Plain(), "", "node-a1").status.error_code(), StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Ingest(Plain(), "wrong", "node-a1").status.error_code(), StatusCode::UNAUTHENTICATED);
  // An agent may only ingest.
  EXPECT_EQ(ListAgents(Plain(), kAgentToken).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(AddSilence(kAgentToken, 60'000).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Generate(kAgentToken).error_code(), StatusCode::PERMISSION_DENIED);
  // A reader may read, not write.
  EXPECT_TRUE(ListAgents(Plain(), kReaderToken).ok());
  EXPECT_EQ(Ingest(Plain(), kReaderToken, "node-a1").status.error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(AddSilence(kReaderToken, 60'000).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Generate(kReaderToken).error_code(), StatusCode::PERMISSION_DENIED);
  // Alerting is off here: an operator gets past authorization to that.
  EXPECT_EQ(AddSilence(kOperatorToken, 60'000).error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(ListAgents(Plain(), kAdminToken).ok());

  EXPECT_EQ(StoredAgents(), 0u) << "no refused stream may store anything";
  EXPECT_EQ(StoredSeries(), 0);
}

TEST_F(SecurityTest, AgentIsBoundToItsIdsAndItsHostLabel) {
  Start(AuthConfig());
  // agent A's identity sending a Hello for agent B: refused, nothing stored.
  IngestResult other = Ingest(Plain(), kAgentToken, "node-b1");
  EXPECT_EQ(other.status.error_code(), StatusCode::PERMISSION_DENIED) << other.status.error_message();
  EXPECT_EQ(other.acks, 0);
  EXPECT_EQ(StoredAgents(), 0u);
  EXPECT_EQ(StoredSeries(), 0);
  {
    grpc::ClientContext ctx;
    Prepare(&ctx, kAdminToken);
    v1::ListAgentsResponse resp;
    ASSERT_TRUE(v1::Query::NewStub(Plain())->ListAgents(&ctx, {}, &resp).ok());
    EXPECT_EQ(resp.agents_size(), 0);
  }

  // Its own id works, and a forged host label is replaced by the bound id.
  IngestResult own = Ingest(Plain(), kAgentToken, "node-a1", /*host_label=*/"node-b1");
  ASSERT_TRUE(own.status.ok()) << own.status.error_message();
  EXPECT_EQ(own.acks, 1);
  EXPECT_EQ(StoredAgents(), 1u);
  std::vector<SeriesKey> series = TestSeries();
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].labels, (Labels{{"host", "node-a1"}}));
}

TEST_F(SecurityTest, FailuresAreCountedAndLoggedOncePerStateNeverWithTheToken) {
  CollectorConfig config = AuthConfig();
  config.self_interval = std::chrono::seconds(1);
  scout::testing::LogCapture log;
  Start(config);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ListAgents(Plain(), "secret-wrong-token").error_code(), StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(ListAgents(Plain(), kAgentToken).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Ingest(Plain(), kAgentToken, "node-b1").status.error_code(),
            StatusCode::PERMISSION_DENIED);
  const std::string text = log.text();
  size_t refusals = 0;
  for (size_t at = text.find("auth: refused"); at != std::string::npos;
       at = text.find("auth: refused", at + 1)) {
    ++refusals;
  }
  EXPECT_EQ(refusals, 3u) << text;  // unauthenticated, permission_denied, agent_id
  EXPECT_FALSE(absl::StrContains(text, "secret-wrong-token")) << text;
  EXPECT_FALSE(absl::StrContains(text, kAgentToken)) << text;

  // The counters, as stored self-metrics.
  auto compiled =
      CompiledSelector::Compile(*ParseSelector("scout_collector_auth_failures_total"));
  std::map<std::string, double> by_key;
  for (int i = 0; i < 50 && by_key.size() < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto latest = server_->storage().Latest(*compiled, 100);
    if (!latest.ok()) continue;
    by_key.clear();
    for (const SeriesPoints& s : latest->items) {
      std::string key;
      for (const auto& [name, value] : s.key.labels) {
        if (name != "host") key += name + "=" + value + ",";
      }
      by_key[key] = s.points.back().value;
    }
  }
  EXPECT_EQ(by_key["principal=,reason=unauthenticated,"], 3);
  EXPECT_EQ(by_key["principal=node-agents,reason=permission_denied,"], 1);
  EXPECT_EQ(by_key["principal=node-agents,reason=agent_id,"], 1);
}

TEST_F(SecurityTest, SilencesAreCappedAttributedAndAudited) {
  CollectorConfig config = AuthConfig();
  config.alerting.rules_file = std::string(SCOUT_SOURCE_DIR) + "/rules/default.yaml";
  config.max_silence_duration = std::chrono::hours(24);
  Start(config);
  const int64_t day = 24 * 3600 * 1000LL;
  EXPECT_EQ(AddSilence(kOperatorToken, day + 1).error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(AddSilence(kOperatorToken, std::numeric_limits<int64_t>::max()).error_code(),
            StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(AddSilence(kOperatorToken, -day).error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(AddSilence(kOperatorToken, std::numeric_limits<int64_t>::min()).error_code(),
            StatusCode::INVALID_ARGUMENT);

  v1::AddSilenceResponse added;
  ASSERT_TRUE(AddSilence(kOperatorToken, day, &added).ok());
  EXPECT_EQ(added.silence().created_by(), "oncall") << "the principal, not the client's claim";
  EXPECT_EQ(added.silence().ends_ms() - added.silence().starts_ms(), day);
  {
    grpc::ClientContext ctx;
    Prepare(&ctx, kAdminToken);
    v1::ExpireSilenceRequest req;
    req.set_id(added.silence().id());
    v1::ExpireSilenceResponse resp;
    ASSERT_TRUE(v1::Alerts::NewStub(Plain())->ExpireSilence(&ctx, req, &resp).ok());
  }
  grpc::ClientContext ctx;
  Prepare(&ctx, kReaderToken);
  v1::AlertHistoryResponse history;
  ASSERT_TRUE(v1::Alerts::NewStub(Plain())->History(&ctx, {}, &history).ok());
  std::vector<std::string> audit;
  for (const v1::AlertTransition& t : history.transitions()) {
    if (t.fingerprint() != added.silence().id()) continue;
    std::string by;
    for (const v1::Label& l : t.labels()) {
      if (l.name() == "principal") by = l.value();
    }
    audit.push_back(t.rule() + " " + t.from_state() + "->" + t.to_state() + " by " + by);
  }
  EXPECT_EQ(audit, (std::vector<std::string>{"(silence) none->active by oncall",
                                             "(silence) active->expired by root"}));
}

TEST_F(SecurityTest, TlsConnectionMatrix) {
  Start(TlsConfig(ClientAuth::kRequire));
  // Everything that must fail the handshake (or never reach a handler).
  EXPECT_EQ(ListAgents(Plain(), kReaderToken).error_code(), StatusCode::UNAVAILABLE);
  EXPECT_EQ(ListAgents(Tls("ca.crt", ""), kReaderToken).error_code(), StatusCode::UNAVAILABLE)
      << "no client certificate";
  EXPECT_EQ(Ingest(Tls("ca.crt", "client-other-ca"), "", "node-1").status.error_code(),
            StatusCode::UNAVAILABLE);
  EXPECT_EQ(Ingest(Tls("ca.crt", "client-self-signed"), "", "node-1").status.error_code(),
            StatusCode::UNAVAILABLE);
  EXPECT_EQ(Ingest(Tls("ca.crt", "client-expired"), "", "node-1").status.error_code(),
            StatusCode::UNAVAILABLE);
  EXPECT_EQ(ListAgents(Tls("other-ca.crt", "client-node-1"), kReaderToken).error_code(),
            StatusCode::UNAVAILABLE)
      << "the client does not trust the server";
  // A good certificate with a wrong token: the token decides.
  EXPECT_EQ(Ingest(Tls("ca.crt", "client-node-1"), "wrong", "node-1").status.error_code(),
            StatusCode::UNAUTHENTICATED);
  // Certificate node-1 is principal node-1, bound to id node-1 only.
  EXPECT_EQ(Ingest(Tls("ca.crt", "client-node-1"), "", "node-2").status.error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(StoredAgents(), 0u);
  EXPECT_EQ(StoredSeries(), 0);

  IngestResult ok = Ingest(Tls("ca.crt", "client-node-1"), "", "node-1");
  ASSERT_TRUE(ok.status.ok()) << ok.status.error_message();
  EXPECT_EQ(ok.acks, 1);
  EXPECT_EQ(StoredAgents(), 1u);
  EXPECT_EQ(StoredSeries(), 1);
  // The reader certificate maps to a reader; a token on a TLS channel works too.
  EXPECT_TRUE(ListAgents(Tls("ca.crt", "client-reader"), "").ok());
  EXPECT_EQ(ListAgents(Tls("ca.crt", "client-node-1"), "").error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(ListAgents(Tls("ca.crt", "client-node-2"), kReaderToken).ok());

  // A valid certificate no rule maps: a token is needed, and then works.
  EXPECT_EQ(Ingest(Tls("ca.crt", "client-operator"), "", "node-a1").status.error_code(),
            StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(StoredAgents(), 1u);
  IngestResult by_token = Ingest(Tls("ca.crt", "client-operator"), kAgentToken, "node-a1");
  ASSERT_TRUE(by_token.status.ok()) << by_token.status.error_message();
  EXPECT_EQ(StoredAgents(), 2u);
  EXPECT_EQ(StoredSeries(), 2);
}

TEST_F(SecurityTest, ClientAuthNoneTakesTokensOverTls) {
  Start(TlsConfig(ClientAuth::kNone));
  EXPECT_TRUE(ListAgents(Tls("ca.crt", ""), kReaderToken).ok());
  EXPECT_EQ(ListAgents(Tls("ca.crt", ""), "").error_code(), StatusCode::UNAUTHENTICATED);
}

TEST_F(SecurityTest, ClientAuthRequestVerifiesACertificateIfSent) {
  Start(TlsConfig(ClientAuth::kRequest));
  EXPECT_TRUE(ListAgents(Tls("ca.crt", ""), kReaderToken).ok()) << "no certificate, a token";
  EXPECT_EQ(ListAgents(Tls("ca.crt", ""), "").error_code(), StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ListAgents(Tls("ca.crt", "client-other-ca"), kReaderToken).error_code(),
            StatusCode::UNAVAILABLE)
      << "a certificate that does not verify fails the handshake";
  EXPECT_TRUE(ListAgents(Tls("ca.crt", "client-reader"), "").ok());
}

TEST_F(SecurityTest, RotatedCertificateAndCaAreUsedWithoutRestartWhileStreamsContinue) {
  Start(TlsConfig(ClientAuth::kRequire));
  // An agent stream opened before the rotation.
  auto stub = v1::Ingest::NewStub(Tls("ca.crt", "client-node-1"));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto stream = stub->Stream(&ctx);
  v1::CollectorMessage reply;
  ASSERT_TRUE(stream->Write(Hello("node-1")));
  ASSERT_TRUE(stream->Read(&reply) && reply.has_welcome());
  ASSERT_TRUE(stream->Write(Batch(1, "node-1")));
  ASSERT_TRUE(stream->Read(&reply) && reply.has_ack());
  EXPECT_EQ(ListAgents(Tls("ca2.crt", "client-reader"), "").error_code(), StatusCode::UNAVAILABLE)
      << "before the rotation the server's certificate is from ca";

  // Rotate: a server certificate from ca2, and a client CA bundle of both.
  std::ofstream(dir_ / "bundle.crt") << scout::testing::ReadPem(certs_.path() / "ca.crt")
                                      << scout::testing::ReadPem(certs_.path() / "ca2.crt");
  CopyFile(dir_ / "bundle.crt", dir_ / "ca.crt");
  CopyFile(certs_.path() / "server-ca2.key", dir_ / "tls.key");
  CopyFile(certs_.path() / "server-ca2.crt", dir_ / "tls.crt");
  const auto rotated = std::chrono::steady_clock::now();
  bool seen = false;
  while (!seen && std::chrono::steady_clock::now() - rotated < std::chrono::seconds(10)) {
    seen = ListAgents(Tls("ca2.crt", "client-reader"), "").ok();
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(seen) << "a client trusting only ca2 never connected";
  EXPECT_LT(std::chrono::steady_clock::now() - rotated, std::chrono::seconds(4))
      << "reload_interval is 1s";
  EXPECT_EQ(ListAgents(Tls("ca.crt", "client-reader"), "").error_code(), StatusCode::UNAVAILABLE)
      << "new handshakes present the new certificate";

  // The open stream keeps working across the rotation.
  ASSERT_TRUE(stream->Write(Batch(2, "node-1")));
  ASSERT_TRUE(stream->Read(&reply));
  EXPECT_TRUE(reply.has_ack()) << reply.DebugString();
  stream->WritesDone();
  while (stream->Read(&reply)) {
  }
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(SecurityTest, HealthPortIsPlaintextAndServesOnlyHealth) {
  CollectorConfig config = TlsConfig(ClientAuth::kRequire);
  config.health_listen = "127.0.0.1:0";
  Start(config);
  ASSERT_GT(server_->health_port(), 0);
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->health_port()),
                                     grpc::InsecureChannelCredentials());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckResponse resp;
  ASSERT_TRUE(grpc::health::v1::Health::NewStub(channel)->Check(&ctx, {}, &resp).ok());
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  grpc::ClientContext query;
  query.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::ListAgentsResponse agents;
  EXPECT_EQ(v1::Query::NewStub(channel)->ListAgents(&query, {}, &agents).error_code(),
            StatusCode::UNIMPLEMENTED);
}

TEST_F(SecurityTest, RefusesToStartWithMissingTlsFiles) {
  CollectorConfig config = TlsConfig();
  fs::remove(dir_ / "tls.key");
  auto s = CollectorServer::Start(config, clock_);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("key_file"), std::string::npos) << s.status();
}

}  // namespace
}  // namespace scout::collector
