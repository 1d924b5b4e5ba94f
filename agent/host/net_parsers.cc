#include "agent/host/net_parsers.h"

#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "agent/host/proc_parsers.h"

namespace scout::agent {
namespace {

using parse_detail::Fields;
using parse_detail::ForEachLine;
using parse_detail::LineError;
using parse_detail::ParseU64;

bool ParseHexState(std::string_view token, int& out) {
  if (token.empty() || token.size() > 2) return false;
  out = 0;
  for (const char c : token) {
    int digit = 0;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return false;
    }
    out = out * 16 + digit;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::vector<NetDevStats>> ParseNetDev(std::string_view text) {
  std::vector<NetDevStats> out;
  std::set<std::string, std::less<>> names;
  absl::Status status = ForEachLine(text, [&](int n, std::string_view line) -> absl::Status {
    if (line.find('|') != std::string_view::npos) return absl::OkStatus();  // header
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return LineError("net/dev", n, "expected \"name:\"", line);
    const std::vector<std::string_view> name = Fields(line.substr(0, colon));
    const std::vector<std::string_view> f = Fields(line.substr(colon + 1));
    if (name.size() != 1) return LineError("net/dev", n, "bad interface name", line);
    if (f.size() < 16) return LineError("net/dev", n, "expected 16 counters", line);
    uint64_t v[16];
    for (size_t i = 0; i < 16; ++i) {
      if (!ParseU64(f[i], v[i])) {
        return LineError("net/dev", n, absl::StrCat("invalid counter \"", std::string(f[i]), "\""),
                         line);
      }
    }
    NetDevStats s;
    s.name = std::string(name[0]);
    // Receive: bytes packets errs drop fifo frame compressed multicast;
    // transmit: bytes packets errs drop fifo colls carrier compressed.
    s.rx_bytes = v[0];
    s.rx_packets = v[1];
    s.rx_errs = v[2];
    s.rx_drop = v[3];
    s.tx_bytes = v[8];
    s.tx_packets = v[9];
    s.tx_errs = v[10];
    s.tx_drop = v[11];
    if (!names.insert(s.name).second) return LineError("net/dev", n, "duplicate interface", line);
    out.push_back(std::move(s));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<SocketCounts> ParseNetSockets(std::string_view text, std::string_view file) {
  SocketCounts counts;
  absl::Status status = ForEachLine(text, [&](int n, std::string_view line) -> absl::Status {
    const std::vector<std::string_view> f = Fields(line);
    if (f[0] == "sl") return absl::OkStatus();  // header
    // "0: 0100007F:0277 00000000:0000 0A ..." - slot, local, remote, state.
    int state = 0;
    if (f.size() < 4 || f[0].back() != ':' || !ParseHexState(f[3], state)) {
      return LineError(file, n, "expected \"slot: local remote state ...\"", line);
    }
    ++counts.total;
    ++counts.by_state[state];
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return counts;
}

absl::StatusOr<uint64_t> ParseNetSnmpCounter(std::string_view text, std::string_view protocol,
                                             std::string_view field) {
  const std::string prefix = absl::StrCat(std::string(protocol), ":");
  std::optional<std::vector<std::string_view>> header;
  std::optional<uint64_t> value;
  absl::Status status = ForEachLine(text, [&](int n, std::string_view line) -> absl::Status {
    if (value.has_value()) return absl::OkStatus();  // first pair wins
    const std::vector<std::string_view> f = Fields(line);
    if (f[0] != prefix) {
      if (header) return LineError("net/snmp", n, "header without values", line);
      return absl::OkStatus();
    }
    if (!header) {
      header = f;
      return absl::OkStatus();
    }
    if (f.size() != header->size()) return LineError("net/snmp", n, "column count mismatch", line);
    for (size_t i = 1; i < f.size(); ++i) {
      if ((*header)[i] != field) continue;
      uint64_t v = 0;
      if (!ParseU64(f[i], v)) {
        return LineError("net/snmp", n, absl::StrCat("bad ", std::string(field)), line);
      }
      value = v;
      return absl::OkStatus();
    }
    return absl::NotFoundError(
        absl::StrCat("net/snmp: no ", prefix, " ", std::string(field), " column"));
  });
  if (!status.ok()) return status;
  if (header && !value) {
    return absl::InvalidArgumentError(absl::StrCat("net/snmp: ", prefix, " header without values"));
  }
  if (!value) return absl::NotFoundError(absl::StrCat("net/snmp: no ", prefix, " lines"));
  return *value;
}

}  // namespace scout::agent
