// Network plugin ("network"): interface traffic, socket counts and TCP
// retransmits of the host's network namespace.
//
// Every file is read as "1/net/<file>" first, falling back to "net/<file>"
// (see ReadNetFile in the .cc for why). Three independent parts; if one
// cannot be read or parsed the others are still emitted and the first
// error is returned:
//
// 1. net/dev, per interface, labelled {device} (loopback "lo" only when
//    `include_loopback`):
//      node_network_{receive,transmit}_{bytes,packets,errs,drop}_total
//                                          raw counters (node_exporter names)
//      node_network_{receive,transmit}_{bytes,packets}_per_second
//    Rates are over the interval since the previous call; none on the
//    first call, for an interface that just appeared, when the cycle time
//    did not advance, or for a counter that went backwards (interface
//    re-created; the other counters of that interface still get rates).
//
// 2. net/tcp, tcp6, udp, udp6:
//      node_tcp_connections{state,family}   TCP sockets per state; all 11
//           states (established, syn_sent, syn_recv, fin_wait1, fin_wait2,
//           time_wait, close, close_wait, last_ack, listen, closing) are
//           emitted for each family, zeros included, so series are stable
//      node_udp_sockets{family}              UDP sockets
//      node_sockets_listening                TCP LISTEN + unconnected UDP
//                                            sockets, i.e. what `ss -tuln` lists
//    family is "ipv4" (tcp, udp) or "ipv6" (tcp6, udp6; IPv4-mapped
//    sockets of dual-stack listeners are counted here, as ss does). A
//    missing tcp6/udp6 means the kernel has no IPv6: that family is
//    silently absent. node_sockets_listening is emitted only when every
//    table that exists was read.
//
// 3. net/snmp "Tcp:" RetransSegs:
//      node_netstat_Tcp_RetransSegs          raw counter (node_exporter name)
//      node_tcp_retransmits_per_second       rate, same rules as above
//
// Thread safety: keeps state between calls; call from one thread at a
// time (the scheduler's). `host` must outlive the collector.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "agent/plugin.h"
#include "agent/host/host_fs.h"
#include "shared/yaml_config.h"

namespace scout::agent {

// Per-container virtual interfaces: Docker and CNI veth pairs, Calico,
// Cilium, GKE, the AWS VPC CNI and Azure CNI each give every pod one,
// named after a hash that changes with every pod. As series they are pure
// churn (hundreds per node per day), and their traffic also crosses the
// physical interfaces and bridges, which are kept.
inline constexpr char kDefaultExcludeDevicesRegex[] = "^(veth|cali|lxc|gke|eni|azv)[0-9a-f]";

struct NetworkOptions {
  bool include_loopback = false;
  // RE2, unanchored search on the interface name; "" excludes nothing.
  std::string exclude_devices_regex = kDefaultExcludeDevicesRegex;
};

// InvalidArgument naming the option if the regex does not compile. A
// plugin built with invalid options fails every Collect().
absl::Status ValidateNetworkOptions(const NetworkOptions& options);

// Reads the config's `network:` section (include_loopback,
// exclude_devices) into `options` and validates them; errors name file,
// line and key.
absl::Status ReadNetworkOptions(ConfigMap& section, NetworkOptions* options);

std::unique_ptr<Plugin> NewNetworkPlugin(const HostFs& host, NetworkOptions options);

}  // namespace scout::agent
