// Network addresses as written in configs and flags ("host:port",
// "[v6]:port", "unix:/path"), and the one rule for what counts as local.
//
// Why it matters: plaintext gRPC is allowed without `insecure: true` only
// when it cannot leave the machine (docs/security.md). Both the collector
// (what it listens on) and its clients (what they dial) ask IsLocalAddress.
//
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace scout {

struct HostPort {
  std::string host;  // without brackets: "::1", "127.0.0.1", "collector.scout"
  std::string port;  // as written; may be empty when the address has none
};

// "host:port", "[v6]:port", "host" (no port). Errors for "", "[::1" and a
// bare IPv6 address without brackets ("::1:7070" is ambiguous).
absl::StatusOr<HostPort> SplitHostPort(absl::string_view address);

// localhost, 127.0.0.0/8, ::1 (and ::ffff:127.x.y.z). A DNS name other than
// "localhost" is never loopback: it may resolve anywhere.
bool IsLoopbackHost(absl::string_view host);

// True for a loopback host:port and for unix-domain sockets ("unix:...",
// "unix-abstract:..."). False for wildcards (0.0.0.0, [::]) and anything
// that does not parse.
bool IsLocalAddress(absl::string_view address);

}  // namespace scout
