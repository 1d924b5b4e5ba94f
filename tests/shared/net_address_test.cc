#include "shared/net_address.h"

#include <gtest/gtest.h>

namespace scout {
namespace {

TEST(SplitHostPort, Forms) {
  auto a = SplitHostPort("collector.scout.svc:7070");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "collector.scout.svc");
  EXPECT_EQ(a->port, "7070");
  auto b = SplitHostPort("[::1]:7070");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, "7070");
  auto c = SplitHostPort("localhost");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "localhost");
  EXPECT_EQ(c->port, "");
  EXPECT_FALSE(SplitHostPort("").ok());
  EXPECT_FALSE(SplitHostPort("[::1").ok());
  EXPECT_FALSE(SplitHostPort("[::1]7070").ok());
  EXPECT_FALSE(SplitHostPort("::1:7070").ok()) << "ambiguous without brackets";
}

TEST(IsLocalAddress, LoopbackAndUnixOnly) {
  EXPECT_TRUE(IsLocalAddress("127.0.0.1:7070"));
  EXPECT_TRUE(IsLocalAddress("127.1.2.3:0"));
  EXPECT_TRUE(IsLocalAddress("localhost:7070"));
  EXPECT_TRUE(IsLocalAddress("LOCALHOST:7070"));
  EXPECT_TRUE(IsLocalAddress("[::1]:7070"));
  EXPECT_TRUE(IsLocalAddress("[::ffff:127.0.0.1]:7070"));
  EXPECT_TRUE(IsLocalAddress("unix:/run/scout.sock"));
  EXPECT_TRUE(IsLocalAddress("ipv4:127.0.0.1:7070"));

  EXPECT_FALSE(IsLocalAddress("0.0.0.0:7070")) << "a wildcard listens on every interface";
  EXPECT_FALSE(IsLocalAddress("[::]:7070"));
  EXPECT_FALSE(IsLocalAddress("10.0.0.5:7070"));
  EXPECT_FALSE(IsLocalAddress("128.0.0.1:7070"));
  EXPECT_FALSE(IsLocalAddress("[::ffff:10.0.0.1]:7070"));
  EXPECT_FALSE(IsLocalAddress("scout-collector.scout.svc:7070"));
  EXPECT_FALSE(IsLocalAddress("localhost.evil.example:7070"));
  EXPECT_FALSE(IsLocalAddress(""));
  EXPECT_FALSE(IsLocalAddress("::1:7070"));
}

}  // namespace
}  // namespace scout
