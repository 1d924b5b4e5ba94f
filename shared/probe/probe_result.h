// ProbeResult: the outcome of one probe run, and its human-readable form.
// Plain value type; no thread-safety concerns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace scout::probe {

// Fixed set so the failures_total series stay bounded.
enum class FailureReason { kNone, kTimeout, kRefused, kDns, kTls, kStatus, kBody, kOther };

// "timeout", "refused", "dns", "tls", "status", "body", "other" ("" for kNone).
const char* FailureReasonName(FailureReason reason);

enum class ProbeKind { kHttp, kTcp };
const char* ProbeKindName(ProbeKind kind);  // "http" / "tcp"

// Seconds spent in each phase. Phases that did not happen are 0 (no TLS on
// plain HTTP; nothing after the phase where a failed probe stopped).
struct ProbePhases {
  double dns = 0, connect = 0, tls = 0, ttfb = 0, transfer = 0;
  double Sum() const { return dns + connect + tls + ttfb + transfer; }
};

struct ProbeResult {
  size_t probe_index = 0;  // position in the engine's probe list
  std::string name;
  std::string target;  // URL or host:port
  ProbeKind kind = ProbeKind::kHttp;
  bool success = false;
  FailureReason reason = FailureReason::kNone;
  // Human detail for logs (curl's message, "got 503", ...). Never contains
  // request headers, so never a secret.
  std::string error;
  double duration_seconds = 0;
  bool slow = false;  // duration > the spec's slow_after
  ProbePhases phases;
  int http_status = 0;  // 0: no HTTP response
  int64_t response_bytes = 0;
  // Earliest notAfter of the certificate chain the server presented, also
  // when verification failed. Empty for plain HTTP / TCP or no handshake.
  std::optional<int64_t> cert_expiry_unix;
  int64_t finished_unix_ms = 0;
};

// Multi-line breakdown for the CLI, e.g.
//   https://x/health: OK 200, 1234 bytes, 0.212s
//     dns       0.003s ...
//     certificate expires 2025-01-31T00:00:00Z (in 12.3 days)
std::string FormatPhaseBreakdown(const ProbeResult& result);

}  // namespace scout::probe
