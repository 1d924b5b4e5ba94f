// Issue 17: the collector's HTTP port. The `http:` config and its security
// refusal, authorization over HTTP (the role matrix with tokens and client
// certificates), /metrics (promtool check metrics), /-/healthy, /-/ready,
// the agent's --metrics-listen, and a real Prometheus 2.42 scraping both
// (up == 1), over TLS with a bearer token for the collector.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "agent/agent_counters.h"
#include "agent/self/metrics_listener.h"
#include "collector/auth/authorizer.h"
#include "collector/auth/tokens_file.h"
#include "collector/collector_config.h"
#include "collector/collector_server.h"
#include "collector/http/http_auth.h"
#include "collector/http/metrics_routes.h"
#include "shared/clock.h"
#include "shared/http/server.h"
#include "shared/prom_text.h"
#include "tests/common/free_port.h"
#include "tests/common/loopback_collector_config.h"
#include "tests/common/test_certs.h"
#include "tests/common/test_dir.h"
#include "tests/http/http_client.h"

namespace scout::collector {
namespace {

namespace fs = std::filesystem;
using scout::testing::Fetch;
using scout::testing::HttpCall;

constexpr char kAgentToken[] = "agent-token-abc";
constexpr char kReaderToken[] = "reader-token-def";
constexpr char kOperatorToken[] = "operator-token-ghi";
constexpr char kAdminToken[] = "admin-token-jkl";

std::string Entry(const std::string& principal, const std::string& role, const std::string& token) {
  return "  - principal: " + principal + "\n    role: " + role + "\n    sha256: " +
         auth::Sha256Hex(token) + "\n" + (role == "agent" ? "    agent_ids: [\"node-*\"]\n" : "");
}

void WriteTokens(const std::string& path) {
  std::ofstream(path) << "tokens:\n"
                      << Entry("node-agents", "agent", kAgentToken)
                      << Entry("dashboards", "reader", kReaderToken)
                      << Entry("oncall", "operator", kOperatorToken)
                      << Entry("root", "admin", kAdminToken);
}

// promtool check metrics on `text`: its exit code, and what it said.
std::pair<int, std::string> Promtool(const scout::testing::TestDir& dir, const std::string& text) {
  std::ofstream(dir / "metrics.txt") << text;
  const std::string cmd = "promtool check metrics < '" + (dir / "metrics.txt") + "' > '" +
                          (dir / "promtool.out") + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, scout::testing::ReadPem(dir / "promtool.out")};
}

int FreePort() { return scout::testing::FreeLoopbackPort(); }

TEST(HttpConfigTest, DefaultsValuesAndErrors) {
  auto config = ParseCollectorConfig("listen: 127.0.0.1:7070\n", "scout.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->http.listen, "127.0.0.1:9470");
  config = ParseCollectorConfig(
      "http:\n  listen: \"\"\n  threads: 4\n  max_connections: 100\n  max_connections_per_ip: 0\n"
      "  connection_timeout: 5s\n  max_header_bytes: 8192\n",
      "scout.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->http.listen, "");
  EXPECT_EQ(config->http.threads, 4u);
  EXPECT_EQ(config->http.max_connections, 100u);
  EXPECT_EQ(config->http.max_connections_per_ip, 0u);
  EXPECT_EQ(config->http.connection_timeout, std::chrono::seconds(5));
  EXPECT_EQ(config->http.max_header_bytes, 8192u);
  config = ParseCollectorConfig("http:\n  listen: 127.0.0.1:1\n  bogus: 1\n", "scout.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("scout.yaml:3"), std::string::npos) << config.status();
  EXPECT_NE(config.status().message().find("http.bogus"), std::string::npos) << config.status();
  config = ParseCollectorConfig("http:\n  threads: 0\n", "scout.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("http.threads"), std::string::npos) << config.status();
}

TEST(HttpConfigTest, NonLocalPlaintextHttpIsRefused) {
  auto config = ParseCollectorConfig("http:\n  listen: 0.0.0.0:9470\n", "scout.yaml");
  ASSERT_TRUE(config.ok());
  absl::Status st = CheckSecurity(*config);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("scout.yaml:2"), std::string::npos) << st;
  EXPECT_NE(st.message().find("plaintext HTTP"), std::string::npos) << st;
  config->insecure = true;
  EXPECT_TRUE(CheckSecurity(*config).ok());
  config->insecure = false;
  config->http.listen = "127.0.0.1:9470";
  EXPECT_TRUE(CheckSecurity(*config).ok());
}

TEST(HttpAuthTest, ErrorResponses) {
  http::Response r = AuthErrorResponse(absl::UnauthenticatedError("unknown token"));
  EXPECT_EQ(r.status, 401);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "WWW-Authenticate");
  EXPECT_EQ(r.headers[0].second, "Bearer realm=\"scout\"");
  EXPECT_EQ(nlohmann::json::parse(r.body),
            nlohmann::json({{"status", "error"}, {"errorType", "unauthorized"}, {"error", "unknown token"}}));
  r = AuthErrorResponse(absl::PermissionDeniedError("no"));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(nlohmann::json::parse(r.body)["errorType"], "forbidden");
}

// One route per permission, behind AuthorizeHttp, over real HTTP(S).
class RoleMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scout::testing::MakeTestCerts(dir_.path());
    WriteTokens(dir_ / "tokens.yaml");
    auth::AuthConfig config;
    config.tokens_file = dir_ / "tokens.yaml";
    auth::CertificateRule nodes;
    nodes.cn = "node-*";
    nodes.principal = {"{cn}", auth::Role::kAgent, {"{cn}"}};
    auth::CertificateRule reader;
    reader.cn = "reader";
    reader.principal = {"reader-cert", auth::Role::kReader, {}};
    config.certificates = {nodes, reader};
    auto a = auth::Authorizer::Create(config, clock_);
    ASSERT_TRUE(a.ok()) << a.status();
    authorizer_ = *std::move(a);
    http::Router router;
    for (auto [path, permission] : {std::pair{"/write", auth::Permission::kIngest},
                                    std::pair{"/query", auth::Permission::kQuery},
                                    std::pair{"/rules", auth::Permission::kAlertsRead}}) {
      router.Handle("GET", path, [this, permission = permission](http::Request req, http::Reply reply) {
        auto who = AuthorizeHttp(*authorizer_, req, permission);
        if (!who.ok()) return reply(AuthErrorResponse(who.status()));
        reply(http::Response{200, "text/plain", who->name, {}});
      });
    }
    http::ServerOptions options;
    options.listen = "127.0.0.1:0";
    http::TlsFiles tls;
    tls.cert_file = dir_ / "server.crt";
    tls.key_file = dir_ / "server.key";
    tls.client_ca_file = dir_ / "ca.crt";
    options.tls = tls;
    auto s = http::Server::Start(options, std::move(router));
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
  }

  scout::testing::HttpResult Call(const std::string& path, const std::string& header,
                                  const std::string& client = "") {
    HttpCall call;
    call.url = "https://127.0.0.1:" + std::to_string(server_->port()) + path;
    call.ca_file = dir_ / "ca.crt";
    if (!header.empty()) call.headers = {"Authorization: " + header};
    if (!client.empty()) {
      call.cert_file = dir_ / (client + ".crt");
      call.key_file = dir_ / (client + ".key");
    }
    return Fetch(call);
  }

  scout::testing::TestDir dir_{"http-roles"};
  SystemClock clock_;
  std::unique_ptr<auth::Authorizer> authorizer_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(RoleMatrixTest, TokensAndCertificatesAcrossPermissions) {
  struct Case {
    std::string who, header, client;
    int write, query, rules;
  };
  const std::vector<Case> cases = {
      {"agent token", std::string("Bearer ") + kAgentToken, "", 200, 403, 403},
      {"reader token", std::string("Bearer ") + kReaderToken, "", 403, 200, 200},
      {"operator token", std::string("Bearer ") + kOperatorToken, "", 403, 200, 200},
      {"admin token", std::string("Bearer ") + kAdminToken, "", 200, 200, 200},
      {"unknown token", "Bearer nope", "", 401, 401, 401},
      {"malformed header", "Basic abc", "", 401, 401, 401},
      {"nothing", "", "", 401, 401, 401},
      {"node-1 certificate", "", "client-node-1", 200, 403, 403},
      {"reader certificate", "", "client-reader", 403, 200, 200},
      {"unmapped certificate", "", "client-operator", 401, 401, 401},
      {"other CA certificate", "", "client-other-ca", 401, 401, 401},
      // A token decides even with a certificate (as on the gRPC port).
      {"reader token + node cert", std::string("Bearer ") + kReaderToken, "client-node-1", 403, 200, 200},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Call("/write", c.header, c.client).code, c.write) << c.who;
    EXPECT_EQ(Call("/query", c.header, c.client).code, c.query) << c.who;
    EXPECT_EQ(Call("/rules", c.header, c.client).code, c.rules) << c.who;
  }
  auto r = Call("/query", "");
  EXPECT_EQ(nlohmann::json::parse(r.body)["errorType"], "unauthorized");
  bool challenge = false;
  for (const std::string& h : r.headers) challenge = challenge || h.find("WWW-Authenticate: Bearer realm=\"scout\"") == 0;
  EXPECT_TRUE(challenge);
  EXPECT_EQ(Call("/write", "", "client-node-1").body, "node-1");
  uint64_t unauthenticated = 0;
  for (const auto& f : authorizer_->Failures()) {
    if (f.reason == "unauthenticated") unauthenticated += f.count;
  }
  EXPECT_EQ(unauthenticated, 3u * 5u + 1);  // counted like gRPC refusals
}

TEST(MetricsRoutesTest, ReadyFollowsTheCallback) {
  SystemClock clock;
  auto a = auth::Authorizer::Create(std::nullopt, clock);
  ASSERT_TRUE(a.ok());
  std::atomic<bool> ready{false};
  http::Router router;
  RegisterMetricsRoutes(router, MetricsDeps{[] { return std::vector<SeriesPoints>{}; }, **a,
                                            [&] { return ready.load(); }, nullptr});
  http::ServerOptions options;
  options.listen = "127.0.0.1:0";
  auto s = http::Server::Start(options, std::move(router));
  ASSERT_TRUE(s.ok());
  const std::string base = "http://127.0.0.1:" + std::to_string((*s)->port());
  EXPECT_EQ(scout::testing::Get(base + "/-/ready").code, 503);
  ready = true;
  EXPECT_EQ(scout::testing::Get(base + "/-/ready").code, 200);
  EXPECT_EQ(scout::testing::Get(base + "/-/healthy").code, 200);
  EXPECT_EQ(scout::testing::Get(base + "/metrics").code, 200);  // auth off: anonymous admin
}

class CollectorHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scout::testing::MakeTestCerts(certs_.path());
    WriteTokens(dir_ / "tokens.yaml");
    CollectorConfig config = scout::testing::LoopbackCollectorConfig(dir_);
    config.self_interval = std::chrono::seconds(1);
    config.auth.emplace();
    config.auth->tokens_file = dir_ / "tokens.yaml";
    config.tls.emplace();
    config.tls->cert_file = certs_ / "server.crt";
    config.tls->key_file = certs_ / "server.key";
    config.tls->client_ca_file = certs_ / "ca.crt";
    config.tls->client_auth = ClientAuth::kRequest;
    auto s = CollectorServer::Start(config, clock_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
    ASSERT_GT(server_->http_port(), 0);
  }

  scout::testing::HttpResult Get(const std::string& path, const std::string& token = "") {
    HttpCall call;
    call.url = "https://127.0.0.1:" + std::to_string(server_->http_port()) + path;
    call.ca_file = certs_ / "ca.crt";
    if (!token.empty()) call.headers = {"Authorization: Bearer " + token};
    return Fetch(call);
  }

  scout::testing::TestDir dir_{"collector-http"};
  scout::testing::TestDir certs_{"collector-http-certs"};
  SystemClock clock_;
  std::unique_ptr<CollectorServer> server_;
};

TEST_F(CollectorHttpTest, MetricsPassPromtoolAndNeedQueryPermission) {
  ASSERT_EQ(Get("/metrics", kReaderToken).code, 200);  // counted once answered: seen next time
  auto r = Get("/metrics", kReaderToken);
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(r.content_type, kPromTextContentType);
  EXPECT_NE(r.body.find("# TYPE scout_collector_batches_received_total counter"), std::string::npos)
      << r.body.substr(0, 2000);
  EXPECT_NE(r.body.find("host=\"scout-collector\""), std::string::npos);
  EXPECT_NE(r.body.find("scout_http_requests_total{code=\"200\",handler=\"/metrics\"}"),
            std::string::npos);
  auto [rc, said] = Promtool(dir_, r.body);
  EXPECT_EQ(rc, 0) << said;
  std::printf("collector /metrics: %zu bytes, promtool: %s\n", r.body.size(),
              said.empty() ? "(nothing to say)" : said.c_str());

  EXPECT_EQ(Get("/metrics").code, 401);
  EXPECT_EQ(Get("/metrics", kAgentToken).code, 403);
  EXPECT_EQ(Get("/metrics", kAdminToken).code, 200);
  EXPECT_EQ(Get("/-/healthy").code, 200);
  EXPECT_EQ(Get("/-/ready").code, 200);
  EXPECT_EQ(Get("/api/v1/nothing-here", kReaderToken).code, 404);
}

TEST(AgentMetricsTest, ServesCountersAndRefusesNonLocalPlaintext) {
  agent::AgentCounters counters;
  counters.batches_acked = 42;
  counters.connected = true;
  auto s = agent::StartMetricsListener({"127.0.0.1:0", "", ""}, counters, nullptr);
  ASSERT_TRUE(s.ok()) << s.status();
  auto r = scout::testing::Get("http://127.0.0.1:" + std::to_string((*s)->port()) + "/metrics");
  ASSERT_EQ(r.code, 200);
  EXPECT_NE(r.body.find("scout_agent_batches_acked_total 42\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("scout_agent_connected 1\n"), std::string::npos) << r.body;
  scout::testing::TestDir dir("agent-metrics");
  auto [rc, said] = Promtool(dir, r.body);
  EXPECT_EQ(rc, 0) << said;
  // With a certificate: HTTPS.
  scout::testing::MakeTestCerts(dir.path());
  auto tls = agent::StartMetricsListener({"127.0.0.1:0", dir / "server.crt", dir / "server.key"},
                                         counters, nullptr);
  ASSERT_TRUE(tls.ok()) << tls.status();
  HttpCall call;
  call.url = "https://127.0.0.1:" + std::to_string((*tls)->port()) + "/metrics";
  call.ca_file = dir / "ca.crt";
  r = Fetch(call);
  EXPECT_EQ(r.code, 200) << curl_easy_strerror(r.rc);
  EXPECT_NE(r.body.find("scout_agent_batches_acked_total 42\n"), std::string::npos);
  EXPECT_FALSE(agent::CheckMetricsListen({"0.0.0.0:9471", "", ""}).ok());
  EXPECT_FALSE(agent::CheckMetricsListen({"127.0.0.1:9471", "a.crt", ""}).ok());
  EXPECT_TRUE(agent::CheckMetricsListen({"0.0.0.0:9471", "a.crt", "a.key"}).ok());
}

// A real Prometheus 2.42 scrapes the collector (HTTPS, bearer token) and an
// agent listener (loopback HTTP): up == 1 for both, read from its API.
TEST_F(CollectorHttpTest, RealPrometheusScrapesBoth) {
  if (!fs::exists("/usr/bin/prometheus")) GTEST_SKIP() << "no /usr/bin/prometheus";
  agent::AgentCounters counters;
  auto agent_metrics = agent::StartMetricsListener({"127.0.0.1:0", "", ""}, counters, nullptr);
  ASSERT_TRUE(agent_metrics.ok());
  std::ofstream(dir_ / "token") << kReaderToken;
  std::ofstream(dir_ / "prometheus.yml")
      << "global: {scrape_interval: 1s, scrape_timeout: 1s}\n"
      << "scrape_configs:\n"
      << "  - job_name: scout-collector\n    scheme: https\n"
      << "    tls_config: {ca_file: " << (certs_ / "ca.crt") << ", server_name: localhost}\n"
      << "    authorization: {credentials_file: " << (dir_ / "token") << "}\n"
      << "    static_configs: [{targets: ['127.0.0.1:" << server_->http_port() << "']}]\n"
      << "  - job_name: scout-agent\n"
      << "    static_configs: [{targets: ['127.0.0.1:" << (*agent_metrics)->port() << "']}]\n";
  const int port = FreePort();
  const std::string listen = "127.0.0.1:" + std::to_string(port);
  const std::string config_arg = "--config.file=" + (dir_ / "prometheus.yml");
  const std::string listen_arg = "--web.listen-address=" + listen;
  const std::string tsdb_arg = "--storage.tsdb.path=" + (dir_ / "tsdb");
  const std::string log = dir_ / "prometheus.log";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (freopen(log.c_str(), "w", stderr) == nullptr) _exit(126);
    execl("/usr/bin/prometheus", "prometheus", config_arg.c_str(), listen_arg.c_str(),
          tsdb_arg.c_str(), "--log.level=warn", static_cast<char*>(nullptr));
    _exit(127);
  }
  int up = 0;
  std::string last;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (up < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto r = scout::testing::Get("http://" + listen + "/api/v1/query?query=up");
    if (r.code != 200) continue;
    last = r.body;
    auto json = nlohmann::json::parse(r.body, nullptr, false);
    if (json.is_discarded()) continue;
    up = 0;
    for (const auto& series : json["data"]["result"]) {
      if (series["value"][1] == "1") ++up;
    }
  }
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_EQ(up, 2) << last << "\n" << scout::testing::ReadPem(log);
  // Prometheus's scrapes were answered and counted.
  auto r = Get("/metrics", kReaderToken);
  EXPECT_NE(r.body.find("scout_http_requests_total{code=\"200\",handler=\"/metrics\"}"),
            std::string::npos);
}

}  // namespace
}  // namespace scout::collector
