#include "shared/net_address.h"

#include <arpa/inet.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace scout {

absl::StatusOr<HostPort> SplitHostPort(absl::string_view address) {
  if (address.empty()) return absl::InvalidArgumentError("empty address");
  HostPort out;
  if (address.front() == '[') {
    const size_t close = address.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("address '", address, "': missing ']'"));
    }
    out.host = std::string(address.substr(1, close - 1));
    absl::string_view rest = address.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return absl::InvalidArgumentError(
            absl::StrCat("address '", address, "': expected ':' after ']'"));
      }
      out.port = std::string(rest.substr(1));
    }
    return out;
  }
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) {
    out.host = std::string(address);
    return out;
  }
  if (address.find(':') != colon) {
    return absl::InvalidArgumentError(
        absl::StrCat("address '", address, "': write an IPv6 address as [addr]:port"));
  }
  out.host = std::string(address.substr(0, colon));
  out.port = std::string(address.substr(colon + 1));
  return out;
}

bool IsLoopbackHost(absl::string_view host) {
  if (absl::EqualsIgnoreCase(host, "localhost")) return true;
  std::string h(host);
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

bool IsLocalAddress(absl::string_view address) {
  if (absl::StartsWith(address, "unix:") || absl::StartsWith(address, "unix-abstract:")) {
    return true;
  }
  // gRPC also accepts "ipv4:" / "ipv6:" / "dns:///" target schemes.
  for (absl::string_view scheme : {"ipv4:", "ipv6:", "dns:///"}) {
    if (absl::StartsWith(address, scheme)) address.remove_prefix(scheme.size());
  }
  auto hp = SplitHostPort(address);
  return hp.ok() && IsLoopbackHost(hp->host);
}

}  // namespace scout
