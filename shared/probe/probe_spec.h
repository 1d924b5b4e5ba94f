// Probe specifications (what to check, how often, what counts as healthy)
// (header values may hold secret references: shared/secret_ref.h).
//
// Specs are plain values copied into the ProbeEngine; nothing here keeps
// state.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace scout::probe {

using ProbeLabels = std::vector<std::pair<std::string, std::string>>;

struct HttpProbeSpec {
  std::string name;  // stable id, label `probe`; unique among all probes
  std::string url;
  std::string method = "GET";
  // Values may reference secrets (shared/secret_ref.h). Resolved at every
  // run so a rotated token file is picked up without a restart.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{10000};
  // Redirects are followed by ProbeTransfer itself (up to 10): the
  // configured headers go only to the URL's own origin (scheme, host and
  // port) and are dropped for good at the first hop to another one; a hop
  // from https to http fails the probe unless allow_insecure_redirect.
  bool follow_redirects = true;
  bool allow_insecure_redirect = false;
  // Inclusive ranges; the probe fails with reason "status" outside them.
  std::vector<std::pair<int, int>> expect_status = {{200, 399}};
  // RE2 patterns searched (not fully matched) in the response body; empty
  // means no check. Failing either gives reason "body".
  std::string body_must_match, body_must_not_match;
  bool tls_verify = true;
  std::string ca_file;  // empty: system trust store
  std::chrono::milliseconds interval{10000};
  std::chrono::milliseconds slow_after{2000};  // the guide uses 5 s for APIs
  ProbeLabels labels;                          // extra labels on every series
};

struct TcpProbeSpec {
  std::string name;
  std::string host;
  int port = 0;
  std::chrono::milliseconds timeout{5000}, interval{10000};
  std::chrono::milliseconds slow_after{2000};
  ProbeLabels labels;
};

// Checks what can be checked without network access (name, URL scheme,
// regexes, ranges, positive durations). Errors are safe to log.
absl::Status ValidateHttpProbeSpec(const HttpProbeSpec& spec);
absl::Status ValidateTcpProbeSpec(const TcpProbeSpec& spec);

}  // namespace scout::probe
