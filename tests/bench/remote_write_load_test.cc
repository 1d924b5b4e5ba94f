// RemoteWriteAddress: the host:port that scout-bench remote-write checks
// the plaintext-to-non-local rule against, on literal URLs.
#include "bench/remote_write_load.h"

#include <gtest/gtest.h>

namespace scout::bench {
namespace {

std::string Address(const std::string& url) {
  absl::StatusOr<std::string> a = RemoteWriteAddress(url);
  return a.ok() ? *a : "error: " + std::string(a.status().message());
}

TEST(RemoteWriteAddress, PortFromTheUrlOrTheScheme) {
  EXPECT_EQ(Address("http://127.0.0.1:9470/api/v1/write"), "127.0.0.1:9470");
  EXPECT_EQ(Address("https://mimir.example:9009/api/v1/push"), "mimir.example:9009");
  EXPECT_EQ(Address("http://localhost/api/v1/write"), "localhost:80");
  EXPECT_EQ(Address("https://localhost/api/v1/write"), "localhost:443");
  EXPECT_EQ(Address("HTTPS://Host.example"), "Host.example:443");  // no path, scheme in capitals
}

TEST(RemoteWriteAddress, Ipv6LiteralsKeepTheirBrackets) {
  EXPECT_EQ(Address("http://[::1]:8080/api/v1/write"), "[::1]:8080");
  EXPECT_EQ(Address("https://[2001:db8::1]/api/v1/write"), "[2001:db8::1]:443");
}

TEST(RemoteWriteAddress, OtherSchemesAndNoHostAreErrors) {
  EXPECT_EQ(Address("ftp://127.0.0.1/x"), "error: --url must start with http:// or https://");
  EXPECT_EQ(Address("127.0.0.1:9470/api/v1/write"),
            "error: --url must start with http:// or https://");
  EXPECT_EQ(Address("http:///api/v1/write"), "error: --url has no host");
  EXPECT_EQ(Address("https://"), "error: --url has no host");
}

}  // namespace
}  // namespace scout::bench
