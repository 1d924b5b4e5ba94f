// Issue 17 (R4): the agent's --metrics-listen protection. The token's
// sources (file, environment), the `metrics:` config section, and a real
// listener under the real `curl` binary: 401 without / with a wrong token,
// 200 with it (promtool check metrics on the answer), over HTTP and HTTPS,
// probes open, the per-IP rate limit, and the token in no log line.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <string>

#include "agent/agent_config.h"
#include "agent/agent_counters.h"
#include "agent/self/metrics_listener.h"
#include "tests/common/test_certs.h"
#include "tests/common/test_dir.h"
#include "tests/http/http_client.h"

namespace scout::agent {
namespace {

constexpr char kToken[] = "agent-metrics-secret-42";

TEST(MetricsTokenTest, FileThenEnvironmentThenNone) {
  scout::testing::TestDir dir("agent-metrics-token");
  std::ofstream(dir / "token") << "  " << kToken << "\n";
  auto t = ResolveMetricsToken(dir / "token", "from-env");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, kToken);  // the file wins, trimmed
  t = ResolveMetricsToken("", " from-env\n");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, "from-env");
  t = ResolveMetricsToken("", nullptr);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, "");
  std::ofstream(dir / "empty") << "\n";
  t = ResolveMetricsToken(dir / "empty", nullptr);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find(dir / "empty"), std::string::npos) << t.status();
  std::ofstream(dir / "big") << std::string(5000, 'x');
  t = ResolveMetricsToken(dir / "big", nullptr);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message().find("xxxx"), std::string::npos) << t.status();  // no content
  EXPECT_FALSE(ResolveMetricsToken(dir / "missing", nullptr).ok());
}

TEST(MetricsConfigTest, SectionPathsAndErrors) {
  auto config = ParseAgentConfig(
      "metrics:\n  listen: 127.0.0.1:9471\n  tls_cert_file: m.crt\n  tls_key_file: /abs/m.key\n"
      "  token_file: m.token\n",
      "/etc/scout/agent.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->metrics.listen, "127.0.0.1:9471");
  EXPECT_EQ(config->metrics.tls_cert_file, "/etc/scout/m.crt");
  EXPECT_EQ(config->metrics.tls_key_file, "/abs/m.key");
  EXPECT_EQ(config->metrics.token_file, "/etc/scout/m.token");
  config = ParseAgentConfig("metrics:\n  listen: 127.0.0.1:9471\n  tls_cert_file: m.crt\n",
                            "agent.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("agent.yaml"), std::string::npos) << config.status();
  EXPECT_NE(config.status().message().find("metrics.tls_"), std::string::npos) << config.status();
  config = ParseAgentConfig("metrics:\n  token: abc\n", "agent.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("agent.yaml:2"), std::string::npos) << config.status();
  EXPECT_NE(config.status().message().find("metrics.token"), std::string::npos) << config.status();
}

TEST(MetricsListenerSummaryTest, SaysWhatIsOnAndNotTheToken) {
  const std::string line =
      MetricsListenerSummary({"0.0.0.0:0", "a.crt", "a.key", kToken}, 9471);
  EXPECT_EQ(line,
            "metrics: listening on 0.0.0.0:9471 (TLS on, bearer token on, rate limit 10/s per IP): "
            "/metrics, /-/healthy");
  EXPECT_EQ(MetricsListenerSummary({"127.0.0.1:9471", "", "", ""}, 9471),
            "metrics: listening on 127.0.0.1:9471 (TLS off, bearer token off, rate limit 10/s "
            "per IP): /metrics, /-/healthy");
}

class AgentMetricsAuthTest : public ::testing::Test {
 protected:
  // The real curl binary: its status code; the body in dir_/body. The
  // token goes through a header file, not argv.
  int Curl(const std::string& url, const std::string& auth_header, const std::string& extra = "") {
    std::ofstream(dir_ / "auth.hdr") << (auth_header.empty() ? "X-None: 1" : auth_header) << "\n";
    const std::string cmd = "curl -sS -o '" + (dir_ / "body") + "' -D '" + (dir_ / "headers") +
                            "' -w '%{http_code}' " + extra + " -H @'" + (dir_ / "auth.hdr") +
                            "' '" + url + "' > '" + (dir_ / "code") + "' 2>&1";
    const int rc = std::system(cmd.c_str());
    EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << cmd;
    return std::stoi(scout::testing::ReadPem(dir_ / "code"));
  }

  std::string Body() { return scout::testing::ReadPem(dir_ / "body"); }

  void ExpectPromtoolAccepts(const std::string& text) {
    std::ofstream(dir_ / "metrics.txt") << text;
    const int rc = std::system(("promtool check metrics < '" + (dir_ / "metrics.txt") + "' > '" +
                                (dir_ / "promtool.out") + "' 2>&1")
                                   .c_str());
    EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0)
        << scout::testing::ReadPem(dir_ / "promtool.out");
  }

  scout::testing::TestDir dir_{"agent-metrics-auth"};
  AgentCounters counters_;
};

TEST_F(AgentMetricsAuthTest, BearerTokenOverHttpAndHttps) {
  counters_.batches_acked = 7;
  auto s = StartMetricsListener({"127.0.0.1:0", "", "", kToken}, counters_, nullptr);
  ASSERT_TRUE(s.ok()) << s.status();
  const std::string base = "http://127.0.0.1:" + std::to_string((*s)->port());
  EXPECT_EQ(Curl(base + "/metrics", ""), 401);
  EXPECT_NE(scout::testing::ReadPem(dir_ / "headers").find("WWW-Authenticate: Bearer"),
            std::string::npos);
  EXPECT_EQ(Curl(base + "/metrics", "Authorization: Bearer wrong-token-000000"), 401);
  EXPECT_EQ(Curl(base + "/metrics", "Authorization: Basic YTpi"), 401);
  EXPECT_EQ(Body().find(kToken), std::string::npos);
  EXPECT_EQ(Curl(base + "/-/healthy", ""), 200);
  ASSERT_EQ(Curl(base + "/metrics", std::string("Authorization: Bearer ") + kToken), 200);
  const std::string text = Body();
  EXPECT_NE(text.find("scout_agent_batches_acked_total 7\n"), std::string::npos) << text;
  EXPECT_NE(text.find("scout_http_requests_total{code=\"401\",handler=\"/metrics\"} 3\n"),
            std::string::npos)
      << text;
  ExpectPromtoolAccepts(text);

  scout::testing::MakeTestCerts(dir_.path());
  auto tls = StartMetricsListener({"127.0.0.1:0", dir_ / "server.crt", dir_ / "server.key", kToken},
                                  counters_, nullptr);
  ASSERT_TRUE(tls.ok()) << tls.status();
  const std::string https = "https://127.0.0.1:" + std::to_string((*tls)->port()) + "/metrics";
  const std::string ca = "--cacert '" + (dir_ / "ca.crt") + "'";
  EXPECT_EQ(Curl(https, "", ca), 401);
  ASSERT_EQ(Curl(https, std::string("Authorization: Bearer ") + kToken, ca), 200);
  ExpectPromtoolAccepts(Body());
  // No token configured: open, as before.
  auto open = StartMetricsListener({"127.0.0.1:0", "", "", ""}, counters_, nullptr);
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(Curl("http://127.0.0.1:" + std::to_string((*open)->port()) + "/metrics", ""), 200);
}

TEST_F(AgentMetricsAuthTest, PerIpRateLimit) {
  auto s = StartMetricsListener({"127.0.0.1:0", "", "", ""}, counters_, nullptr);
  ASSERT_TRUE(s.ok()) << s.status();
  const std::string url = "http://127.0.0.1:" + std::to_string((*s)->port()) + "/metrics";
  // Burst 20 + 10/s: back-to-back requests run out, even on a slow
  // machine (up to 500 requests; loopback takes well under 20 ms each).
  int limited = 0, sent = 0;
  while (limited == 0 && sent < 500) {
    ++sent;
    if (scout::testing::Get(url).code == 429) ++limited;
  }
  EXPECT_EQ(limited, 1);
  EXPECT_GE(sent, 21);  // never before the burst is spent
  EXPECT_EQ((*s)->counters().rate_limited.load(), static_cast<uint64_t>(limited));
  EXPECT_EQ(scout::testing::Get("http://127.0.0.1:" + std::to_string((*s)->port()) + "/-/healthy").code,
            200);
}

}  // namespace
}  // namespace scout::agent
