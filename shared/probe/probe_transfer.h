// ProbeTransfer: one run of one probe as a configured curl easy handle.
// Internal to scout_probe; shared by the ProbeEngine loop and the blocking
// RunHttpProbeOnce() so both measure exactly the same way.
//
// Every run uses a fresh connection, no DNS cache and no TLS session
// resumption, so each result includes the full dns/connect/tls cost and
// always sees the server's certificate chain.
//
// Thread safety: none; a transfer is owned and driven by one thread. The
// spec passed in must outlive the transfer.
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "shared/probe/probe_result.h"
#include "shared/probe/probe_spec.h"

namespace scout::probe {

// curl_global_init exactly once per process; call before any curl use.
void EnsureCurlGlobalInit();

class ProbeTransfer {
 public:
  ProbeTransfer(const HttpProbeSpec& spec, size_t index);
  ProbeTransfer(const TcpProbeSpec& spec, size_t index);
  ~ProbeTransfer();
  ProbeTransfer(const ProbeTransfer&) = delete;
  ProbeTransfer& operator=(const ProbeTransfer&) = delete;

  // Creates and configures the easy handle (resolving header secrets).
  // On error the probe cannot run; report it with SetupFailure().
  absl::Status Prepare();
  CURL* easy() const { return easy_; }

  // Called once curl reported a hop done with `code`, before Complete: if
  // the hop was a redirect (301, 302, 303, 307, 308 with a Location) that
  // may be followed, re-arms easy() for the next hop and returns true; the
  // caller adds it to its multi again (after removing it). The hop's
  // times, body and certificate expiry carry over. Redirects are followed
  // here, not by libcurl: libcurl 7.88 re-sends custom headers to any host
  // (it strips only Authorization and Cookie), so each hop's headers are
  // rebuilt: all configured headers while every hop so far stayed on the
  // URL's origin (scheme, host, port), none from the first hop that left
  // it. An https -> http hop (unless allow_insecure_redirect), a non-HTTP
  // Location, more than kMaxRedirects hops or no time left end the run:
  // Complete then reports the failure.
  bool NextHop(CURLcode code);
  static constexpr int kMaxRedirects = 10;

  // Builds the result once curl reported the transfer done with `code`.
  ProbeResult Complete(CURLcode code);
  // Result for a run that could not start (reason "other").
  ProbeResult SetupFailure(const absl::Status& status) const;

  // Called from the OpenSSL verify callback with each notAfter seen.
  void NoteCertExpiry(int64_t not_after_unix);

 private:
  static size_t OnBody(char* data, size_t size, size_t nmemb, void* self);
  ProbeResult BaseResult() const;
  void CheckHttp(ProbeResult& result) const;
  // This hop's phases (curl's times restart with every hop).
  ProbePhases HopPhases() const;
  // Why following stopped early (set by NextHop); reported by Complete.
  void StopFollowing(FailureReason reason, std::string error);

  const HttpProbeSpec* http_ = nullptr;
  const TcpProbeSpec* tcp_ = nullptr;
  size_t index_;
  CURL* easy_ = nullptr;
  curl_slist* headers_ = nullptr;
  char error_buf_[CURL_ERROR_SIZE] = {};
  std::string body_;  // first kMaxBodyKept bytes, for the body regexes
  int64_t body_bytes_ = 0;
  std::optional<int64_t> cert_expiry_;
  // Redirects (NextHop): hops taken, the times of the hops before this
  // one, whether the configured headers were dropped, why following
  // stopped ("" = it did not).
  int hops_ = 0;
  std::string origin_;  // "scheme://host:port" of the spec's URL
  std::string method_;  // of the current hop (a 303 turns it into GET)
  ProbePhases earlier_phases_;
  double earlier_seconds_ = 0;
  bool headers_dropped_ = false;
  FailureReason stop_reason_ = FailureReason::kNone;
  std::string stop_error_;
};

}  // namespace scout::probe
