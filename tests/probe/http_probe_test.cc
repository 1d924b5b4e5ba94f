// RunHttpProbeOnce against real local servers: scout-test-http-server for
// HTTP behaviour, `openssl s_server` with certificates made at test time
// for TLS (valid, expired, wrong host, short-lived CA in the chain).
#include <filesystem>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>

#include "shared/probe/probe_engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/probe/test_servers.h"

namespace scout::probe {
namespace {

using std::chrono::milliseconds;

int64_t NowUnix() { return static_cast<int64_t>(std::time(nullptr)); }

class HttpProbeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::MakeTempDir());
    const std::string& d = *dir_;
    http_ = testing::StartHttpServer(d, &http_port_).release();
    const std::string quiet = " >>" + d + "/openssl.log 2>&1";
    // Valid: self-signed for 7 days, for 127.0.0.1 only (not "localhost").
    ASSERT_TRUE(testing::Run("cd " + d +
                             " && openssl req -x509 -newkey rsa:2048 -nodes -keyout valid.key"
                             " -out valid.pem -days 7 -subj /CN=127.0.0.1"
                             " -addext subjectAltName=IP:127.0.0.1" + quiet));
    // Expired: a 30-day CA signs a leaf valid only in January 2020;
    // `openssl ca` is the OpenSSL 3.0 tool that takes explicit dates.
    ASSERT_TRUE(testing::Run(
        "cd " + d +
        " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30"
        " -subj /CN=ScoutTestCA" + quiet +
        " && openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr"
        " -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1" + quiet +
        " && mkdir -p cadb && touch cadb/index.txt && echo 01 > cadb/serial"
        " && printf '[ca]\\ndefault_ca=c\\n[c]\\ndatabase=cadb/index.txt\\nnew_certs_dir=cadb\\n"
        "serial=cadb/serial\\ndefault_md=sha256\\npolicy=p\\nunique_subject=no\\n"
        "copy_extensions=copy\\n[p]\\ncommonName=supplied\\n' > ca.cnf"
        " && openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in leaf.csr"
        " -out expired.pem -startdate 20200101000000Z -enddate 20200201000000Z" + quiet));
    // Chain whose CA (3 days) expires before its leaf (30 days).
    ASSERT_TRUE(testing::Run(
        "cd " + d +
        " && openssl req -x509 -newkey rsa:2048 -nodes -keyout short.key -out short.pem -days 3"
        " -subj /CN=ShortCA" + quiet +
        " && printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext"
        " && openssl x509 -req -in leaf.csr -CA short.pem -CAkey short.key -CAcreateserial"
        " -days 30 -extfile san.ext -out chained.pem" + quiet));
    valid_ = testing::StartTlsServer(d, d + "/valid.pem", d + "/valid.key", &valid_port_).release();
    expired_ =
        testing::StartTlsServer(d, d + "/expired.pem", d + "/leaf.key", &expired_port_).release();
    chained_ = testing::StartTlsServer(d, d + "/chained.pem", d + "/leaf.key", &chained_port_,
                                       d + "/short.pem")
                   .release();
  }

  static void TearDownTestSuite() {
    for (testing::Child* c : {http_, valid_, expired_, chained_}) delete c;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  static HttpProbeSpec Spec(const std::string& path) {
    HttpProbeSpec s;
    s.name = path;
    s.url = "http://127.0.0.1:" + std::to_string(http_port_) + path;
    s.timeout = milliseconds(5000);
    return s;
  }

  static HttpProbeSpec Tls(int port, const std::string& host = "127.0.0.1") {
    HttpProbeSpec s;
    s.name = "tls";
    s.url = "https://" + host + ":" + std::to_string(port) + "/";
    s.timeout = milliseconds(5000);
    return s;
  }

  static ProbeResult Run(const HttpProbeSpec& spec) {
    absl::StatusOr<ProbeResult> r = RunHttpProbeOnce(spec);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : ProbeResult{};
  }

  static inline std::string* dir_ = nullptr;
  static inline testing::Child* http_ = nullptr;
  static inline testing::Child* valid_ = nullptr;
  static inline testing::Child* expired_ = nullptr;
  static inline testing::Child* chained_ = nullptr;
  static inline int http_port_ = 0, valid_port_ = 0, expired_port_ = 0, chained_port_ = 0;
};

TEST_F(HttpProbeTest, SuccessWithPhasesSummingToTotal) {
  const ProbeResult r = Run(Spec("/ok"));
  EXPECT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.reason, FailureReason::kNone);
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.response_bytes, 3);
  EXPECT_FALSE(r.slow);
  EXPECT_GT(r.duration_seconds, 0);
  EXPECT_NEAR(r.phases.Sum(), r.duration_seconds, 0.001 + r.duration_seconds * 0.05);
  EXPECT_EQ(r.phases.tls, 0);
  EXPECT_FALSE(r.cert_expiry_unix.has_value());
}

TEST_F(HttpProbeTest, SlowResponseIsSuccessButSlow) {
  HttpProbeSpec s = Spec("/slow?ms=300");
  s.slow_after = milliseconds(100);
  const ProbeResult r = Run(s);
  EXPECT_TRUE(r.success) << r.error;
  EXPECT_TRUE(r.slow);
  EXPECT_GE(r.phases.ttfb, 0.25);
  EXPECT_GE(r.duration_seconds, 0.3);
  s.slow_after = milliseconds(5000);  // the API threshold
  EXPECT_FALSE(Run(s).slow);
}

TEST_F(HttpProbeTest, ServerErrorFailsWithStatusUnlessExpected) {
  HttpProbeSpec s = Spec("/status?code=500");
  ProbeResult r = Run(s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reason, FailureReason::kStatus);
  EXPECT_EQ(r.http_status, 500);
  s.expect_status = {{200, 299}, {500, 500}};
  r = Run(s);
  EXPECT_TRUE(r.success) << r.error;
}

TEST_F(HttpProbeTest, ConnectionRefused) {
  HttpProbeSpec s = Spec("/ok");
  s.url = "http://127.0.0.1:" + std::to_string(testing::UnusedPort()) + "/ok";
  const ProbeResult r = Run(s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reason, FailureReason::kRefused) << r.error;
  EXPECT_EQ(r.http_status, 0);
}

TEST_F(HttpProbeTest, TimeoutStopsAtTheDeadline) {
  HttpProbeSpec s = Spec("/slow?ms=3000");
  s.timeout = milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  const ProbeResult r = Run(s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reason, FailureReason::kTimeout) << r.error;
  EXPECT_NEAR(r.duration_seconds, 0.2, 0.15);
}

TEST_F(HttpProbeTest, UnresolvableHostIsDns) {
  HttpProbeSpec s = Spec("/ok");
  s.url = "http://scout-probe-test.invalid/";
  const ProbeResult r = Run(s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reason, FailureReason::kDns) << r.error;
}

TEST_F(HttpProbeTest, RedirectFollowedOrNot) {
  HttpProbeSpec s = Spec("/redirect");
  ProbeResult r = Run(s);
  EXPECT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.response_bytes, 3);  // "ok\n" from /ok
  s.follow_redirects = false;
  r = Run(s);
  EXPECT_TRUE(r.success) << r.error;  // 302 is within the default 200-399
  EXPECT_EQ(r.http_status, 302);
  s.expect_status = {{200, 299}};
  r = Run(s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reason, FailureReason::kStatus);
}

// Configured headers, secrets among them, as a probe sends them.
const std::vector<std::pair<std::string, std::string>> kSecretHeaders = {
    {"Authorization", "Bearer s3cret"}, {"X-Api-Key", "k3y-SECRET"}, {"Cookie", "session=c00kie"}};
constexpr char kAnySecret[] = "s3cret|k3y-SECRET|c00kie|X-Api-Key|Authorization|Cookie";

// A 302 to another host over plain http: the other host receives none of
// the configured headers (libcurl alone would still send X-Api-Key).
TEST_F(HttpProbeTest, RedirectToAnotherHostDropsEveryConfiguredHeader) {
  int other_port = 0, third_port = 0;
  auto other = testing::StartHttpServer(*dir_, &other_port, 0, "127.0.0.2");
  auto third = testing::StartHttpServer(*dir_, &third_port);  // 127.0.0.1, another port
  const std::string other_url = "http://127.0.0.2:" + std::to_string(other_port);
  struct Case {
    const char* what;
    std::string path;
  } cases[] = {
      {"another host", "/redirect-to?url=" + other_url + "/headers"},
      {"same host, another port",
       "/redirect-to?url=http://127.0.0.1:" + std::to_string(third_port) + "/headers"},
      {"307 to another host", "/redirect-to?code=307&url=" + other_url + "/headers"},
      {"away and back: still dropped",
       "/redirect-to?url=" + other_url + "/redirect-to?url=http://127.0.0.1:" +
           std::to_string(http_port_) + "/headers"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    HttpProbeSpec s = Spec(c.path);
    s.headers = kSecretHeaders;
    s.body_must_match = "GET /headers HTTP/1.1";
    s.body_must_not_match = kAnySecret;
    const ProbeResult r = Run(s);
    EXPECT_TRUE(r.success) << FailureReasonName(r.reason) << " " << r.error;
    EXPECT_EQ(r.http_status, 200);
    EXPECT_NEAR(r.phases.Sum(), r.duration_seconds, 0.001 + r.duration_seconds * 0.05);
  }
}

TEST_F(HttpProbeTest, SameOriginRedirectKeepsHeaders) {
  HttpProbeSpec s = Spec("/redirect-to?url=/headers");
  s.headers = kSecretHeaders;
  s.body_must_match = "X-Api-Key: k3y-SECRET\r\n(.|\r|\n)*Cookie: session=c00kie|"
                      "Cookie: session=c00kie\r\n(.|\r|\n)*X-Api-Key: k3y-SECRET";
  ProbeResult r = Run(s);
  EXPECT_TRUE(r.success) << r.error;
  s.body_must_match = "Authorization: Bearer s3cret";
  r = Run(s);
  EXPECT_TRUE(r.success) << r.error;
  // Absolute URL to the same origin, 303 after a POST: headers kept, GET.
  s = Spec("/redirect-to?code=303&url=http://127.0.0.1:" + std::to_string(http_port_) + "/headers");
  s.headers = kSecretHeaders;
  s.method = "POST";
  s.body = "x=1";
  s.body_must_match = "^GET /headers HTTP/1.1\r\n(.|\r|\n)*X-Api-Key: k3y-SECRET";
  r = Run(s);
  EXPECT_TRUE(r.success) << r.error;
}

TEST_F(HttpProbeTest, HttpsToHttpRedirectIsRefusedUnlessAllowed) {
  int tls_port = 0;
  auto redirector = testing::StartTlsRedirectServer(
      *dir_, *dir_ + "/valid.pem", *dir_ + "/valid.key",
      "http://127.0.0.1:" + std::to_string(http_port_) + "/headers?token=QUERYSECRET", &tls_port);
  HttpProbeSpec s = Tls(tls_port);
  s.url += "r";
  s.ca_file = *dir_ + "/valid.pem";
  s.headers = kSecretHeaders;
  ProbeResult r = Run(s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reason, FailureReason::kOther);
  EXPECT_EQ(r.http_status, 302);
  EXPECT_THAT(r.error, ::testing::HasSubstr("redirect from https to http refused: "
                                            "http://127.0.0.1:" + std::to_string(http_port_)));
  EXPECT_THAT(r.error, ::testing::HasSubstr("allow_insecure_redirect"));
  EXPECT_THAT(r.error, ::testing::Not(::testing::HasSubstr("QUERYSECRET")));

  s.allow_insecure_redirect = true;
  s.body_must_match = "GET /headers";
  s.body_must_not_match = kAnySecret;  // another scheme and port: another origin
  r = Run(s);
  EXPECT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.http_status, 200);
  EXPECT_GT(r.phases.tls, 0) << "the first hop's TLS time is kept";

  s.follow_redirects = false;  // not followed at all: the 302 is the answer
  s.allow_insecure_redirect = false;
  s.body_must_match.clear();
  r = Run(s);
  EXPECT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.http_status, 302);
}

TEST_F(HttpProbeTest, BodyRegexes) {
  HttpProbeSpec s = Spec("/body");
  s.body_must_match = "status=(green|yellow)";
  EXPECT_TRUE(Run(s).success);
  s.body_must_match = "status=red";
  ProbeResult r = Run(s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reason, FailureReason::kBody);
  s.body_must_match.clear();
  s.body_must_not_match = R"(version=1\.\d)";
  r = Run(s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reason, FailureReason::kBody);
  s.body_must_not_match = "error";
  EXPECT_TRUE(Run(s).success);
}

TEST_F(HttpProbeTest, AuthHeaderFromEnvironmentReachesServer) {
  HttpProbeSpec s = Spec("/auth");
  EXPECT_EQ(Run(s).http_status, 401);
  setenv("SCOUT_PROBE_TEST_SECRET", "s3cret", 1);
  s.headers = {{"Authorization", "Bearer ${SCOUT_PROBE_TEST_SECRET}"}};
  const ProbeResult r = Run(s);
  EXPECT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.http_status, 200);
  s.headers = {{"Authorization", "Bearer ${SCOUT_PROBE_TEST_UNSET}"}};
  const absl::StatusOr<ProbeResult> missing = RunHttpProbeOnce(s);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()),
              ::testing::HasSubstr("SCOUT_PROBE_TEST_UNSET"));
}

TEST_F(HttpProbeTest, HttpsValidReportsCertExpiry) {
  HttpProbeSpec s = Tls(valid_port_);
  s.ca_file = *dir_ + "/valid.pem";
  const ProbeResult r = Run(s);
  EXPECT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.http_status, 200);
  EXPECT_GT(r.phases.tls, 0);
  EXPECT_NEAR(r.phases.Sum(), r.duration_seconds, 0.001 + r.duration_seconds * 0.05);
  ASSERT_TRUE(r.cert_expiry_unix.has_value());
  EXPECT_NEAR(static_cast<double>(*r.cert_expiry_unix), NowUnix() + 7 * 86400.0, 600);
}

TEST_F(HttpProbeTest, HttpsUntrustedFailsTlsButKeepsExpiry) {
  HttpProbeSpec s = Tls(valid_port_);  // self-signed, not in the system store
  ProbeResult r = Run(s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reason, FailureReason::kTls) << r.error;
  ASSERT_TRUE(r.cert_expiry_unix.has_value());
  EXPECT_NEAR(static_cast<double>(*r.cert_expiry_unix), NowUnix() + 7 * 86400.0, 600);
  s.tls_verify = false;
  r = Run(s);
  EXPECT_TRUE(r.success) << r.error;
  EXPECT_TRUE(r.cert_expiry_unix.has_value());
}

TEST_F(HttpProbeTest, HttpsExpiredFailsTlsAndReportsExpiry) {
  HttpProbeSpec s = Tls(expired_port_);
  s.ca_file = *dir_ + "/ca.pem";  // trusted issuer: expiry is the only fault
  ProbeResult r = Run(s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reason, FailureReason::kTls) << r.error;
  EXPECT_THAT(r.error, ::testing::HasSubstr("expired"));
  ASSERT_TRUE(r.cert_expiry_unix.has_value());
  EXPECT_EQ(*r.cert_expiry_unix, 1580515200);  // 2020-02-01T00:00:00Z
  s.tls_verify = false;
  r = Run(s);
  EXPECT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.cert_expiry_unix.value_or(0), 1580515200);
}

TEST_F(HttpProbeTest, HttpsWrongHostnameFailsTls) {
  // The certificate names 127.0.0.1 only; "localhost" must not pass.
  HttpProbeSpec s = Tls(valid_port_, "localhost");
  s.ca_file = *dir_ + "/valid.pem";
  const ProbeResult r = Run(s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reason, FailureReason::kTls) << r.error;
  EXPECT_TRUE(r.cert_expiry_unix.has_value());
}

TEST_F(HttpProbeTest, HttpsExpiryIsEarliestOfChain) {
  HttpProbeSpec s = Tls(chained_port_);
  s.ca_file = *dir_ + "/short.pem";
  const ProbeResult r = Run(s);
  EXPECT_TRUE(r.success) << r.error;
  ASSERT_TRUE(r.cert_expiry_unix.has_value());
  // The CA's 3 days, not the leaf's 30.
  EXPECT_NEAR(static_cast<double>(*r.cert_expiry_unix), NowUnix() + 3 * 86400.0, 600);
}

TEST_F(HttpProbeTest, InvalidSpecIsAnError) {
  HttpProbeSpec s = Spec("/ok");
  s.body_must_match = "(";
  EXPECT_FALSE(RunHttpProbeOnce(s).ok());
}

}  // namespace
}  // namespace scout::probe
