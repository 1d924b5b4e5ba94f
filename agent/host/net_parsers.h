// Pure parsers for the /proc/net files the network plugin reads
// (net/dev, net/tcp, tcp6, udp, udp6, net/snmp). Same contract as
// proc_parsers.h: text in, struct out, no I/O; a line the parser needs but
// cannot understand yields InvalidArgument naming the file, the line
// number and the text; lines and columns it does not need are skipped.
//
// Thread safety: stateless free functions; safe from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace scout::agent {

// One interface of /proc/net/dev. All 16 columns must be numbers; the
// plugin uses these 8.
struct NetDevStats {
  std::string name;
  uint64_t rx_bytes = 0;
  uint64_t rx_packets = 0;
  uint64_t rx_errs = 0;
  uint64_t rx_drop = 0;
  uint64_t tx_bytes = 0;
  uint64_t tx_packets = 0;
  uint64_t tx_errs = 0;
  uint64_t tx_drop = 0;
};
// Interfaces in file order. The two header lines (they contain '|') are
// skipped. Old kernels print "eth0:123" with no space after the colon;
// interface names cannot contain ':' so the first one splits name from
// counters. A duplicate interface name is an error.
absl::StatusOr<std::vector<NetDevStats>> ParseNetDev(std::string_view text);

// Socket counts of one of /proc/net/{tcp,tcp6,udp,udp6}: one socket per
// line after the "sl local_address ..." header. The state is the 4th
// column, in hex, with TCP's numbering (01 ESTABLISHED ... 0A LISTEN,
// 0B CLOSING); UDP uses 07 (CLOSE) for unconnected and 01 for connected
// sockets.
struct SocketCounts {
  uint64_t total = 0;
  std::map<int, uint64_t> by_state;  // state number -> sockets
};
// `file` names the table in error messages ("net/tcp6").
absl::StatusOr<SocketCounts> ParseNetSockets(std::string_view text, std::string_view file);

// One counter of /proc/net/snmp (or /proc/net/netstat), which holds pairs
// of lines "Proto: Name1 Name2 ..." / "Proto: v1 v2 ...". Returns the
// value of `field` in the first pair for `protocol` ("Tcp", "RetransSegs").
// NotFound when the protocol or field is absent; InvalidArgument when the
// pair is malformed or that value is not an unsigned number. Other
// columns may be anything (Tcp MaxConn is -1).
absl::StatusOr<uint64_t> ParseNetSnmpCounter(std::string_view text, std::string_view protocol,
                                             std::string_view field);

}  // namespace scout::agent
