#include "agent/host/network_plugin.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_host_fs.h"

namespace scout::agent {
namespace {

using ::testing::HasSubstr;
using testing::CollectOk;
using testing::CountMetric;
using testing::FixtureDir;
using testing::FixtureHostFs;
using testing::HasSeries;
using testing::ValueOf;

constexpr double kEps = 1e-9;


Labels Dev(const std::string& device) { return {{"device", device}}; }
Labels Tcp(const std::string& state, const std::string& family) {
  return {{"state", state}, {"family", family}};
}

int RateSamples(const std::vector<Sample>& s, const std::string& device) {
  int n = 0;
  for (const char* metric :
       {"node_network_receive_bytes_per_second", "node_network_transmit_bytes_per_second",
        "node_network_receive_packets_per_second", "node_network_transmit_packets_per_second"}) {
    n += HasSeries(s, metric, Dev(device)) ? 1 : 0;
  }
  return n;
}

NetworkOptions Excluding(const std::string& regex) {
  NetworkOptions options;
  options.exclude_devices_regex = regex;
  return options;
}

NetworkOptions WithLoopback() {
  NetworkOptions options;
  options.include_loopback = true;
  return options;
}

TEST(NetworkCollector, FirstCallRawCountersFromTheHostNamespace) {
  FixtureHostFs host("net_basic/t0");
  auto net = NewNetworkPlugin(host, NetworkOptions{});
  EXPECT_EQ(net->name(), "network");
  const std::vector<Sample> s = CollectOk(*net, 1000);

  // 1/net/* (PID 1's namespace) was read; the decoy net/dev never was.
  EXPECT_EQ(host.reads("1/net/dev"), 1);
  EXPECT_EQ(host.reads("net/dev"), 0);
  EXPECT_EQ(host.reads("net/tcp"), 0);

  const Labels eth0 = Dev("eth0");
  EXPECT_EQ(ValueOf(s, "node_network_receive_bytes_total", eth0), 10000000.0);
  EXPECT_EQ(ValueOf(s, "node_network_transmit_bytes_total", eth0), 4000000.0);
  EXPECT_EQ(ValueOf(s, "node_network_receive_packets_total", eth0), 20000.0);
  EXPECT_EQ(ValueOf(s, "node_network_transmit_packets_total", eth0), 10000.0);
  EXPECT_EQ(ValueOf(s, "node_network_receive_errs_total", eth0), 3.0);
  EXPECT_EQ(ValueOf(s, "node_network_transmit_errs_total", eth0), 1.0);
  EXPECT_EQ(ValueOf(s, "node_network_receive_drop_total", eth0), 7.0);
  EXPECT_EQ(ValueOf(s, "node_network_transmit_drop_total", eth0), 2.0);
  EXPECT_EQ(CountMetric(s, "node_network_receive_bytes_total"), 2);  // eth0, eth1; no lo
  EXPECT_FALSE(HasSeries(s, "node_network_receive_bytes_total", Dev("lo")));
  EXPECT_EQ(RateSamples(s, "eth0"), 0);
  EXPECT_EQ(ValueOf(s, "node_netstat_Tcp_RetransSegs"), 1000.0);
  EXPECT_EQ(CountMetric(s, "node_tcp_retransmits_per_second"), 0);
}

// Socket tables of net_basic/t0:
//   tcp : 2 LISTEN, 3 ESTABLISHED, 2 TIME_WAIT, 1 CLOSE_WAIT, 1 SYN_SENT
//   tcp6: 1 LISTEN, 1 ESTABLISHED, 1 FIN_WAIT2, 1 LAST_ACK, 1 CLOSING
//   udp : 2 unconnected (07), 1 connected (01);  udp6: 1 unconnected
TEST(NetworkCollector, SocketCountsPerStateAndFamily) {
  FixtureHostFs host("net_basic/t0");
  auto net = NewNetworkPlugin(host, NetworkOptions{});
  const std::vector<Sample> s = CollectOk(*net, 1000);

  EXPECT_EQ(ValueOf(s, "node_tcp_connections", Tcp("listen", "ipv4")), 2.0);
  EXPECT_EQ(ValueOf(s, "node_tcp_connections", Tcp("established", "ipv4")), 3.0);
  EXPECT_EQ(ValueOf(s, "node_tcp_connections", Tcp("time_wait", "ipv4")), 2.0);
  EXPECT_EQ(ValueOf(s, "node_tcp_connections", Tcp("close_wait", "ipv4")), 1.0);
  EXPECT_EQ(ValueOf(s, "node_tcp_connections", Tcp("syn_sent", "ipv4")), 1.0);
  EXPECT_EQ(ValueOf(s, "node_tcp_connections", Tcp("fin_wait2", "ipv4")), 0.0);
  EXPECT_EQ(ValueOf(s, "node_tcp_connections", Tcp("listen", "ipv6")), 1.0);
  EXPECT_EQ(ValueOf(s, "node_tcp_connections", Tcp("established", "ipv6")), 1.0);
  EXPECT_EQ(ValueOf(s, "node_tcp_connections", Tcp("fin_wait2", "ipv6")), 1.0);
  EXPECT_EQ(ValueOf(s, "node_tcp_connections", Tcp("last_ack", "ipv6")), 1.0);
  EXPECT_EQ(ValueOf(s, "node_tcp_connections", Tcp("closing", "ipv6")), 1.0);
  EXPECT_EQ(ValueOf(s, "node_tcp_connections", Tcp("time_wait", "ipv6")), 0.0);
  EXPECT_EQ(CountMetric(s, "node_tcp_connections"), 22);  // 11 states x 2, zeros included
  EXPECT_EQ(ValueOf(s, "node_udp_sockets", {{"family", "ipv4"}}), 3.0);
  EXPECT_EQ(ValueOf(s, "node_udp_sockets", {{"family", "ipv6"}}), 1.0);
  // ss -tuln: 2 + 1 TCP LISTEN, 2 + 1 unconnected UDP.
  EXPECT_EQ(ValueOf(s, "node_sockets_listening"), 6.0);
}

// net_basic t0 -> t1, 5 s apart:
//   eth0: rx +5000000 B +4000 pkts, tx +2500000 B +2500 pkts
//   eth1: rx counters went backwards (wrap/reset), tx +500000 B +500 pkts
//   lo:   rx/tx +100000 B; veth9a: new. RetransSegs 1000 -> 1250.
TEST(NetworkCollector, RatesFromHandComputedDeltas) {
  FixtureHostFs host("net_basic/t0");
  // Keep every interface: veth9a shows how a new interface starts.
  auto net = NewNetworkPlugin(host, Excluding(""));
  CollectOk(*net, 1000);
  host.SetScenario("net_basic/t1");
  const std::vector<Sample> s = CollectOk(*net, 6000);

  const Labels eth0 = Dev("eth0");
  EXPECT_NEAR(ValueOf(s, "node_network_receive_bytes_per_second", eth0), 1000000.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_network_transmit_bytes_per_second", eth0), 500000.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_network_receive_packets_per_second", eth0), 800.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_network_transmit_packets_per_second", eth0), 500.0, kEps);
  EXPECT_EQ(ValueOf(s, "node_network_receive_errs_total", eth0), 4.0);

  // Only the counters that went backwards lose their rate.
  const Labels eth1 = Dev("eth1");
  EXPECT_FALSE(HasSeries(s, "node_network_receive_bytes_per_second", eth1));
  EXPECT_FALSE(HasSeries(s, "node_network_receive_packets_per_second", eth1));
  EXPECT_NEAR(ValueOf(s, "node_network_transmit_bytes_per_second", eth1), 100000.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_network_transmit_packets_per_second", eth1), 100.0, kEps);
  EXPECT_EQ(ValueOf(s, "node_network_receive_bytes_total", eth1), 100000.0);

  EXPECT_EQ(RateSamples(s, "veth9a"), 0);
  EXPECT_EQ(ValueOf(s, "node_network_transmit_bytes_total", Dev("veth9a")), 2000.0);
  EXPECT_EQ(RateSamples(s, "lo"), 0);
  EXPECT_NEAR(ValueOf(s, "node_tcp_retransmits_per_second"), 50.0, kEps);
  EXPECT_EQ(ValueOf(s, "node_netstat_Tcp_RetransSegs"), 1250.0);
}

TEST(NetworkCollector, LoopbackOnRequest) {
  FixtureHostFs host("net_basic/t0");
  auto net = NewNetworkPlugin(host, WithLoopback());
  CollectOk(*net, 1000);
  host.SetScenario("net_basic/t1");
  const std::vector<Sample> s = CollectOk(*net, 6000);
  EXPECT_EQ(ValueOf(s, "node_network_receive_bytes_total", Dev("lo")), 600000.0);
  EXPECT_NEAR(ValueOf(s, "node_network_receive_bytes_per_second", Dev("lo")), 20000.0, kEps);
  EXPECT_NEAR(ValueOf(s, "node_network_transmit_packets_per_second", Dev("lo")), 200.0, kEps);
}

// t2 has only 1/net/snmp, with RetransSegs reset to 100: no rate, and the
// missing tables are errors that do not hide the snmp counter.
TEST(NetworkCollector, MissingFilesAndCounterResetDoNotHideTheRest) {
  FixtureHostFs host("net_basic/t1");
  auto net = NewNetworkPlugin(host, NetworkOptions{});
  CollectOk(*net, 1000);
  host.SetScenario("net_basic/t2");
  VectorSink sink(2000);
  const absl::Status status = net->Collect(2000, sink);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("net/dev"));
  const std::vector<Sample>& s = sink.samples();
  EXPECT_EQ(ValueOf(s, "node_netstat_Tcp_RetransSegs"), 100.0);
  EXPECT_EQ(CountMetric(s, "node_tcp_retransmits_per_second"), 0);
  EXPECT_EQ(CountMetric(s, "node_sockets_listening"), 0);  // a partial sum would lie
  EXPECT_EQ(CountMetric(s, "node_network_receive_bytes_total"), 0);
  // Both views were tried before giving up.
  EXPECT_EQ(host.reads("1/net/dev"), 2);
  EXPECT_EQ(host.reads("net/dev"), 1);

  // Back to t1 5 s later: diffed against the last good net/dev (t1 at 1000 ms).
  host.SetScenario("net_basic/t1");
  const std::vector<Sample> again = CollectOk(*net, 7000);
  EXPECT_EQ(ValueOf(again, "node_network_receive_bytes_per_second", Dev("eth0")), 0.0);
  EXPECT_NEAR(ValueOf(again, "node_tcp_retransmits_per_second"), 1150.0 / 5.0, kEps);
}

TEST(NetworkCollector, KernelWithoutIpv6AndNo1NetFallsBackQuietly) {
  FixtureHostFs host("net_no_ipv6");
  auto net = NewNetworkPlugin(host, NetworkOptions{});
  const std::vector<Sample> s = CollectOk(*net, 1000);
  EXPECT_EQ(host.reads("1/net/dev"), 1);
  EXPECT_EQ(host.reads("net/dev"), 1);
  EXPECT_EQ(CountMetric(s, "node_tcp_connections"), 11);
  EXPECT_FALSE(HasSeries(s, "node_tcp_connections", Tcp("listen", "ipv6")));
  EXPECT_FALSE(HasSeries(s, "node_udp_sockets", {{"family", "ipv6"}}));
  EXPECT_EQ(ValueOf(s, "node_sockets_listening"), 4.0);  // 2 TCP + 2 UDP
  EXPECT_EQ(ValueOf(s, "node_network_receive_bytes_total", Dev("eth0")), 10000000.0);
}

TEST(NetworkCollector, RealSnapshotThroughProductionHostFs) {
  HostFs host(HostRoots{FixtureDir("real2"), "/nonexistent-sys", "/"});
  auto net = NewNetworkPlugin(host, NetworkOptions{});
  std::vector<Sample> s = CollectOk(*net, 1000);
  EXPECT_EQ(ValueOf(s, "node_network_receive_bytes_total", Dev("eth0")), 18897523.0);
  EXPECT_EQ(ValueOf(s, "node_network_transmit_packets_total", Dev("eth0")), 364.0);
  EXPECT_EQ(CountMetric(s, "node_network_receive_bytes_total"), 3);  // ifb0, ifb1, eth0
  EXPECT_EQ(ValueOf(s, "node_tcp_connections", Tcp("listen", "ipv4")), 1.0);
  EXPECT_EQ(ValueOf(s, "node_tcp_connections", Tcp("listen", "ipv6")), 1.0);
  EXPECT_EQ(ValueOf(s, "node_tcp_connections", Tcp("time_wait", "ipv6")), 51.0);
  EXPECT_EQ(ValueOf(s, "node_udp_sockets", {{"family", "ipv4"}}), 0.0);
  EXPECT_EQ(ValueOf(s, "node_sockets_listening"), 2.0);
  EXPECT_EQ(ValueOf(s, "node_netstat_Tcp_RetransSegs"), 25396.0);
  s = CollectOk(*net, 3000);
  EXPECT_EQ(ValueOf(s, "node_tcp_retransmits_per_second"), 0.0);
  EXPECT_EQ(ValueOf(s, "node_network_receive_bytes_per_second", Dev("eth0")), 0.0);
}


// The default leaves out per-pod interfaces (veth9a appears in t1) and
// keeps physical ones; a custom pattern replaces the default.
TEST(NetworkCollector, ExcludesPerPodInterfacesByDefault) {
  FixtureHostFs host("net_basic/t1");
  auto net = NewNetworkPlugin(host, NetworkOptions{});
  std::vector<Sample> s = CollectOk(*net, 1000);
  EXPECT_FALSE(HasSeries(s, "node_network_transmit_bytes_total", Dev("veth9a")));
  EXPECT_TRUE(HasSeries(s, "node_network_transmit_bytes_total", Dev("eth0")));
  EXPECT_TRUE(HasSeries(s, "node_network_transmit_bytes_total", Dev("eth1")));

  auto custom = NewNetworkPlugin(host, Excluding("^eth1$"));
  s = CollectOk(*custom, 1000);
  EXPECT_TRUE(HasSeries(s, "node_network_transmit_bytes_total", Dev("veth9a")));
  EXPECT_FALSE(HasSeries(s, "node_network_transmit_bytes_total", Dev("eth1")));
}

TEST(NetworkCollector, InvalidExcludePatternFailsEveryCollect) {
  FixtureHostFs host("net_basic/t0");
  const NetworkOptions bad = Excluding("(veth");
  EXPECT_FALSE(ValidateNetworkOptions(bad).ok());
  auto net = NewNetworkPlugin(host, bad);
  VectorSink sink(1000);
  EXPECT_FALSE(net->Collect(1000, sink).ok());
  EXPECT_TRUE(sink.samples().empty());
}

}  // namespace
}  // namespace scout::agent
