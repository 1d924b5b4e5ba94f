// Issue 17 (R4): the collector's HTTP port hardening. `http.rate_limit`
// config (values, errors naming file:line:key), the start-up summary line
// (pure), and the per-caller rate limit on a real collector over HTTPS with
// the real `curl` binary: 429 + Retry-After, one bucket per principal,
// unknown tokens sharing their IP's bucket, probes exempt, and the counter
// on /metrics (promtool check metrics).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "collector/auth/tokens_file.h"
#include "collector/collector_config.h"
#include "collector/collector_server.h"
#include "collector/http/listener_summary.h"
#include "shared/clock.h"
#include "tests/common/loopback_collector_config.h"
#include "tests/common/test_certs.h"
#include "tests/common/test_dir.h"

namespace scout::collector {
namespace {

TEST(HttpRateLimitConfigTest, DefaultsValuesAndErrors) {
  auto config = ParseCollectorConfig("listen: 127.0.0.1:7070\n", "scout.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->http.rate_limit.requests_per_second, 1000);
  EXPECT_EQ(config->http.rate_limit.burst, 2000u);
  EXPECT_EQ(config->http.rate_limit.max_callers, 10000u);
  config = ParseCollectorConfig(
      "http:\n  rate_limit:\n    requests_per_second: 2.5\n    burst: 7\n    max_callers: 50\n",
      "scout.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->http.rate_limit.requests_per_second, 2.5);
  EXPECT_EQ(config->http.rate_limit.burst, 7u);
  EXPECT_EQ(config->http.rate_limit.max_callers, 50u);
  config = ParseCollectorConfig("http:\n  rate_limit: {requests_per_second: 0}\n", "scout.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->http.rate_limit.requests_per_second, 0);  // off
  struct Bad {
    std::string yaml, where, key;
  };
  for (const Bad& bad : std::vector<Bad>{
           {"http:\n  rate_limit:\n    requests_per_second: -1\n", "scout.yaml:3",
            "http.rate_limit.requests_per_second"},
           {"http:\n  rate_limit:\n    burst: 0\n", "scout.yaml:3", "http.rate_limit.burst"},
           {"http:\n  rate_limit:\n    max_callers: 0\n", "scout.yaml:3", "http.rate_limit.max_callers"},
           {"http:\n  rate_limit:\n    burst: 5\n    rps: 3\n", "scout.yaml:4", "http.rate_limit.rps"},
       }) {
    config = ParseCollectorConfig(bad.yaml, "scout.yaml");
    ASSERT_FALSE(config.ok()) << bad.yaml;
    EXPECT_NE(config.status().message().find(bad.where), std::string::npos) << config.status();
    EXPECT_NE(config.status().message().find(bad.key), std::string::npos) << config.status();
  }
}

TEST(ListenerSummaryTest, NamesAddressSecurityLimitAndRouteFamilies) {
  ListenerFacts f;
  f.address = "127.0.0.1:9470";
  f.tls = true;
  f.client_certs = "optional";
  f.auth = true;
  f.rate_per_second = 100;
  f.burst = 200;
  f.patterns = {"/-/healthy", "/-/ready", "/api/v1/label/", "/api/v1/query", "/api/v1/write",
                "/metrics"};
  EXPECT_EQ(ListenerSummary(f),
            "http: listening on 127.0.0.1:9470 (TLS on, client certificates optional, auth on, "
            "rate limit 100/s burst 200 per caller): /-/* (2 routes), /api/v1/* (2 routes), "
            "/api/v1/write, /metrics");
  f.tls = false;
  f.client_certs = "off";
  f.auth = false;
  f.rate_per_second = 0;
  f.patterns = {"/metrics"};
  EXPECT_EQ(ListenerSummary(f),
            "http: listening on 127.0.0.1:9470 (TLS off, client certificates off, auth off, "
            "rate limit off): /metrics");
}

constexpr char kReaderToken[] = "reader-token-limits";
constexpr char kAdminToken[] = "admin-token-limits";

class CollectorRateLimitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scout::testing::MakeTestCerts(certs_.path());
    std::ofstream(dir_ / "tokens.yaml")
        << "tokens:\n"
        << "  - principal: dashboards\n    role: reader\n    sha256: "
        << auth::Sha256Hex(kReaderToken) << "\n"
        << "  - principal: root\n    role: admin\n    sha256: " << auth::Sha256Hex(kAdminToken)
        << "\n";
    CollectorConfig config = scout::testing::LoopbackCollectorConfig(dir_);
    config.auth.emplace();
    config.auth->tokens_file = dir_ / "tokens.yaml";
    config.tls.emplace();
    config.tls->cert_file = certs_ / "server.crt";
    config.tls->key_file = certs_ / "server.key";
    // One token per 100 s: a refused request stays refused for the test.
    config.http.rate_limit = {0.01, 3, 100};
    auto s = CollectorServer::Start(config, clock_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
  }

  struct CurlResult {
    int code = 0;
    std::string headers, body;
  };

  // The real curl binary; the token goes in a header file, not argv.
  CurlResult Curl(const std::string& path, const std::string& token) {
    std::ofstream(dir_ / "auth.hdr") << (token.empty() ? "X-None: 1" : "Authorization: Bearer " + token)
                                     << "\n";
    const std::string cmd = "curl -sS -o '" + (dir_ / "body") + "' -D '" + (dir_ / "headers") +
                            "' -w '%{http_code}' --cacert '" + (certs_ / "ca.crt") + "' -H @'" +
                            (dir_ / "auth.hdr") + "' 'https://127.0.0.1:" +
                            std::to_string(server_->http_port()) + path + "' > '" +
                            (dir_ / "code") + "' 2>&1";
    const int rc = std::system(cmd.c_str());
    EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << cmd;
    CurlResult r;
    r.code = std::stoi(scout::testing::ReadPem(dir_ / "code"));
    r.headers = scout::testing::ReadPem(dir_ / "headers");
    r.body = scout::testing::ReadPem(dir_ / "body");
    return r;
  }

  scout::testing::TestDir dir_{"collector-rate-limit"};
  scout::testing::TestDir certs_{"collector-rate-limit-certs"};
  SystemClock clock_;
  std::unique_ptr<CollectorServer> server_;
};

TEST_F(CollectorRateLimitTest, PerPrincipalBucketsAndIpForTheUnauthenticated) {
  // dashboards: its burst of 3, then 429 with Retry-After.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Curl("/api/v1/labels", kReaderToken).code, 200) << i;
  CurlResult r = Curl("/api/v1/labels", kReaderToken);
  EXPECT_EQ(r.code, 429) << r.body;
  EXPECT_NE(r.headers.find("Retry-After: "), std::string::npos) << r.headers;
  // root is another principal: its own bucket.
  EXPECT_EQ(Curl("/api/v1/labels", kAdminToken).code, 200);
  // Unknown tokens do not authenticate: they share the IP's bucket (3).
  EXPECT_EQ(Curl("/api/v1/labels", "made-up-1").code, 401);
  EXPECT_EQ(Curl("/api/v1/labels", "made-up-2").code, 401);
  EXPECT_EQ(Curl("/api/v1/labels", "").code, 401);
  EXPECT_EQ(Curl("/api/v1/labels", "made-up-3").code, 429);
  // Probes are exempt.
  EXPECT_EQ(Curl("/-/healthy", "").code, 200);
  EXPECT_EQ(Curl("/-/ready", "").code, 200);
  // The count on /metrics (root has 2 tokens left), in a valid exposition.
  r = Curl("/metrics", kAdminToken);
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_NE(r.body.find("scout_http_requests_rate_limited_total 2\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("scout_http_rate_limit_callers 3\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("scout_http_requests_total{code=\"429\",handler=\"/api/v1/labels\"} 2\n"),
            std::string::npos);
  EXPECT_EQ(r.body.find(kAdminToken), std::string::npos);
  std::ofstream(dir_ / "metrics.txt") << r.body;
  const int rc = std::system(("promtool check metrics < '" + (dir_ / "metrics.txt") + "' > '" +
                              (dir_ / "promtool.out") + "' 2>&1")
                                 .c_str());
  EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << scout::testing::ReadPem(dir_ / "promtool.out");
}

}  // namespace
}  // namespace scout::collector
