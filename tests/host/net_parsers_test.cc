#include "agent/host/net_parsers.h"

#include <string>

#include "agent/host/host_fs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_host_fs.h"

namespace scout::agent {
namespace {

using testing::ExpectInvalid;
using testing::ReadFixture;

using ::testing::HasSubstr;
using testing::FixtureDir;



// ---- /proc/net/dev -------------------------------------------------------

TEST(ParseNetDev, RealSnapshot) {
  absl::StatusOr<std::vector<NetDevStats>> devs = ParseNetDev(ReadFixture("real2/net/dev"));
  ASSERT_TRUE(devs.ok()) << devs.status();
  ASSERT_EQ(devs->size(), 4u);
  EXPECT_EQ((*devs)[0].name, "lo");
  EXPECT_EQ((*devs)[0].rx_bytes, 20149136319u);  // > 2^32
  const NetDevStats& eth0 = (*devs)[3];
  EXPECT_EQ(eth0.name, "eth0");
  EXPECT_EQ(eth0.rx_bytes, 18897523u);
  EXPECT_EQ(eth0.rx_packets, 511u);
  EXPECT_EQ(eth0.tx_bytes, 29866u);
  EXPECT_EQ(eth0.tx_packets, 364u);
}

TEST(ParseNetDev, ColumnsMapToTheRightFields) {
  absl::StatusOr<std::vector<NetDevStats>> devs =
      ParseNetDev("eth0:1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n");  // old kernels: no space
  ASSERT_TRUE(devs.ok()) << devs.status();
  ASSERT_EQ(devs->size(), 1u);
  const NetDevStats& d = (*devs)[0];
  EXPECT_EQ(d.name, "eth0");
  EXPECT_EQ(d.rx_bytes, 1u);
  EXPECT_EQ(d.rx_packets, 2u);
  EXPECT_EQ(d.rx_errs, 3u);
  EXPECT_EQ(d.rx_drop, 4u);
  EXPECT_EQ(d.tx_bytes, 9u);
  EXPECT_EQ(d.tx_packets, 10u);
  EXPECT_EQ(d.tx_errs, 11u);
  EXPECT_EQ(d.tx_drop, 12u);
}

TEST(ParseNetDev, Errors) {
  ExpectInvalid(ParseNetDev("eth0 1 2 3\n").status(), "line 1: expected \"name:\"");
  ExpectInvalid(ParseNetDev("eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n").status(),
                "expected 16 counters");
  ExpectInvalid(ParseNetDev("eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 x\n").status(),
                "invalid counter \"x\"");
  ExpectInvalid(ParseNetDev(": 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n").status(),
                "bad interface name");
  const std::string line = "eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n";
  ExpectInvalid(ParseNetDev(line + line).status(), "line 2: duplicate interface");
}

// ---- /proc/net/{tcp,udp}[6] ---------------------------------------------

TEST(ParseNetSockets, RealSnapshotCountsByState) {
  absl::StatusOr<SocketCounts> tcp6 = ParseNetSockets(ReadFixture("real2/net/tcp6"), "net/tcp6");
  ASSERT_TRUE(tcp6.ok()) << tcp6.status();
  EXPECT_EQ(tcp6->total, 52u);
  EXPECT_EQ(tcp6->by_state.at(0x06), 51u);
  EXPECT_EQ(tcp6->by_state.at(0x0A), 1u);
  EXPECT_EQ(tcp6->by_state.size(), 2u);

  absl::StatusOr<SocketCounts> udp = ParseNetSockets(ReadFixture("real2/net/udp"), "net/udp");
  ASSERT_TRUE(udp.ok()) << udp.status();
  EXPECT_EQ(udp->total, 0u);  // header only
}

TEST(ParseNetSockets, HexStatesEitherCase) {
  absl::StatusOr<SocketCounts> c = ParseNetSockets(
      "  sl  local_address rem_address   st\n"
      "   0: 00000000:0016 00000000:0000 0a 0\n"
      "   1: 00000000:0017 00000000:0000 0B 0\n"
      "   2: 00000000:0018 00000000:0000 0B 0\n",
      "net/tcp");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->total, 3u);
  EXPECT_EQ(c->by_state.at(10), 1u);
  EXPECT_EQ(c->by_state.at(11), 2u);
}

TEST(ParseNetSockets, Errors) {
  ExpectInvalid(ParseNetSockets("   0: 00000000:0016 00000000:0000\n", "net/tcp").status(),
                "net/tcp line 1");
  ExpectInvalid(ParseNetSockets("   0: 00000000:0016 00000000:0000 0G\n", "net/udp").status(),
                "net/udp line 1");
  ExpectInvalid(ParseNetSockets("   0 00000000:0016 00000000:0000 0A\n", "net/tcp6").status(),
                "net/tcp6 line 1");
  ExpectInvalid(ParseNetSockets("   0: 00000000:0016 00000000:0000 10A\n", "net/tcp").status(),
                "line 1");
}

// ---- /proc/net/snmp ------------------------------------------------------

TEST(ParseNetSnmpCounter, RealSnapshotWithNegativeMaxConn) {
  const std::string text = ReadFixture("real2/net/snmp");
  absl::StatusOr<uint64_t> retrans = ParseNetSnmpCounter(text, "Tcp", "RetransSegs");
  ASSERT_TRUE(retrans.ok()) << retrans.status();
  EXPECT_EQ(*retrans, 25396u);
  absl::StatusOr<uint64_t> out = ParseNetSnmpCounter(text, "Udp", "OutDatagrams");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, 26u);
  // Tcp MaxConn is -1: asking for it is an error, having it is not.
  ExpectInvalid(ParseNetSnmpCounter(text, "Tcp", "MaxConn").status(), "bad MaxConn");
}

TEST(ParseNetSnmpCounter, MissingAndMalformed) {
  const std::string good = "Tcp: A RetransSegs\nTcp: 1 7\n";
  EXPECT_EQ(ParseNetSnmpCounter(good, "Udp", "X").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ParseNetSnmpCounter(good, "Tcp", "X").status().code(), absl::StatusCode::kNotFound);
  // "Tcp" must not match "TcpExt:".
  EXPECT_EQ(ParseNetSnmpCounter("TcpExt: RetransSegs\nTcpExt: 5\n", "Tcp", "RetransSegs")
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  ExpectInvalid(ParseNetSnmpCounter("Tcp: A RetransSegs\nTcp: 1\n", "Tcp", "RetransSegs").status(),
                "line 2: column count mismatch");
  ExpectInvalid(ParseNetSnmpCounter("Tcp: A RetransSegs\n", "Tcp", "RetransSegs").status(),
                "header without values");
  ExpectInvalid(
      ParseNetSnmpCounter("Tcp: A RetransSegs\nUdp: 1 2\n", "Tcp", "RetransSegs").status(),
      "line 2: header without values");
  ExpectInvalid(ParseNetSnmpCounter("Tcp: A RetransSegs\nTcp: 1 x\n", "Tcp", "RetransSegs")
                    .status(),
                "bad RetransSegs");
}

}  // namespace
}  // namespace scout::agent
