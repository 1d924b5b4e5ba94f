// Spec validation and the CLI formatter (no network).
#include <cstdlib>
#include <fstream>

#include "shared/probe/probe_result.h"
#include "shared/probe/probe_spec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/probe/test_servers.h"

namespace scout::probe {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ValidateSpecTest, RejectsBadRegexSchemeAndRanges) {
  HttpProbeSpec s;
  s.name = "x";
  s.url = "http://127.0.0.1/";
  EXPECT_TRUE(ValidateHttpProbeSpec(s).ok());
  s.body_must_match = "(unclosed";
  EXPECT_FALSE(ValidateHttpProbeSpec(s).ok());
  s.body_must_match.clear();
  s.expect_status = {{300, 200}};
  EXPECT_FALSE(ValidateHttpProbeSpec(s).ok());
  s.expect_status = {{200, 299}};
  s.url = "ftp://x/";
  EXPECT_FALSE(ValidateHttpProbeSpec(s).ok());
  TcpProbeSpec t{"db", "127.0.0.1", 0, {}, {}, {}, {}};
  EXPECT_FALSE(ValidateTcpProbeSpec(t).ok());
  t.port = 5432;
  t.timeout = std::chrono::milliseconds(100);
  t.interval = std::chrono::milliseconds(100);
  EXPECT_TRUE(ValidateTcpProbeSpec(t).ok());
}

TEST(FormatPhaseBreakdownTest, ShowsOutcomePhasesAndCertificate) {
  ProbeResult r;
  r.target = "https://example.test/health";
  r.success = true;
  r.http_status = 200;
  r.response_bytes = 42;
  r.duration_seconds = 0.25;
  r.phases = {0.01, 0.02, 0.03, 0.15, 0.04};
  r.finished_unix_ms = 1700000000000;
  r.cert_expiry_unix = 1700000000 + 10 * 86400;
  const std::string text = FormatPhaseBreakdown(r);
  EXPECT_THAT(text, HasSubstr("https://example.test/health: OK 200, 42 bytes, 0.250s"));
  EXPECT_THAT(text, HasSubstr("ttfb"));
  EXPECT_THAT(text, HasSubstr("0.150s"));
  EXPECT_THAT(text, HasSubstr("in 10.0 days"));
  r.success = false;
  r.reason = FailureReason::kTls;
  r.cert_expiry_unix = 1700000000 - 86400;
  EXPECT_THAT(FormatPhaseBreakdown(r), HasSubstr("FAILED (tls)"));
  EXPECT_THAT(FormatPhaseBreakdown(r), HasSubstr("EXPIRED 1.0 days"));
}

}  // namespace
}  // namespace scout::probe
